"""Transports for shop URLs that are not on the network: which code answers a ``scheme://`` shop URL.

A real shop is ``https://``: an API client sends its requests over the wire. A simulator can answer
inside the process instead (the built-in sandbox serves ``sandbox://name``) through a *mount*: a callable
that installs a ``requests`` transport adapter on a session. Every client built for a URL of that scheme
mounts it on its own session.

The product never names a simulator. A package provides the mount of its scheme as a Python packaging entry
point in the ``storehouse.transports`` group, named after the scheme (this project's pyproject.toml declares
the sandbox's); the first client of a scheme with no mount registered in
the process looks it up there, loads it and registers it. :func:`register_transport` registers one
explicitly (tests, other wiring) and takes precedence. See docs/architecture.md.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from importlib import metadata

import requests

#: Installs a transport adapter for one URL scheme on a ``requests`` session.
Mount = Callable[[requests.Session], object]

#: The entry point group a package declares its scheme's mount in (the entry point's name is the scheme).
ENTRY_POINT_GROUP = "storehouse.transports"

#: Schemes every client speaks itself; they cannot be taken over by a registered transport.
NETWORK_SCHEMES = ("http", "https")

_lock = threading.Lock()
_mounts: dict[str, Mount] = {}
#: Schemes whose entry point was looked up and not found (looked up once; unregistering forgets it).
_not_installed: set[str] = set()


class TransportNotRegistered(ValueError):
    """A shop URL's scheme is neither http(s) nor one a transport is registered or installed for."""


def register_transport(scheme: str, mount: Mount) -> None:
    """Answer ``scheme://`` shop URLs with ``mount`` from now on (registering the same mount again is a
    no-op; another mount replaces it, whatever entry point is installed)."""
    if scheme in NETWORK_SCHEMES or not scheme.isalnum() or scheme != scheme.lower():
        raise ValueError(
            f"a transport scheme must be lower-case letters and digits other than http(s), got {scheme!r}"
        )
    with _lock:
        _mounts[scheme] = mount


def unregister_transport(scheme: str) -> None:
    """Forget the transport of ``scheme`` (nothing happens if none is registered); the next client of the
    scheme looks its entry point up again."""
    with _lock:
        _mounts.pop(scheme, None)
        _not_installed.discard(scheme)


def registered_schemes() -> list[str]:
    """The schemes a transport is registered for in this process (explicitly or loaded from its entry
    point), sorted."""
    with _lock:
        return sorted(_mounts)


def installed_entry_points(group: str) -> Iterable[metadata.EntryPoint]:
    """The entry points of ``group`` the installed distributions declare (a seam for the tests)."""
    return metadata.entry_points(group=group)


def transport_for(scheme: str) -> Mount:
    """The mount for ``scheme``: the registered one, else the one its ``storehouse.transports`` entry point
    names (loaded and registered on first use); :class:`TransportNotRegistered` if there is neither."""
    with _lock:
        mount = _mounts.get(scheme)
        if mount is not None or scheme in _not_installed:
            found = None
        else:
            found = next((ep for ep in installed_entry_points(ENTRY_POINT_GROUP) if ep.name == scheme), None)
            if found is None:
                _not_installed.add(scheme)
    if mount is not None:
        return mount
    if found is None:
        raise TransportNotRegistered(
            f"shop_url: no transport registered for {scheme}:// URLs and no {ENTRY_POINT_GROUP!r} entry "
            f"point named {scheme!r} is installed; install the package that provides it (`make install` "
            "installs this project's, `sandbox` for the built-in sandbox), or call "
            f"resources.transports.register_transport({scheme!r}, mount)"
        )
    try:
        loaded = found.load()  # imports the providing module outside the lock
    except Exception as error:
        raise TransportNotRegistered(
            f"shop_url: the {ENTRY_POINT_GROUP!r} entry point {scheme!r} ({found.value}) for {scheme}:// "
            f"URLs failed to load: {type(error).__name__}: {error}"
        ) from error
    if not callable(loaded):
        raise TransportNotRegistered(
            f"shop_url: the {ENTRY_POINT_GROUP!r} entry point {scheme!r} ({found.value}) is not a mount "
            f"(a callable taking a requests.Session), got {type(loaded).__name__}"
        )
    with _lock:
        return _mounts.setdefault(scheme, loaded)
