"""Process-wide registry of sandbox sites, addressed by name (``woosandbox://{name}``).

Presets are built lazily on first use with the default clock; tests install their own sites with
:func:`register` and remove them with :func:`unregister`.
"""

from __future__ import annotations

from sandbox.common.registry import Registry
from sandbox.woocommerce.model import WooSite


def _build_preset(name: str) -> WooSite:
    from sandbox.woocommerce.generator import build_site
    from sandbox.woocommerce.presets import PRESETS, preset

    if name not in PRESETS:
        raise KeyError(f"no WooCommerce sandbox site named {name!r} (presets: {', '.join(sorted(PRESETS))})")
    return build_site(preset(name))


_sites: Registry[WooSite] = Registry(_build_preset)


def get_site(name: str) -> WooSite:
    """The site registered under ``name``, building a preset on first use. ``KeyError`` if unknown."""
    return _sites.get(name)


def register(name: str, site: WooSite) -> None:
    """Serve ``site`` under ``name`` (replacing any site of that name)."""
    _sites.register(name, site)


def unregister(name: str) -> None:
    """Forget the site registered under ``name`` (a preset is rebuilt on next use)."""
    _sites.unregister(name)
