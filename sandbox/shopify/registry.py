"""Process-wide registry of sandbox shops, addressed by name (``sandbox://{name}``).

Presets are built lazily on first use with the default clock and cached. Tests install their own shops
with :func:`register` and remove them with :func:`unregister`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sandbox.common.registry import Registry
from sandbox.shopify.model import SandboxShop

if TYPE_CHECKING:
    import requests


def _build_preset(name: str) -> SandboxShop:
    from sandbox.shopify.generator import build_shop
    from sandbox.shopify.presets import PRESETS, preset

    if name not in PRESETS:
        raise KeyError(f"no sandbox shop named {name!r} (presets: {', '.join(sorted(PRESETS))})")
    return build_shop(preset(name))


_shops: Registry[SandboxShop] = Registry(_build_preset)


def get_shop(name: str) -> SandboxShop:
    """The shop registered under ``name``, building a preset on first use. ``KeyError`` if unknown."""
    return _shops.get(name)


def register(name: str, shop: SandboxShop) -> None:
    """Serve ``shop`` under ``name`` (replacing any shop of that name)."""
    _shops.register(name, shop)


def unregister(name: str) -> None:
    """Forget the shop registered under ``name`` (a preset is rebuilt on next use)."""
    _shops.unregister(name)


def registered() -> list[str]:
    """Names of the shops built or registered so far."""
    return _shops.names()


def mount(session: requests.Session) -> requests.Session:
    """Mount the in-process adapter for ``sandbox://`` URLs on ``session`` (see ``inprocess.mount``)."""
    from sandbox.shopify.inprocess import mount as mount_adapter

    return mount_adapter(session)
