"""Simulated shops the demo runs against: what `storehouse demo` needs to know about a shop that is not real.

A simulator of a platform's API (the built-in sandbox, behind ``sandbox://`` URLs) knows three things
the product cannot: the demo shops' own access tokens (not secrets), the simulated world's today (its clock
need not be the wall clock) and the ground truth the demo's per-day table is checked against. The product
never imports a simulator: a package declares a ``storehouse.simulators`` entry point named after its URL
scheme, a callable returning an object with the three methods of :class:`SimulatedShops` (this project's
pyproject.toml declares the sandbox's). :func:`simulator_for`
looks it up the first time a shop of that scheme is asked about; :func:`register_simulator` registers one
explicitly (tests, other wiring) and takes precedence.

A simulator may also offer ``secrets(shop_url)``: every secret the shop's connection needs, by role (the
roles of ``Connection.secret_variables``, e.g. ``token``, or ``consumer_key`` and ``consumer_secret``);
:func:`simulated_secrets` falls back to ``access_token`` as the ``token`` role.

A tenant selling on several simulated platforms is one simulated business: its figures across platforms
(a person counted once, new only on their first order on any platform) are known only to a *world* that
sees every one of its shops. A package declares one in the ``storehouse.simulated_worlds`` entry point
group, a callable returning an object with the method of :class:`SimulatedWorld`;
:func:`tenant_ground_truth` asks the registered and installed worlds in turn. See docs/architecture.md.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from datetime import date
from importlib import metadata
from typing import Any, Protocol
from urllib.parse import urlsplit

#: The entry point group a package declares its simulator in (the entry point's name is the URL scheme).
ENTRY_POINT_GROUP = "storehouse.simulators"

#: The entry point group a package declares a world of several simulators in (any name).
WORLD_ENTRY_POINT_GROUP = "storehouse.simulated_worlds"

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


class SimulatedWorld(Protocol):
    """Simulated shops of several platforms seen as one world, where one business sells on several."""

    def ground_truth(
        self, shop_urls: Mapping[str, str], start: date, end: date
    ) -> list[dict[str, Any]] | None:
        """The daily figures of the tenant whose connections are ``shop_urls`` (platform → shop URL) from
        ``start`` to ``end``, computed independently of the pipeline: one row per platform and day with
        activity (its ``platform`` key names it) and one per day and currency with ``platform`` 'all'
        (docs/metrics.md, "Across platforms"), each in the form ``compare_with_ground_truth`` reads; None
        when the world does not simulate every one of those shops."""


class SimulatorLoadError(RuntimeError):
    """A ``storehouse.simulators`` entry point is installed for a scheme but does not load."""


_lock = threading.Lock()
_simulators: dict[str, SimulatedShops] = {}
#: Schemes whose entry point was looked up and not found (looked up once; unregistering forgets it).
_not_installed: set[str] = set()
_worlds: list[SimulatedWorld] = []
#: The installed worlds, loaded on first use.
_installed_worlds: list[SimulatedWorld] | None = None


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


def simulated_secrets(shop_url: str) -> dict[str, str]:
    """The secrets a simulated shop offers its connection, by role ({} for a real shop): the simulator's
    ``secrets`` when it has the method, else its ``access_token`` as the ``token`` role."""
    simulator = simulator_for(shop_url)
    if simulator is None:
        return {}
    offered = getattr(simulator, "secrets", None)
    if callable(offered):
        return dict(offered(shop_url) or {})
    token = simulator.access_token(shop_url)
    return {"token": token} if token is not None else {}


def register_world(world: SimulatedWorld) -> None:
    """Ask ``world`` first for tenants' ground truths across platforms (tests, other wiring)."""
    with _lock:
        _worlds.insert(0, world)


def unregister_world(world: SimulatedWorld) -> None:
    """Forget a world registered with :func:`register_world`."""
    with _lock:
        if world in _worlds:
            _worlds.remove(world)


def _worlds_to_ask() -> list[SimulatedWorld]:
    global _installed_worlds
    with _lock:
        registered, installed = list(_worlds), _installed_worlds
    if installed is None:
        installed = []
        for entry_point in installed_entry_points(WORLD_ENTRY_POINT_GROUP):
            try:
                installed.append(entry_point.load()())
            except Exception as error:
                raise SimulatorLoadError(
                    f"the {WORLD_ENTRY_POINT_GROUP!r} entry point {entry_point.name!r} ({entry_point.value}) "
                    f"failed to load: {type(error).__name__}: {error}"
                ) from error
        with _lock:
            _installed_worlds = installed
    return registered + installed


def tenant_ground_truth(shop_urls: Mapping[str, str], start: date, end: date) -> list[dict[str, Any]] | None:
    """The ground truth of a tenant whose connections are ``shop_urls`` (platform → URL) across its
    platforms, from the first world that simulates all of them; None when none does (real shops)."""
    if not shop_urls or any(simulator_for(url) is None for url in shop_urls.values()):
        return None
    for world in _worlds_to_ask():
        truth = world.ground_truth(dict(shop_urls), start, end)
        if truth is not None:
            return truth
    return None
