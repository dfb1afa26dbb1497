"""Run the benchmarks and write bench/results.json and bench/RESULTS.md.

    python -m bench.run                      # every section at full size (what `make bench` runs)
    python -m bench.run --size tiny          # the smoke test's size: seconds, same code paths
    python -m bench.run --only ingest,transform --out /tmp/bench

A section that raises is recorded under ``errors`` (and in RESULTS.md) and the others still run; the
command exits non-zero if any section failed.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
import traceback
from pathlib import Path

from bench.report import Figure, Size, machine, now_iso, versions, write_results

SECTIONS = ("ingest", "transform", "backfill")
DEFAULT_OUT = Path(__file__).parent


def run_sections(names: list[str], size: Size) -> tuple[list[Figure], dict[str, str]]:
    figures: list[Figure] = []
    errors: dict[str, str] = {}
    for name in names:
        started = time.perf_counter()
        print(f"== {name} ({size.name})", flush=True)
        try:
            module = importlib.import_module(f"bench.{name}")
            section_figures = module.run(size)
        except Exception as exc:  # noqa: BLE001 - one failing section must not hide the others' figures
            traceback.print_exc()
            errors[name] = f"{type(exc).__name__}: {exc}"
            continue
        for figure in section_figures:
            print(
                f"   {figure.name}: {figure.value:,.2f} {figure.unit}"
                + ("" if figure.meets is None else f" (target met: {figure.meets})"),
                flush=True,
            )
        figures += section_figures
        print(f"   {name} took {time.perf_counter() - started:.0f} s", flush=True)
    return figures, errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", choices=["full", "tiny"], default="full")
    parser.add_argument("--only", default=",".join(SECTIONS), help="comma-separated sections to run")
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="folder for results.json and RESULTS.md"
    )
    args = parser.parse_args(argv)
    names = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = sorted(set(names) - set(SECTIONS))
    if unknown:
        parser.error(f"unknown section(s) {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    size = Size(args.size)
    started = time.perf_counter()
    figures, errors = run_sections(names, size)
    run = {
        "size": size.name,
        "sections": names,
        "finished_at": now_iso(),
        "wall_seconds": time.perf_counter() - started,
        "machine": machine(),
        "versions": versions(),
        "errors": errors,
    }
    json_path, md_path = write_results(figures, run, args.out)
    print(f"wrote {json_path} and {md_path}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
