"""The suite's CPU plugin (tests/cpu_usage.py): per-test figures summed per test file over every worker."""

import json

from tests.cpu_usage import per_file, per_file_from_cgroups


def test_per_file_sums_every_workers_tests_of_a_file(tmp_path):
    (tmp_path / "gw0.json").write_text(
        json.dumps({"tests/a/test_x.py::test_one": 1.5, "tests/a/test_x.py::test_two[p]": 2.25})
    )
    (tmp_path / "gw1.json").write_text(
        json.dumps({"tests/a/test_x.py::test_three": 0.25, "tests/b/test_y.py::test_one@group": 4.0})
    )
    assert per_file(tmp_path) == {"tests/a/test_x.py": 4.0, "tests/b/test_y.py": 4.0}


def test_no_figures_no_files(tmp_path):
    assert per_file(tmp_path) == {}


def test_per_file_from_cgroups_reads_each_files_cgroup_in_seconds(tmp_path):
    for name, nanoseconds in (("tests__a__test_x.py", 1_500_000_000), ("tests__test_y.py", 250_000_000)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "cpuacct.usage").write_text(f"{nanoseconds}\n")
    (tmp_path / "cpuacct.usage").write_text("9\n")  # the parent's own file is not a test file
    assert per_file_from_cgroups(tmp_path) == {"tests/a/test_x.py": 1.5, "tests/test_y.py": 0.25}
