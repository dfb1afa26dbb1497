"""Transports for shop URLs that are not on the network: which code answers a ``scheme://`` shop URL.

A real shop is ``https://``: the Shopify client sends its requests over the wire. A simulator can answer
inside the process instead (the built-in sandbox serves ``sandbox://name``); whoever wires the simulator in
registers a *mount* for its scheme, a callable that installs a ``requests`` transport adapter on a session,
and every client built afterwards for a URL of that scheme mounts it on its own session.

The product never names a simulator: the demo wiring (``demo/wiring.py``) registers the built-in sandbox,
as do the tests and the benchmarks. See docs/architecture.md.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import requests

#: Installs a transport adapter for one URL scheme on a ``requests`` session.
Mount = Callable[[requests.Session], object]

#: Schemes every client speaks itself; they cannot be taken over by a registered transport.
NETWORK_SCHEMES = ("http", "https")

_lock = threading.Lock()
_mounts: dict[str, Mount] = {}


class TransportNotRegistered(ValueError):
    """A shop URL's scheme is neither http(s) nor one a transport was registered for."""


def register_transport(scheme: str, mount: Mount) -> None:
    """Answer ``scheme://`` shop URLs with ``mount`` from now on (registering the same mount again is a
    no-op; another mount replaces it)."""
    if scheme in NETWORK_SCHEMES or not scheme.isalnum() or scheme != scheme.lower():
        raise ValueError(
            f"a transport scheme must be lower-case letters and digits other than http(s), got {scheme!r}"
        )
    with _lock:
        _mounts[scheme] = mount


def unregister_transport(scheme: str) -> None:
    """Forget the transport of ``scheme`` (nothing happens if none is registered)."""
    with _lock:
        _mounts.pop(scheme, None)


def registered_schemes() -> list[str]:
    """The schemes a transport is registered for, sorted."""
    with _lock:
        return sorted(_mounts)


def transport_for(scheme: str) -> Mount:
    """The mount registered for ``scheme``; :class:`TransportNotRegistered` says how to wire one in."""
    with _lock:
        mount = _mounts.get(scheme)
    if mount is None:
        raise TransportNotRegistered(
            f"shop_url: no transport registered for {scheme}:// URLs; the demo wiring "
            "(demo.wiring.install(), run by `storehouse demo`, `make ui` and the tests) registers the "
            "built-in sandbox for sandbox://, and resources.transports.register_transport(scheme, mount) "
            "registers any other"
        )
    return mount
