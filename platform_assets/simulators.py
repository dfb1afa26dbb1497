"""Simulated shops the demo runs against: what `storehouse demo` needs to know about a shop that is not real.

A simulator of a platform's API (the built-in Shopify sandbox, behind ``sandbox://`` URLs) knows three things
the product cannot: the demo shops' own access tokens (not secrets), the simulated world's today (its clock
need not be the wall clock) and the ground truth the demo's per-day table is checked against. The product
never imports a simulator: the demo wiring (``demo/wiring.py``) registers one here for its URL scheme, and
the CLI asks :func:`simulator_for` about each tenant's shop.
"""

from __future__ import annotations

import threading
from datetime import date
from typing import Any, Protocol
from urllib.parse import urlsplit


class SimulatedShops(Protocol):
    """The shops of one simulator, addressed by their shop URL (``scheme://name``)."""

    def access_token(self, shop_url: str) -> str | None:
        """The shop's own token (the simulator accepts it), or None if it has none to offer."""

    def today(self, shop_url: str) -> date | None:
        """The simulated shop's current business day, or None if its world runs on the wall clock."""

    def ground_truth(self, shop_url: str, start: date, end: date) -> list[dict[str, Any]]:
        """The shop's daily figures from ``start`` to ``end``, computed independently of the pipeline, in the
        form ``platform_assets.ground_truth.compare_with_ground_truth`` reads."""


_lock = threading.Lock()
_simulators: dict[str, SimulatedShops] = {}


def register_simulator(scheme: str, simulator: SimulatedShops) -> None:
    """Let the demo treat ``scheme://`` shop URLs as shops of ``simulator``."""
    with _lock:
        _simulators[scheme] = simulator


def unregister_simulator(scheme: str) -> None:
    with _lock:
        _simulators.pop(scheme, None)


def simulator_for(shop_url: str) -> SimulatedShops | None:
    """The simulator serving ``shop_url``, or None for a real shop (or an unwired simulator's)."""
    with _lock:
        return _simulators.get(urlsplit(shop_url).scheme)
