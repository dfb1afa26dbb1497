"""Running a child command and measuring it: wall time, CPU time, and the peak resident memory of its
whole process tree (the child and every process it starts, such as staging workers), sampled from
/proc every 0.2 s. ``ru_maxrss`` alone would miss the grandchildren."""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 1024 / 1024


@dataclass(frozen=True)
class Measured:
    """What a child command did: its stdout, wall seconds, CPU seconds of it and its waited-for children,
    and the peak resident memory of its process tree (MB)."""

    stdout: str
    wall_seconds: float
    cpu_seconds: float
    peak_tree_mb: float


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        tree.setdefault(int(fields[1]), []).append(int(entry.name))
    return tree


def _start_time(pid: int) -> str | None:
    """When ``pid`` started (clock ticks since boot), None once it is gone or a zombie: with the pid, it names
    one process, even after the pid is reused."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return None if fields[0] in ("Z", "X") else fields[19]


def descendants(root: int) -> dict[int, str]:
    """Every process below ``root`` now (children, grandchildren, ...), not ``root`` itself: pid → start
    time (see :func:`stop_left_behind`)."""
    tree = _children()
    found: dict[int, str] = {}
    stack = [root]
    while stack:
        for child in tree.get(stack.pop(), []):
            started = _start_time(child)
            if child not in found and started is not None:
                found[child] = started
                stack.append(child)
    return found


def stop_left_behind(processes: dict[int, str], grace_seconds: float = 10.0) -> list[int]:
    """SIGTERM those of ``processes`` (from :func:`descendants`) still running, SIGKILL any still there after
    ``grace_seconds``; returns the pids that had to be stopped. For what a stopped parent leaves behind (a
    daemon's code servers). A pid now naming another process (started at another time) is left alone."""

    def running(pid: int) -> bool:
        return _start_time(pid) == processes[pid]

    left = [pid for pid in processes if running(pid)]
    for pid in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_seconds
    while time.monotonic() < deadline and any(running(pid) for pid in left):
        time.sleep(0.1)
    for pid in left:
        if running(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    return left


def tree_rss_mb(root: int) -> float:
    """Resident memory of ``root`` and all its descendants now, in MB."""
    tree = _children()
    total, stack = 0.0, [root]
    while stack:
        pid = stack.pop()
        with contextlib.suppress(OSError, IndexError, ValueError):  # the process may just have exited
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_MB
        stack.extend(tree.get(pid, []))
    return total


def run_measured(
    command: Sequence[str], env: dict[str, str] | None = None, interval: float = 0.2
) -> Measured:
    """Run ``command``, sampling its process tree's memory; raises if it fails (with its stderr tail)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(
        list(command), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    peak = 0.0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss_mb(process.pid))
            done.wait(interval)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = process.communicate()
    done.set()
    sampler.join()
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({process.returncode}): {stderr[-3000:]}")
    return Measured(stdout, wall, cpu, peak)


def await_child_ready(parent: Any, child: Any, timeout: float = 600) -> Any:
    """The first message a ``multiprocessing`` child sends on its pipe (``parent``) once it is up; a child
    that dies says so at once, not after the whole wait, and one that stays silent fails after ``timeout``."""
    deadline = time.perf_counter() + timeout
    while not parent.poll(1):
        if not child.is_alive():
            raise RuntimeError(f"the sandbox child exited with code {child.exitcode} before coming up")
        if time.perf_counter() > deadline:
            raise RuntimeError(f"the sandbox child did not come up within {timeout:.0f} s")
    return parent.recv()


def stop_child(parent: Any, child: Any) -> None:
    """Ask a ``multiprocessing`` sandbox child to stop (``"stop"`` on its pipe), wait for it, and terminate
    it if it is still there after 30 s (a child already gone is fine)."""
    with contextlib.suppress(OSError):
        parent.send("stop")
    child.join(timeout=30)
    if child.is_alive():
        child.terminate()
        child.join(timeout=5)
