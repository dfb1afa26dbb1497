"""Run the benchmarks and write bench/results.json and bench/RESULTS.md.

    python -m bench.run                      # every section at full size (what `make bench` runs)
    python -m bench.run --size tiny          # the smoke test's size: seconds, same code paths
    python -m bench.run --only ingest,transform --out /tmp/bench
    python -m bench.run --only transform --merge   # re-measure one section, keep the others' figures
    python -m bench.run --only woocommerce --merge   # WooCommerce (issue 14): bench/woocommerce.py
    python -m bench.run --only serving --merge       # API, dashboard, reports (issue 16): bench/serving.py
    python -m bench.run --only bulk --merge          # Shopify bulk against REST (issue 15): bench/bulk.py

With ``--merge`` the figures of the sections this run does not measure are kept from the results.json
already in ``--out``, each marked with the older run that measured it (time, commit, size).

A section that raises is recorded under ``errors`` (and in RESULTS.md) and the others still run; the
command exits non-zero if any section failed.
"""

from __future__ import annotations

import argparse
import importlib
import json
import subprocess
import sys
import time
import traceback
from pathlib import Path

from bench.report import Figure, Size, machine, now_iso, run_stamp, versions, write_results

SECTIONS = ("ingest", "transform", "backfill", "woocommerce", "serving", "bulk")
DEFAULT_OUT = Path(__file__).parent
RUN_SECTION = "The benchmark run itself"
#: `make bench` (every section at full size) should finish within this many seconds on the 2-core machine.
FULL_RUN_TARGET_SECONDS = 900.0
GENERATION_NOTE = "includes generating any raw store not yet cached"


def run_sections(names: list[str], size: Size) -> tuple[list[Figure], dict[str, str], dict[str, float]]:
    """Every section's figures, the errors of sections that raised, and each section's seconds."""
    figures: list[Figure] = []
    errors: dict[str, str] = {}
    seconds: dict[str, float] = {}
    for name in names:
        started = time.perf_counter()
        print(f"== {name} ({size.name})", flush=True)
        try:
            module = importlib.import_module(f"bench.{name}")
            section_figures = module.run(size)
        except Exception as exc:  # noqa: BLE001 - one failing section must not hide the others' figures
            traceback.print_exc()
            errors[name] = f"{type(exc).__name__}: {exc}"
            seconds[name] = time.perf_counter() - started
            continue
        for figure in section_figures:
            print(
                f"   {figure.name}: {figure.value:,.2f} {figure.unit}"
                + ("" if figure.meets is None else f" (target met: {figure.meets})"),
                flush=True,
            )
        figures += section_figures
        seconds[name] = time.perf_counter() - started
        print(f"   {name} took {seconds[name]:.0f} s", flush=True)
    return figures, errors, seconds


def run_figures(seconds: dict[str, float], wall_seconds: float, size: Size) -> list[Figure]:
    """How long each section took, and the whole run against `make bench`'s target (a full run of every
    section only: a partial or tiny run is not held to it)."""
    whole = set(seconds) == set(SECTIONS) and not size.tiny
    figures = [
        Figure(RUN_SECTION, f"section {name}", took, "s", detail=GENERATION_NOTE)
        for name, took in seconds.items()
    ]
    figures.append(
        Figure(
            RUN_SECTION,
            "the whole run",
            wall_seconds,
            "s",
            target=FULL_RUN_TARGET_SECONDS if whole else None,
            detail=f"sections {', '.join(seconds)} at size {size.name}",
        )
    )
    return figures


def commit() -> str | None:
    """The checkout's commit (short), ``-dirty`` when bench or product files differ from it."""
    root = Path(__file__).resolve().parents[1]
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=root, capture_output=True, text=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return f"{sha}-dirty" if dirty else sha


def merge_previous(figures: list[Figure], sections_run: list[str], previous: dict) -> list[Figure]:
    """This run's figures, plus the previous results' figures of the sections this run did not measure
    (their "section X" timings too), each stamped with the run that measured it; sections in the previous
    file's order, then any new one, the run's own section last."""
    titles_now = {figure.section for figure in figures}
    stamp = run_stamp(previous)
    kept = []
    for payload in previous.get("figures", []):
        figure = Figure.from_json(payload)
        if figure.section == RUN_SECTION:
            keep = figure.name.startswith("section ") and figure.name[8:] not in sections_run
        else:
            keep = figure.section not in titles_now
        if keep:
            figure.measured_in = figure.measured_in or stamp
            kept.append(figure)
    order = [payload["section"] for payload in previous.get("figures", [])] + [f.section for f in figures]
    order = [section for section in order if section != RUN_SECTION]
    rank = {section: index for index, section in reversed(list(enumerate(order)))}
    rank[RUN_SECTION] = len(order)
    return sorted(kept + figures, key=lambda figure: rank[figure.section])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", choices=["full", "tiny"], default="full")
    parser.add_argument("--only", default=",".join(SECTIONS), help="comma-separated sections to run")
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="folder for results.json and RESULTS.md"
    )
    parser.add_argument(
        "--merge",
        action="store_true",
        help="keep the figures of sections not run from the results.json in --out (marked as older)",
    )
    args = parser.parse_args(argv)
    names = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = sorted(set(names) - set(SECTIONS))
    if unknown:
        parser.error(f"unknown section(s) {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    size = Size(args.size)
    started = time.perf_counter()
    figures, errors, seconds = run_sections(names, size)
    wall_seconds = time.perf_counter() - started
    figures += run_figures(seconds, wall_seconds, size)
    run = {
        "size": size.name,
        "sections": names,
        "finished_at": now_iso(),
        "commit": commit(),
        "wall_seconds": wall_seconds,
        "machine": machine(),
        "versions": versions(),
        "errors": errors,
    }
    previous_path = args.out / "results.json"
    if args.merge and previous_path.exists():
        figures = merge_previous(figures, names, json.loads(previous_path.read_text()))
    json_path, md_path = write_results(figures, run, args.out)
    print(f"wrote {json_path} and {md_path}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
