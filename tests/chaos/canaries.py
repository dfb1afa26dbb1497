"""Scenario: secret canaries. Tokens made to be found (``shpat_CANARY_…``) go through real runs in every
way a secret goes wrong: padded with a file's newline or with spaces (the runs succeed), refused by the
shop (401), broken by a newline inside, and pasted into ``token_env`` by mistake. Then every artefact the
runs leave is searched for each canary: the instance's files (run index, event logs with their stack
traces, compute logs), every run and event record, the raw store, the warehouse file and its rows, and
everything the process printed or logged. ``leaked`` counts (canary, place) pairs found; ``lost`` counts
runs that should have succeeded and did not, or errors that do not name the variable to fix.
"""

from __future__ import annotations

import logging
import os
import random
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from tests.artefacts import canary, failure_texts, file_texts, instance_records, set_token_env, warehouse_rows
from tests.chaos.counts import Counts
from tests.chaos.registry import scenario
from tests.pipeline.harness import make_pipeline, make_spec

NY = ZoneInfo("America/New_York")
DAY = date(2026, 5, 20)
RAW = ["raw_shopify_shop", "raw_shopify_orders"]
#: Ways a good token arrives padded; the run must succeed with each.
PADDINGS = ("{}\n", "  {}  ", "{}\r\n", "\t{}\n\n")


class _Captured:
    """Everything written to this process's stdout and stderr (file descriptors 1 and 2, so also what
    child processes and C code print), and every log record, into ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.output = folder / "output.txt"
        self.log = folder / "log.txt"

    def __enter__(self) -> _Captured:
        sys.stdout.flush()
        sys.stderr.flush()
        self._saved = (os.dup(1), os.dup(2))
        self._file = self.output.open("wb")
        for fd in (1, 2):
            os.dup2(self._file.fileno(), fd)
        self._handler = logging.FileHandler(self.log)
        self._handler.setLevel(logging.DEBUG)
        root = logging.getLogger()
        self._level = root.level
        root.setLevel(logging.DEBUG)
        root.addHandler(self._handler)
        return self

    def __exit__(self, *exc: object) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        root = logging.getLogger()
        root.removeHandler(self._handler)
        root.setLevel(self._level)
        self._handler.close()
        for fd, saved in zip((1, 2), self._saved, strict=True):
            os.dup2(saved, fd)
            os.close(saved)
        self._file.close()


def run_canaries(seed: int, folder: Path) -> Counts:
    """One round: a padding drawn from ``seed`` for the good token, then the three refusals."""
    counts = Counts(f"seed-{seed}")
    padding = random.Random(seed).choice(PADDINGS)
    home = folder / "dagster_home"
    home.mkdir(parents=True)
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    good, wrong, unusable = canary(), canary(), canary()
    monkeypatch = pytest.MonkeyPatch()
    try:
        with _Captured(folder) as captured, dg.DagsterInstance.from_config(str(home)) as instance:
            spec = make_spec(f"chaos-canary-{seed}", access_token=good, seed=seed)
            clock = datetime.combine(DAY + timedelta(days=1), datetime.min.time(), tzinfo=NY)
            pipeline = make_pipeline(folder / "run", monkeypatch, spec, clock, DAY, instance=instance)
            variable = f"TEST_{spec.name.upper().replace('-', '_')}_TOKEN"
            outcomes: dict[str, dg.ExecuteInProcessResult | None] = {}

            def attempt(outcome: str, succeeds: bool) -> None:
                try:
                    outcomes[outcome] = pipeline.materialise(DAY, DAY, selection=RAW, expect_success=succeeds)
                except Exception:  # noqa: BLE001 - a run that did not end as expected is counted below
                    outcomes[outcome] = None

            monkeypatch.setenv(variable, padding.format(good))
            attempt("padded", succeeds=True)
            monkeypatch.setenv(variable, wrong + "\n")
            attempt("refused", succeeds=False)
            monkeypatch.setenv(variable, f"{unusable}\n{unusable}")
            attempt("unusable", succeeds=False)
            set_token_env(folder / "run", good)
            attempt("misplaced", succeeds=False)
            records = instance_records(instance)
            rows = warehouse_rows(pipeline)
        counts.lost += int(outcomes["padded"] is None)
        named = {"refused": variable, "unusable": variable, "misplaced": "token_env"}
        for outcome, name in named.items():
            result = outcomes[outcome]
            counts.lost += int(result is None or not any(name in text for text in failure_texts(result)))
        places = {
            **file_texts(home),
            # Everything the runs wrote; the tenants file is the operator's input (token_env holds a canary).
            **{k: v for k, v in file_texts(folder / "run").items() if not k.endswith("tenants.yaml")},
            "instance records": records,
            "warehouse rows": rows,
            "stdout and stderr": captured.output.read_text("latin-1"),
            "log records": captured.log.read_text("latin-1"),
        }
        tokens = (good, wrong, unusable)
        found = [(token, where) for token in tokens for where, text in places.items() if token in text]
        counts.leaked = len(found)
        counts.notes.update({"padding": repr(padding.format("TOKEN")), "places_searched": len(places)})
        if found:
            counts.notes["found_in"] = sorted({where for _, where in found})
    finally:
        monkeypatch.undo()
    return counts


@scenario("secret_canaries", timeout=180)
def secret_canaries(seed: int, rounds: int, workdir: Path, quick: bool) -> Counts:
    """``rounds`` rounds, round n with seed ``seed + n`` (its padding and its canaries)."""
    total = Counts("secret_canaries")
    for n in range(rounds):
        total.add(run_canaries(seed + n, workdir / f"round-{n}"))
    return total
