"""Bounded waiting: every wait in the fault suite has a deadline."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_until(condition: Callable[[], bool], seconds: float, step: float = 0.05) -> bool:
    """Poll ``condition`` until it holds or ``seconds`` passed; whether it held."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() >= deadline:
            return False
        time.sleep(step)
    return True
