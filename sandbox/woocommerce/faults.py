"""Host-firewall faults (WooCommerce core has no rate limit; a host or WAF in front of it may answer 429
or 503, sometimes with ``Retry-After``), slow answers and dropped connections, armed per site."""

from __future__ import annotations

import threading
from dataclasses import dataclass

FAULT_KINDS = ("status", "delay", "drop")


class ConnectionDropped(Exception):  # noqa: N818 - an event, not an error of the sandbox
    """Raised by the API when a ``drop`` fault fires: the transport closes without answering."""


@dataclass
class Fault:
    """One armed fault: fires on the next ``times`` requests whose path+query contains ``path_contains``.

    ``status`` faults answer with a host's HTML error page (not WordPress JSON) and ``Retry-After:
    retry_after`` when given.
    """

    path_contains: str
    kind: str
    status: int = 503
    delay: float = 0.0
    times: int = 1
    retry_after: int | None = None


class FaultInjector:
    """The armed faults of one site. Thread-safe; each fault fires at most ``times`` times, in order."""

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
        """Arm a fault (``kind`` ``status``, ``delay`` or ``drop``)."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"fault kind must be one of {FAULT_KINDS}, got {kind!r}")
        if times < 1:
            raise ValueError("times must be >= 1")
        fault = Fault(path_contains, kind, status, delay, times, retry_after)
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, target: str) -> Fault | None:
        """The first armed fault matching ``target`` (consuming one firing), else None."""
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
