"""Fault injection: make the next matching requests fail, stall or drop, to test a client's resilience.

Each simulator's API decides what a ``status`` fault answers (a platform's JSON error, a host's HTML page);
the table of armed faults is the same for all.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace

FAULT_KINDS = ("status", "delay", "drop")


class ConnectionDropped(Exception):  # noqa: N818 - it is an event, not an error of the sandbox
    """Raised by the API when a ``drop`` fault fires: the transport must close without answering."""


@dataclass
class Fault:
    """One armed fault: fires on the next ``times`` requests whose path+query contains ``path_contains``.

    ``retry_after``: the ``Retry-After`` a ``status`` fault sends, where the simulator sends one.
    """

    path_contains: str
    kind: str
    status: int = 503
    delay: float = 0.0
    times: int = 1
    retry_after: int | None = None


class FaultInjector:
    """The armed faults of one shop or site. Thread-safe; each fault fires at most ``times`` times, in
    order."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(
        self,
        path_contains: str,
        kind: str = "status",
        status: int = 503,
        delay: float = 0.0,
        times: int = 1,
        retry_after: int | None = None,
    ) -> Fault:
        """Arm a fault.

        ``kind`` ``"status"`` answers with ``status``; ``"delay"`` sleeps ``delay`` seconds and then answers
        normally; ``"drop"`` closes the connection without a response (HTTP server; the in-process adapter
        raises ``requests.ConnectionError``). ``path_contains`` is matched against the request path plus
        ``?query``.
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"fault kind must be one of {FAULT_KINDS}, got {kind!r}")
        if times < 1:
            raise ValueError("times must be >= 1")
        fault = Fault(path_contains, kind, status, delay, times, retry_after)
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, target: str) -> Fault | None:
        """The first armed fault matching ``target`` (consuming one of its firings), else None."""
        with self._lock:
            for fault in self._faults:
                if fault.path_contains in target:
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def clear(self) -> None:
        """Disarm every fault."""
        with self._lock:
            self._faults.clear()

    def pending(self) -> list[Fault]:
        """The faults still armed (copies)."""
        with self._lock:
            return [replace(fault) for fault in self._faults]
