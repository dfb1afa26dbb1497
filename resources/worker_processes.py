"""Worker processes for CPU-bound steps (parsing API pages, staging raw days), all from one forkserver.

Workers start from Python's forkserver, not as forks of the run's process: a run has threads (fetch
windows, Dagster's) and open connections that a plain fork would copy in whatever state they are in. A
process has one forkserver, started by the first pool; it imports the modules registered with
:func:`preload` up to then, once, so each worker forked from it starts in milliseconds instead of
importing them again (the staging code takes about 2 s). Modules register at import time, so in a
Dagster run the server preloads what every later pool needs, whichever pool starts first.

Every worker process dies with the process that created its pool (the run), however the run ends
(kill -9, OOM killer). Multiprocessing alone does not do it: each worker holds the write ends of its own
task queue and of the forkserver's "alive" pipe, so after the run is killed a worker waits on its queue
forever and keeps the forkserver alive, and the forkserver keeps the resource tracker alive. So:

* each worker watches the pool's creator from a daemon thread (:func:`die_with_owner`) and exits within
  moments of its death: on Linux it waits on a pidfd of the creator (woken by the kernel, no polling),
  elsewhere it checks every :data:`WATCHDOG_SECONDS`;
* the forkserver exits once the creator and every worker are gone (its "alive" pipe is closed);
* multiprocessing's resource tracker exits when the last of them is gone (its pipe is closed), after
  removing any semaphore a killed worker left behind.

``PR_SET_PDEATHSIG`` is no help here: a worker's parent is the forkserver, which the workers themselves
keep alive; and on the forkserver it would fire when the *thread* that started it ends (a fetch thread).
"""

from __future__ import annotations

import multiprocessing
import os
import select
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.context import BaseContext

_lock = threading.Lock()
_preload: set[str] = set()

#: How often a worker without pidfds (not Linux) checks that the pool's creator is still there.
WATCHDOG_SECONDS = 1.0


def preload(module: str) -> None:
    """Have the forkserver import ``module`` when it starts (no effect once it runs)."""
    with _lock:
        _preload.add(module)
        multiprocessing.get_context("forkserver").set_forkserver_preload(sorted(_preload))


def worker_context() -> BaseContext:
    """The multiprocessing context every worker pool uses."""
    return multiprocessing.get_context("forkserver")


def process_pool(max_workers: int) -> ProcessPoolExecutor:
    """A pool of ``max_workers`` processes from the forkserver that die with the process creating it."""
    return ProcessPoolExecutor(
        max_workers=max_workers,
        mp_context=worker_context(),
        initializer=die_with_owner,
        initargs=(os.getpid(),),
    )


def process_running(pid: int) -> bool:
    """Whether process ``pid`` exists on this machine (a zombie counts until it is reaped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: running
        return True
    return True


def _wait_for_exit(owner: int, pidfd: int | None) -> None:
    if pidfd is not None:
        select.select([pidfd], [], [])  # readable once the process has exited
    else:
        while process_running(owner):
            time.sleep(WATCHDOG_SECONDS)
    os._exit(1)


def die_with_owner(owner: int) -> None:
    """Worker initializer: end this worker as soon as the process ``owner`` (the pool's creator) ends."""
    pidfd: int | None = None
    if hasattr(os, "pidfd_open"):
        try:
            pidfd = os.pidfd_open(owner)
        except ProcessLookupError:
            os._exit(1)
        except OSError:  # kernel before 5.3, or not permitted: poll instead
            pidfd = None
    if pidfd is None and not process_running(owner):
        os._exit(1)
    threading.Thread(target=_wait_for_exit, args=(owner, pidfd), name="owner-watchdog", daemon=True).start()
