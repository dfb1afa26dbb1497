"""Simulated shops the demo runs against: what `storehouse demo` needs to know about a shop that is not real.

A simulator of a platform's API (the built-in sandbox, behind ``sandbox://`` URLs) knows three things
the product cannot: the demo shops' own access tokens (not secrets), the simulated world's today (its clock
need not be the wall clock) and the ground truth the demo's per-day table is checked against. The product
never imports a simulator: a package declares a ``storehouse.simulators`` entry point named after its URL
scheme, a callable returning an object with the three methods of :class:`SimulatedShops` (this project's
pyproject.toml declares the sandbox's). :func:`simulator_for`
looks it up the first time a shop of that scheme is asked about; :func:`register_simulator` registers one
explicitly (tests, other wiring) and takes precedence. See docs/architecture.md.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import date
from importlib import metadata
from typing import Any, Protocol
from urllib.parse import urlsplit

#: The entry point group a package declares its simulator in (the entry point's name is the URL scheme).
ENTRY_POINT_GROUP = "storehouse.simulators"

#: Schemes of real shops: never a simulator's.
NETWORK_SCHEMES = ("http", "https")


class SimulatedShops(Protocol):
    """The shops of one simulator, addressed by their shop URL (``scheme://name``)."""

    def access_token(self, shop_url: str) -> str | None:
        """The shop's own token (the simulator accepts it), or None if it has none to offer."""

    def today(self, shop_url: str) -> date | None:
        """The simulated shop's current business day, or None if its world runs on the wall clock."""

    def ground_truth(self, shop_url: str, start: date, end: date) -> list[dict[str, Any]]:
        """The shop's daily figures from ``start`` to ``end``, computed independently of the pipeline, in the
        form ``platform_assets.ground_truth.compare_with_ground_truth`` reads."""


class SimulatorLoadError(RuntimeError):
    """A ``storehouse.simulators`` entry point is installed for a scheme but does not load."""


_lock = threading.Lock()
_simulators: dict[str, SimulatedShops] = {}
#: Schemes whose entry point was looked up and not found (looked up once; unregistering forgets it).
_not_installed: set[str] = set()


def register_simulator(scheme: str, simulator: SimulatedShops) -> None:
    """Let the demo treat ``scheme://`` shop URLs as shops of ``simulator``."""
    with _lock:
        _simulators[scheme] = simulator


def unregister_simulator(scheme: str) -> None:
    """Forget the simulator of ``scheme``; the next question about its shops looks its entry point up anew."""
    with _lock:
        _simulators.pop(scheme, None)
        _not_installed.discard(scheme)


def installed_entry_points(group: str) -> Iterable[metadata.EntryPoint]:
    """The entry points of ``group`` the installed distributions declare (a seam for the tests)."""
    return metadata.entry_points(group=group)


def simulator_for(shop_url: str) -> SimulatedShops | None:
    """The simulator serving ``shop_url``: the registered one, else the one its scheme's
    ``storehouse.simulators`` entry point returns (loaded and registered on first use); None for a real
    shop or a scheme no simulator is installed for."""
    scheme = urlsplit(shop_url).scheme
    if not scheme or scheme in NETWORK_SCHEMES:
        return None
    with _lock:
        simulator = _simulators.get(scheme)
        if simulator is not None or scheme in _not_installed:
            return simulator
        found = next((ep for ep in installed_entry_points(ENTRY_POINT_GROUP) if ep.name == scheme), None)
        if found is None:
            _not_installed.add(scheme)
            return None
    try:
        loaded = found.load()()  # the entry point is a callable returning the simulator
    except Exception as error:
        raise SimulatorLoadError(
            f"the {ENTRY_POINT_GROUP!r} entry point {scheme!r} ({found.value}) for {scheme}:// shops failed "
            f"to load: {type(error).__name__}: {error}"
        ) from error
    with _lock:
        return _simulators.setdefault(scheme, loaded)
