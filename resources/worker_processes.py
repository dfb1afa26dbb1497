"""Worker processes for CPU-bound steps (parsing API pages, staging raw days), all from one forkserver.

Workers start from Python's forkserver, not as forks of the run's process: a run has threads (fetch
windows, Dagster's) and open connections that a plain fork would copy in whatever state they are in. A
process has one forkserver, started by the first pool; it imports the modules registered with
:func:`preload` up to then, once, so each worker forked from it starts in milliseconds instead of
importing them again (the staging code takes about 2 s). Modules register at import time, so in a
Dagster run the server preloads what every later pool needs, whichever pool starts first.
"""

from __future__ import annotations

import multiprocessing
import threading
from multiprocessing.context import BaseContext

_lock = threading.Lock()
_preload: set[str] = set()


def preload(module: str) -> None:
    """Have the forkserver import ``module`` when it starts (no effect once it runs)."""
    with _lock:
        _preload.add(module)
        multiprocessing.get_context("forkserver").set_forkserver_preload(sorted(_preload))


def worker_context() -> BaseContext:
    """The multiprocessing context every worker pool uses."""
    return multiprocessing.get_context("forkserver")
