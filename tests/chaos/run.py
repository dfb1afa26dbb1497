"""The fault suite's runner (``make chaos``): every registered scenario, seeded and bounded, then a table.

    python -m tests.chaos.run [--seed N] [--rounds K] [--only NAME ...] [--quick] [--out bench/CHAOS.md]

Each scenario runs in a process of its own, in a session of its own, killed with everything it started
once it exceeds its timeout (the scenario's per-round timeout times the rounds); that counts as hung. The
table shows, per scenario, the lost, duplicated, leaked, hung and left-behind counts and the wall time;
the exit status is 1 unless every count is zero. A scenario that crashes (no counts printed) counts as one
lost. Logs and data of each scenario stay in the work folder.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path

from tests.chaos.counts import BAD_COUNTS, Counts
from tests.chaos.registry import all_scenarios
from tests.chaos.scenario_process import MARKER

ROOT = Path(__file__).resolve().parents[2]


def run_scenario(name: str, seed: int, rounds: int, workdir: Path, quick: bool, timeout: float) -> Counts:
    """Run one scenario in a child process bounded by ``timeout`` seconds; its counts."""
    folder = workdir / name
    folder.mkdir(parents=True, exist_ok=True)
    log_path = folder / "scenario.log"
    command = [
        sys.executable,
        "-m",
        "tests.chaos.scenario_process",
        name,
        str(seed),
        str(rounds),
        str(folder),
    ]
    if quick:
        command.append("--quick")
    began = time.monotonic()
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # the scenario and every process it started
            process.wait(timeout=30)
            return Counts(
                name,
                hung=1,
                seconds=round(time.monotonic() - began, 1),
                notes={"error": f"timed out after {timeout:g}s; log: {log_path}"},
            )
        finally:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # anything the scenario left running
    lines = [line for line in log_path.read_text(errors="replace").splitlines() if line.startswith(MARKER)]
    if not lines:
        return Counts(
            name,
            lost=1,
            seconds=round(time.monotonic() - began, 1),
            notes={"error": f"the scenario crashed (exit {process.returncode}); log: {log_path}"},
        )
    return Counts.from_json(lines[-1][len(MARKER) :])


def _notes_text(counts: Counts) -> str:
    """The notes worth a glance in the table: requests, faults, runs, kills, errors."""
    flat: list[str] = []

    def walk(prefix: str, notes: dict) -> None:
        for key, value in notes.items():
            if isinstance(value, dict):
                walk(f"{key}.", value)
            else:
                flat.append(f"{prefix}{key}={value}")

    walk("", counts.notes)
    return ", ".join(flat)


def table(results: list[Counts]) -> str:
    """A Markdown table of the results (readable as plain text too)."""
    header = ["scenario", *BAD_COUNTS, "seconds", "ok"]
    rows = [
        [c.scenario, *(str(getattr(c, n)) for n in BAD_COUNTS), f"{c.seconds:.1f}", "yes" if c.ok else "NO"]
        for c in results
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |"]
    lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    lines += ["| " + " | ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) + " |" for r in rows]
    return "\n".join(lines)


def report(results: list[Counts], seed: int, rounds: int, quick: bool) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Fault suite (make chaos)",
        "",
        f"Seed {seed}, {rounds} round(s){' (quick)' if quick else ''}, {when}. Every count must be zero.",
        "",
        table(results),
        "",
        "Details:",
        "",
    ]
    lines += [f"* {c.scenario}: {_notes_text(c)}" for c in results]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the fault suite and print its counts.")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=1, help="rounds per scenario, each with its own seed")
    parser.add_argument("--only", nargs="*", default=None, help="scenario names (default: all)")
    parser.add_argument("--quick", action="store_true", help="the small version the pytest test runs")
    parser.add_argument("--workdir", type=Path, default=None, help="logs and data (default: a temp folder)")
    parser.add_argument("--out", type=Path, default=None, help="also write the report there (Markdown)")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")

    with warnings.catch_warnings():  # Dagster's beta notices from importing the scenarios' modules
        warnings.simplefilter("ignore")
        scenarios = all_scenarios()
    names = args.only or list(scenarios)
    unknown = [n for n in names if n not in scenarios]
    if unknown:
        parser.error(f"unknown scenarios {unknown}; known: {list(scenarios)}")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="storehouse-chaos-"))
    print(f"fault suite: seed {args.seed}, {args.rounds} round(s), work folder {workdir}", flush=True)
    results = []
    for name in names:
        timeout = scenarios[name].timeout * args.rounds
        counts = run_scenario(name, args.seed, args.rounds, workdir, args.quick, timeout)
        print(f"  {name}: {'ok' if counts.ok else 'NOT ZERO'} in {counts.seconds:.1f}s", flush=True)
        results.append(counts)
    text = report(results, args.seed, args.rounds, args.quick)
    print(text)
    if args.out:
        args.out.write_text(text)
    return 0 if all(c.ok for c in results) else 1


if __name__ == "__main__":
    sys.exit(main())
