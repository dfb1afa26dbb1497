"""The suite's CPU plugin (tests/cpu_usage.py): per-test figures summed per test file over every worker."""

import json

from tests.cpu_usage import per_file


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
