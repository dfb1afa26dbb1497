"""Process-wide registry of sandbox sites, addressed by name (``woosandbox://{name}``).

Presets are built lazily on first use with the default clock; tests install their own sites with
:func:`register` and remove them with :func:`unregister`.
"""

from __future__ import annotations

import threading

from sandbox.woocommerce.model import WooSite

_sites: dict[str, WooSite] = {}
_lock = threading.Lock()


def get_site(name: str) -> WooSite:
    """The site registered under ``name``, building a preset on first use. ``KeyError`` if unknown."""
    with _lock:
        site = _sites.get(name)
        if site is not None:
            return site
        from sandbox.woocommerce.generator import build_site
        from sandbox.woocommerce.presets import PRESETS, preset

        if name not in PRESETS:
            raise KeyError(
                f"no WooCommerce sandbox site named {name!r} (presets: {', '.join(sorted(PRESETS))})"
            )
        site = build_site(preset(name))
        _sites[name] = site
        return site


def register(name: str, site: WooSite) -> None:
    """Serve ``site`` under ``name`` (replacing any site of that name)."""
    with _lock:
        _sites[name] = site


def unregister(name: str) -> None:
    """Forget the site registered under ``name`` (a preset is rebuilt on next use)."""
    with _lock:
        _sites.pop(name, None)
