"""The reference whole-graph run, shared: the default test shop (``make_spec()``) materialised for START …
END in one ranged run on DuckDB, built once per test session and copied into each test that needs it.

Several files compare their own runs with this one (a re-run, another order, the PostgreSQL warehouse, the
staging workers). Building it once and copying its warehouse and raw store (a few MB) saves a whole-graph
run per use. Under pytest-xdist the first worker to need it builds it (``tests.conftest.built_once``); the
others wait for it and copy it."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import built_once
from tests.pipeline.harness import Pipeline, make_pipeline, make_spec
from tests.pipeline.test_whole_graph import CLOCK, END, START


@dataclass(frozen=True)
class ReferenceRun:
    """The built run: where its warehouse and raw store are, what it materialised and checked, and the
    checksums of its tables (``Pipeline.checksums``)."""

    folder: Path
    materialised: list[str]
    evaluations: list[tuple[str, bool]]
    checksums: dict[str, str]

    def copy_into(self, tmp_path: Path, monkeypatch, api: str = "rest") -> Pipeline:
        """A pipeline on a copy of the reference run's warehouse and raw store: as if this test had just
        materialised START … END itself (a fresh shop at CLOCK, a fresh instance). ``api``: the Admin API
        the tenant reads through from now on (the reference run read through REST)."""
        tmp_path.mkdir(parents=True, exist_ok=True)
        for path in self.folder.iterdir():
            if path.name.startswith("warehouse.duckdb"):
                shutil.copy2(path, tmp_path / path.name)
        shutil.copytree(self.folder / "raw", tmp_path / "raw")
        return make_pipeline(tmp_path, monkeypatch, make_spec(), CLOCK, START, api=api)


def _build(folder: Path) -> None:
    monkeypatch = pytest.MonkeyPatch()
    try:
        pipeline = make_pipeline(folder, monkeypatch, make_spec(), CLOCK, START)
        result = pipeline.materialise(START, END)
        record = {
            "materialised": sorted(
                {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
            ),
            "evaluations": [[e.check_name, e.passed] for e in result.get_asset_check_evaluations()],
            "checksums": pipeline.checksums(),
        }
    finally:
        monkeypatch.undo()
    (folder / "reference.json").write_text(json.dumps(record))


@pytest.fixture(scope="session")
def reference_run(tmp_path_factory) -> ReferenceRun:
    folder = built_once(tmp_path_factory, "reference-whole-graph", _build)
    record = json.loads((folder / "reference.json").read_text())
    return ReferenceRun(
        folder,
        record["materialised"],
        [tuple(e) for e in record["evaluations"]],
        record["checksums"],
    )
