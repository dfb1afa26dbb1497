"""Pausing Python's cyclic garbage collector while the sandbox builds a day of orders (a perf-only helper).

Generating a day of a big store creates hundreds of thousands of new, acyclic dicts and lists; with the
collector on, they trigger scans that walk every object the process holds (generating the transform
benchmark's million-order store took 1,320 s instead of 634 s). Reference counting frees them all, so
pausing the collector loses nothing.

The sandbox imports nothing of the product, so this is its own helper, not ``resources.gc_pause``.
:func:`collector_paused` nests and is thread-safe: the collector is paused while at least one caller, in
any thread, is inside, and when the last of them leaves it is switched back on only if it was on when the
first of them entered.

The product's pause (``resources.gc_pause``) keeps its own count, and the two may interleave in one
process (a client parsing pages of ``sandbox://`` shops that are generating days). Each switches the
collector on again only when its last caller leaves and only if the collector was on when its first
caller entered; so if the collector was on before either, whichever pause began first switches it back on
when it ends, possibly while the other is still open. The worst case is the collector running during the
rest of the other's parse or generation: a cost in time, never an error, and never a collector left off.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_inside = 0
_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for the duration of the block (see the module doc)."""
    global _inside, _was_enabled
    with _lock:
        if _inside == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _inside += 1
    try:
        yield
    finally:
        with _lock:
            _inside -= 1
            if _inside == 0 and _was_enabled:
                gc.enable()
