"""Processes seen through /proc: a process's descendants, and whether one of them is still alive.

A process is known by (pid, start time), so a pid reused by an unrelated process is not mistaken for a
survivor."""

from __future__ import annotations

import os
import signal
from contextlib import suppress
from pathlib import Path

ProcessId = tuple[int, int]  # (pid, start time in clock ticks since boot)


def _stat(pid: int) -> tuple[int, str, int] | None:
    """(parent pid, state, start time) of ``pid``, or None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()  # after "pid (comm) "
    return int(fields[1]), fields[0], int(fields[19])


def descendants(root: int) -> list[ProcessId]:
    """Every living process descended from ``root`` (children, their children, ...)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _stat(int(entry))
            if stat is not None:
                children.setdefault(stat[0], []).append(int(entry))
    found: list[ProcessId] = []
    queue = list(children.get(root, []))
    while queue:
        pid = queue.pop()
        stat = _stat(pid)
        if stat is not None and stat[1] != "Z":
            found.append((pid, stat[2]))
        queue.extend(children.get(pid, []))
    return found


def alive(process: ProcessId) -> bool:
    """Whether the process still runs (not gone, not a zombie, not a new process under the same pid)."""
    stat = _stat(process[0])
    return stat is not None and stat[1] != "Z" and stat[2] == process[1]


def kill(processes: list[ProcessId]) -> None:
    """SIGKILL these processes (those still alive), to leave nothing behind on the machine."""
    for process in processes:
        if alive(process):
            with suppress(ProcessLookupError, PermissionError):
                os.kill(process[0], signal.SIGKILL)
