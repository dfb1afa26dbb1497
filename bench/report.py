"""The benchmark's figures and the two files they are written to (results.json, RESULTS.md).

Every section module (``bench.ingest``, ``bench.transform``, ``bench.backfill``) has
``run(size: Size) -> list[Figure]``; ``bench.run`` collects them, adds the machine and the versions, and
writes both files. A figure carries its own target, so the table says next to each figure whether it is met.
"""

from __future__ import annotations

import json
import os
import platform
import resource
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Literal

Better = Literal["higher", "lower"]


@dataclass(frozen=True)
class Size:
    """How big a benchmark run is: ``full`` is what `make bench` measures, ``tiny`` is the smoke test's."""

    name: Literal["full", "tiny"]

    @property
    def tiny(self) -> bool:
        return self.name == "tiny"


@dataclass
class Figure:
    """One measured figure, with the target it is held to (if any) and what it is compared with.

    ``target`` is a threshold: with ``better="lower"`` the figure meets it when ``value <= target``, with
    ``"higher"`` when ``value >= target``. ``ratio`` is the figure against its reference (the API's
    ceiling, or the naive baseline), described by ``ratio_to``.
    """

    section: str
    name: str
    value: float
    unit: str
    target: float | None = None
    better: Better = "lower"
    ratio: float | None = None
    ratio_to: str = ""
    detail: str = ""
    extra: dict[str, float | int | str] = field(default_factory=dict)
    #: Empty when this run measured the figure; else the older run that did (``bench.run --merge`` keeps
    #: the figures of the sections a partial run did not measure, each stamped with its own run).
    measured_in: str = ""

    @property
    def meets(self) -> bool | None:
        if self.target is None:
            return None
        return self.value <= self.target if self.better == "lower" else self.value >= self.target

    def as_json(self) -> dict:
        return {**asdict(self), "meets": self.meets}

    @classmethod
    def from_json(cls, payload: dict) -> Figure:
        """A figure as :meth:`as_json` wrote it (``meets`` is derived, not stored)."""
        names = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in payload.items() if key in names})


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine() -> dict[str, str | int | float | None]:
    """What the figures were measured on."""
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gb": _memory_gb(),
        "os": platform.platform(),
        "python": platform.python_version(),
    }


def versions() -> dict[str, str]:
    packages = ["dagster", "duckdb", "pandas", "sqlalchemy", "psycopg2-binary", "requests", "pandera"]
    return {package: _version(package) for package in packages}


def _format(value: float, unit: str) -> str:
    if unit == "%":
        return f"{value:.1f} %"
    if abs(value) >= 100:
        return f"{value:,.0f} {unit}"
    return f"{value:,.2f} {unit}"


def _target_text(figure: Figure) -> str:
    if figure.target is None:
        return ""
    sign = "≤" if figure.better == "lower" else "≥"
    return f"{sign} {_format(figure.target, figure.unit)}"


def _meets_text(figure: Figure) -> str:
    return {True: "yes", False: "**no**", None: ""}[figure.meets]


def _ratio_text(figure: Figure) -> str:
    if figure.ratio is None:
        return ""
    if figure.unit == "%" or figure.ratio_to.startswith("ceiling"):
        return f"{figure.ratio:.1%} of {figure.ratio_to}"
    return f"{figure.ratio:,.1f}× {figure.ratio_to}"


def run_stamp(run: dict) -> str:
    """Which run measured a figure: when, at which commit, at which size."""
    return (
        f"{run.get('finished_at', 'unknown time')}, commit {run.get('commit') or 'not recorded'}, "
        f"size {run.get('size', 'unknown')}"
    )


def _detail_text(figure: Figure) -> str:
    if not figure.measured_in:
        return figure.detail
    # The run itself (time, commit, size) is named under the section's heading.
    return f"{figure.detail}; **older run**" if figure.detail else "**older run**"


def markdown(figures: list[Figure], run: dict) -> str:
    """RESULTS.md: the machine, the versions, then one table per section. Figures kept from an older run
    (``measured_in``) say so in their detail, and their section says so under its heading."""
    sections_run = run.get("sections")
    merged = any(f.measured_in for f in figures)
    lines = [
        "# Benchmark results",
        "",
        f"Written by `bench.run` at {run['finished_at']} (commit {run.get('commit') or 'not recorded'}, "
        f"size `{run['size']}`, {run['wall_seconds']:.0f} s in all"
        + (f"; sections run: {', '.join(sections_run)}" if sections_run else "")
        + ").",
        *(
            ["Figures this run did not measure are kept from older runs and marked **older run**."]
            if merged
            else []
        ),
        *([f"Note: {run['note']}."] if run.get("note") else []),
        "",
        "## Machine",
        "",
        *(f"- {key}: {value}" for key, value in run["machine"].items()),
        "",
        "## Versions",
        "",
        *(f"- {key} {value}" for key, value in run["versions"].items()),
    ]
    sections: dict[str, list[Figure]] = {}
    for figure in figures:
        sections.setdefault(figure.section, []).append(figure)
    for section, rows in sections.items():
        lines += [
            "",
            f"## {section}",
            "",
        ]
        older = sorted({f.measured_in for f in rows if f.measured_in})
        if older:
            everything = len(older) == 1 and all(f.measured_in for f in rows)
            lines += [
                (
                    "Every figure here is from an older run: "
                    if everything
                    else "Some figures here are from an older run: "
                )
                + "; ".join(older)
                + ".",
                "",
            ]
        lines += [
            "| figure | value | target | met | ratio | detail |",
            "|---|---:|---:|:---:|---|---|",
        ]
        lines += [
            f"| {f.name} | {_format(f.value, f.unit)} | {_target_text(f)} | {_meets_text(f)} "
            f"| {_ratio_text(f)} | {_detail_text(f)} |"
            for f in rows
        ]
    if run.get("errors"):
        lines += ["", "## Sections that failed", ""]
        lines += [f"- {name}: {error}" for name, error in run["errors"].items()]
    return "\n".join(lines) + "\n"


def write_results(figures: list[Figure], run: dict, out_dir: Path) -> tuple[Path, Path]:
    """Write results.json and RESULTS.md into ``out_dir``; returns both paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out_dir / "results.json", out_dir / "RESULTS.md"
    payload = {**run, "figures": [f.as_json() for f in figures]}
    json_path.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    md_path.write_text(markdown(figures, run))
    return json_path, md_path


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()
