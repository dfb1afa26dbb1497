"""An opt-in pytest plugin measuring where the suite's CPU goes: each test's CPU seconds (user + system of
the test process and of the child processes it waited for: code servers, daemons, bench sections), setup,
call and teardown together, per node id, one JSON file per xdist worker.

    STOREHOUSE_CPU_DIR=/tmp/cpu .venv/bin/pytest -p tests.cpu_usage ...
    .venv/bin/python -m tests.cpu_usage /tmp/cpu       # CPU seconds per test file, largest first

The suite is CPU-bound on CI's two cores (its wall time is about its total CPU over two, plus the tail of
its longest tests), so CPU seconds are what a change to the suite is compared on, whatever else the
machine runs. A child still running when a test ends (a session-scoped server) is counted when it is
reaped, which is at the end of the session; a grandchild orphaned before it is reaped (a daemon's code
server, stopped after the daemon) is not counted at all.

Where the machine has a writable cgroup-v1 ``cpuacct`` hierarchy, ``STOREHOUSE_CPU_CGROUP=<a folder in
it>`` counts those too: each worker moves itself into ``<folder>/<test file>`` before each test, so every
process a test file starts (and all of theirs) is charged to that file's cgroup, orphans included; then

    .venv/bin/python -m tests.cpu_usage --cgroup <folder>   # CPU seconds per test file, from the kernel
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from collections import defaultdict
from pathlib import Path

import pytest

DIR_ENV = "STOREHOUSE_CPU_DIR"
CGROUP_ENV = "STOREHOUSE_CPU_CGROUP"


def _cpu_seconds() -> float:
    """CPU seconds used so far by this process and its reaped children."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


_seconds: dict[str, float] = defaultdict(float)
#: Each test's wall-clock span (start, end; seconds since the epoch): when it ran on its worker, to see
#: what a run's tail is made of.
_spans: dict[str, tuple[float, float]] = {}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):
    """Charge the CPU spent running ``item`` (its fixtures' setup and teardown included) to its node id."""
    cgroups = os.environ.get(CGROUP_ENV)
    if cgroups:
        _enter_cgroup(Path(cgroups) / _test_file(item.nodeid).replace("/", "__"))
    before, started = _cpu_seconds(), time.time()
    yield
    _seconds[item.nodeid] += _cpu_seconds() - before
    _spans[item.nodeid] = (started, time.time())
    if cgroups:  # the worker's own work between tests is no test file's
        _enter_cgroup(Path(cgroups))


def _test_file(nodeid: str) -> str:
    return nodeid.split("::")[0]


def _enter_cgroup(folder: Path) -> None:
    """Move this process into the cgroup ``folder`` (made if missing): the CPU it and the processes it
    starts from now on use is charged there."""
    folder.mkdir(exist_ok=True)
    (folder / "cgroup.procs").write_text(str(os.getpid()))


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Write this process's figures to ``$STOREHOUSE_CPU_DIR/<worker>.json`` and its tests' wall-clock
    spans to ``<worker>.spans``."""
    folder = os.environ.get(DIR_ENV)
    if not folder:
        return
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    Path(folder).mkdir(parents=True, exist_ok=True)
    (Path(folder) / f"{worker}.json").write_text(json.dumps(dict(_seconds), indent=1))
    (Path(folder) / f"{worker}.spans").write_text(json.dumps(_spans, indent=1))


def per_file(folder: Path) -> dict[str, float]:
    """CPU seconds per test file over every worker's figures in ``folder``."""
    files: dict[str, float] = defaultdict(float)
    for path in folder.glob("*.json"):
        for nodeid, seconds in json.loads(path.read_text()).items():
            files[_test_file(nodeid)] += seconds
    return dict(files)


def per_file_from_cgroups(root: Path) -> dict[str, float]:
    """CPU seconds per test file charged by the kernel to each file's cgroup under ``root``."""
    return {
        folder.name.replace("__", "/"): int((folder / "cpuacct.usage").read_text()) / 1e9
        for folder in root.iterdir()
        if (folder / "cpuacct.usage").exists()
    }


def main() -> None:
    if sys.argv[1] == "--cgroup":
        files = per_file_from_cgroups(Path(sys.argv[2]))
    else:
        files = per_file(Path(sys.argv[1]))
    for name, seconds in sorted(files.items(), key=lambda item: -item[1]):
        print(f"{seconds:8.1f}  {name}")
    print(f"{sum(files.values()):8.1f}  total")


if __name__ == "__main__":
    main()
