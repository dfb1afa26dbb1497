"""Scenario: a run SIGKILLed at a seeded random moment, then rerun to completion in a fresh process.

A clean run (``tests.chaos.kill_worker``) of the whole graph for a few days sets the reference tables
and how long a materialisation takes. Each round starts the same run in a folder of its own, kills it at
a seeded moment within that time, reruns it in a fresh process and compares every warehouse table with
the clean run's, row by row (rows missing: lost; rows beyond: duplicated). Left behind: ``.tmp-`` files
under the raw store after the rerun, and processes descended from the killed run still alive a few
seconds after the kill. Leaked: connections to the shop still open after the kill and after the rerun.
Both runs talk to the sandbox over HTTP through the fault proxy (no faults: it only counts connections).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from sandbox.shopify.generator import build_shop
from sandbox.shopify.server import serve
from tests.chaos import processes
from tests.chaos.compare import table_differences, table_rows
from tests.chaos.counts import Counts
from tests.chaos.kill_worker import TOKEN_ENV
from tests.chaos.proxy import FaultProxy
from tests.chaos.registry import scenario
from tests.chaos.waits import wait_until
from tests.pipeline.harness import make_spec

NY = ZoneInfo("America/New_York")
START = date(2026, 5, 25)
#: A run may take this long before it counts as hung (the machine is shared: be generous).
RUN_TIMEOUT_SECONDS = 180.0
#: How long the worker may take to import the definitions and begin materialising.
START_TIMEOUT_SECONDS = 60.0
#: How long a killed run's connections get to close.
GRACE_SECONDS = 3.0
#: How long a killed run's processes get to go (docs/reliability.md, "No orphan processes"): workers exit
#: at once, but a forkserver still importing its preload on a loaded machine exits only when done.
ORPHAN_BOUND_SECONDS = 15.0
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class WorkerRun:
    """One worker process: how it ended (``None``: it was killed or hung) and how long it materialised."""

    returncode: int | None
    seconds: float
    hung: bool = False


class Worker:
    """``tests.chaos.kill_worker`` in a process of its own, on ``folder``."""

    def __init__(self, folder: Path, tenant: str, shop_url: str, token: str, end: date) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        tenant_block = {
            "id": tenant,
            "name": tenant,
            "start_date": START.isoformat(),
            "shopify": {
                "shop_url": shop_url,
                "token_env": TOKEN_ENV,
                "api_version": "2025-07",
                "api": "rest",
            },
        }
        (folder / "tenants.yaml").write_text(yaml.safe_dump({"tenants": [tenant_block]}))
        (folder / "started").unlink(missing_ok=True)
        self.folder = folder
        clock = datetime.combine(end + timedelta(days=1), clock_time(0), tzinfo=NY)
        log = open(folder / "worker.log", "ab")  # noqa: SIM115 - closed in wait()
        self._log = log
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.chaos.kill_worker",
                str(folder),
                tenant,
                START.isoformat(),
                end.isoformat(),
                clock.isoformat(),
            ],
            cwd=ROOT,
            env={**os.environ, TOKEN_ENV: token, "PYTHONPATH": str(ROOT)},
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def started_at(self) -> float | None:
        """When the worker began materialising (wall time), once it has; waits up to the start timeout."""
        marker = self.folder / "started"
        wait_until(lambda: marker.exists() or self.process.poll() is not None, START_TIMEOUT_SECONDS)
        text = marker.read_text().strip() if marker.exists() else ""
        return float(text) if text else None

    def wait(self, timeout: float) -> WorkerRun:
        """Wait for the worker to end; kill it (hung) after ``timeout`` seconds."""
        began = time.time()
        try:
            returncode: int | None = self.process.wait(timeout=timeout)
            hung = False
        except subprocess.TimeoutExpired:
            self.kill()
            returncode, hung = None, True
        self._log.close()
        started = self.started_at() if not hung else None
        return WorkerRun(returncode, time.time() - (started or began), hung)

    def kill(self) -> list[processes.ProcessId]:
        """SIGKILL the worker (not its descendants); the descendants it had just before."""
        before = processes.descendants(self.process.pid)
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)
        return before


def tmp_files(folder: Path) -> list[Path]:
    """Temporary raw files (``*.tmp-*``) under the folder's raw store."""
    return sorted((folder / "raw").rglob("*.tmp-*"))


def duckdb_url(folder: Path) -> str:
    return f"duckdb:///{folder / 'warehouse.duckdb'}"


