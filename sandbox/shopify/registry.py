"""Process-wide registry of sandbox shops, addressed by name (``sandbox://{name}``).

Presets are built lazily on first use with the default clock and cached. Tests install their own shops
with :func:`register` and remove them with :func:`unregister`.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from sandbox.shopify.model import SandboxShop

if TYPE_CHECKING:
    import requests

_shops: dict[str, SandboxShop] = {}
_lock = threading.Lock()


def get_shop(name: str) -> SandboxShop:
    """The shop registered under ``name``, building a preset on first use. ``KeyError`` if unknown."""
    with _lock:
        shop = _shops.get(name)
        if shop is not None:
            return shop
        from sandbox.shopify.generator import build_shop
        from sandbox.shopify.presets import PRESETS, preset

        if name not in PRESETS:
            raise KeyError(f"no sandbox shop named {name!r} (presets: {', '.join(sorted(PRESETS))})")
        shop = build_shop(preset(name))
        _shops[name] = shop
        return shop


def register(name: str, shop: SandboxShop) -> None:
    """Serve ``shop`` under ``name`` (replacing any shop of that name)."""
    with _lock:
        _shops[name] = shop


def unregister(name: str) -> None:
    """Forget the shop registered under ``name`` (a preset is rebuilt on next use)."""
    with _lock:
        _shops.pop(name, None)


def registered() -> list[str]:
    """Names of the shops built or registered so far."""
    with _lock:
        return sorted(_shops)


def mount(session: requests.Session) -> requests.Session:
    """Mount the in-process adapter for ``sandbox://`` URLs on ``session`` (see ``inprocess.mount``)."""
    from sandbox.shopify.inprocess import mount as mount_adapter

    return mount_adapter(session)
