"""`bench.run` itself, in process with stand-in sections (each real section has its own smoke test file):
one run of every section writes one results.json and RESULTS.md with all of them; a partial run with
``--merge`` keeps the other sections' figures, marked as measured by the older run; a section that raises
is reported and the others are still written."""

import json
import types

import pytest

from bench import run as bench_run
from bench.report import Figure
from tests.bench.smoke import RUN_SECTION, SECTION_TITLES


def _stand_in(section: str, value: float, fail: bool = False) -> types.ModuleType:
    module = types.ModuleType(f"bench.{section}")

    def run(size):
        if fail:
            raise RuntimeError(f"{section} broke")
        return [Figure(SECTION_TITLES[section], f"{section} figure", value, "s", target=10.0)]

    module.run = run
    return module


@pytest.fixture
def stand_ins(monkeypatch):
    def install(value: float, fail: tuple[str, ...] = ()):
        for section in SECTION_TITLES:
            monkeypatch.setitem(
                __import__("sys").modules, f"bench.{section}", _stand_in(section, value, section in fail)
            )

    return install


def test_a_run_of_every_section_writes_one_report_with_all_of_them(tmp_path, stand_ins):
    stand_ins(1.0)
    assert bench_run.main(["--size", "tiny", "--out", str(tmp_path)]) == 0
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["errors"] == {}
    assert results["sections"] == list(SECTION_TITLES)
    assert [f["section"] for f in results["figures"]] == [
        *SECTION_TITLES.values(),
        *[RUN_SECTION] * (len(SECTION_TITLES) + 1),
    ]
    names = {f["name"] for f in results["figures"]}
    assert {"section ingest", "section transform", "section backfill", "the whole run"} <= names
    table = (tmp_path / "RESULTS.md").read_text()
    for title in [*SECTION_TITLES.values(), RUN_SECTION]:
        assert f"## {title}" in table
    assert "older run" not in table


def test_a_merged_partial_run_keeps_the_other_sections_marked_as_older(tmp_path, stand_ins):
    stand_ins(1.0)
    assert bench_run.main(["--size", "tiny", "--out", str(tmp_path)]) == 0
    first = json.loads((tmp_path / "results.json").read_text())
    stand_ins(2.0)
    assert bench_run.main(["--size", "tiny", "--only", "transform", "--merge", "--out", str(tmp_path)]) == 0
    merged = json.loads((tmp_path / "results.json").read_text())
    by_name = {f["name"]: f for f in merged["figures"]}
    stamp = f"{first['finished_at']}, commit {first['commit'] or 'not recorded'}, size tiny"
    assert by_name["transform figure"]["value"] == 2.0 and by_name["transform figure"]["measured_in"] == ""
    for kept in ("ingest figure", "backfill figure", "section ingest", "section backfill"):
        assert by_name[kept]["measured_in"] == stamp, kept
    assert by_name["section transform"]["measured_in"] == ""
    assert [f["name"] for f in merged["figures"] if f["name"] == "the whole run"] == ["the whole run"]
    assert [f["section"] for f in merged["figures"]][: len(SECTION_TITLES)] == list(SECTION_TITLES.values())
    table = (tmp_path / "RESULTS.md").read_text()
    assert f"Every figure here is from an older run: {stamp}." in table
    assert "**older run**" in table and "sections run: transform" in table
    # Without --merge a partial run writes its own sections only.
    assert bench_run.main(["--size", "tiny", "--only", "ingest", "--out", str(tmp_path)]) == 0
    alone = json.loads((tmp_path / "results.json").read_text())
    assert {f["section"] for f in alone["figures"]} == {SECTION_TITLES["ingest"], RUN_SECTION}


def test_a_section_that_raises_is_reported_and_the_others_are_written(tmp_path, stand_ins):
    stand_ins(1.0, fail=("transform",))
    assert bench_run.main(["--size", "tiny", "--out", str(tmp_path)]) == 1
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["errors"] == {"transform": "RuntimeError: transform broke"}
    assert {f["name"] for f in results["figures"]} >= {"ingest figure", "backfill figure"}
    assert "- transform: RuntimeError: transform broke" in (tmp_path / "RESULTS.md").read_text()