def kill_round(
    rng: random.Random, worker_for, clean_seconds: float, clean_rows: dict, proxy: FaultProxy, folder: Path
) -> Counts:  # type: ignore[no-untyped-def]
    """Kill a run at a seeded moment, rerun it and count."""
    counts = Counts(folder.name)
    delay = rng.uniform(0.0, clean_seconds)
    counts.notes["kill_after_seconds"] = round(delay, 2)
    worker = worker_for(folder)
    started = worker.started_at()
    if started is None:
        counts.hung += 1
        counts.notes["error"] = "the worker never began materialising"
        counts.notes["worker_exit"] = worker.process.poll()
        log = folder / "worker.log"
        counts.notes["worker_log_tail"] = log.read_text(errors="replace")[-1500:] if log.exists() else ""
        worker.kill()
        return counts
    finished = wait_until(lambda: worker.process.poll() is not None, max(0.0, started + delay - time.time()))
    if finished:
        counts.notes["finished_before_kill"] = True
    before = worker.kill()
    counts.notes["descendants_at_kill"] = len(before)
    killed_at = time.monotonic()
    wait_until(lambda: not any(processes.alive(p) for p in before), ORPHAN_BOUND_SECONDS)
    counts.notes["processes_gone_after_seconds"] = round(time.monotonic() - killed_at, 1)
    survivors = [p for p in before if processes.alive(p)]
    counts.left_behind += len(survivors)
    counts.notes["surviving_processes"] = len(survivors)
    processes.kill(survivors)  # nothing stays on the machine whatever the verdict
    wait_until(lambda: proxy.open_connections == 0, GRACE_SECONDS)
    counts.leaked += proxy.open_connections
    counts.notes["tmp_files_after_kill"] = len(tmp_files(folder))

    rerun = worker_for(folder).wait(RUN_TIMEOUT_SECONDS)
    counts.hung += int(rerun.hung)
    counts.notes["rerun_exit"] = rerun.returncode
    wait_until(lambda: proxy.open_connections == 0, GRACE_SECONDS)
    counts.leaked += proxy.open_connections
    leftovers = tmp_files(folder)
    counts.left_behind += len(leftovers)
    counts.notes["tmp_files_after_rerun"] = len(leftovers)
    differences = table_differences(clean_rows, table_rows(duckdb_url(folder)))
    counts.lost += sum(missing for missing, _ in differences.values())
    counts.duplicated += sum(extra for _, extra in differences.values())
    if differences:
        counts.notes["tables_differing"] = {name: list(d) for name, d in differences.items()}
    return counts


def run_kills(seed: int, rounds: int, workdir: Path, quick: bool) -> Counts:
    """A clean run, then ``rounds`` killed-and-rerun runs compared with it."""
    total = Counts("kills")
    end = START + timedelta(days=2 if quick else 4)
    spec = make_spec(f"chaos-kill-{seed}", seed=seed)
    shop = build_shop(spec, datetime.combine(end + timedelta(days=1), clock_time(0), tzinfo=NY))
    with (
        serve({spec.name: shop}) as server,
        FaultProxy(f"http://{server.host}:{server.port}", rate=0.0, seed=seed) as proxy,
    ):

        def worker_for(folder: Path) -> Worker:
            return Worker(folder, spec.name, f"{proxy.url}/{spec.name}", spec.access_token, end)

        clean = worker_for(workdir / "clean").wait(RUN_TIMEOUT_SECONDS)
        total.notes["clean_seconds"] = round(clean.seconds, 1)
        if clean.returncode != 0:
            total.hung += int(clean.hung)
            total.lost += int(not clean.hung)  # no reference to compare with: count the scenario as failed
            total.notes["error"] = f"the clean run failed (exit {clean.returncode}); see {workdir}/clean"
            return total
        clean_rows = table_rows(duckdb_url(workdir / "clean"))
        total.notes["clean_rows"] = sum(sum(rows.values()) for rows in clean_rows.values())
        rng = random.Random(seed)
        for n in range(rounds):
            total.add(kill_round(rng, worker_for, clean.seconds, clean_rows, proxy, workdir / f"round-{n}"))
    return total


@scenario("kills", timeout=420)
def kills(seed: int, rounds: int, workdir: Path, quick: bool) -> Counts:
    """SIGKILL a run at a seeded moment; a rerun must equal a clean run and leave nothing behind."""
    return run_kills(seed, rounds, workdir, quick)
