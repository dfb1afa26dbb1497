"""Named sites for the demo: ``simulated(name)`` builds (and registers) a preset site.

``simulated_sites()`` (the ``storehouse.simulators`` entry point ``woosandbox``) returns an object with
``access_token``, ``today`` and ``ground_truth`` taking a ``woosandbox://name`` site URL, the duck type
``platform_assets.simulators.SimulatedShops`` describes, plus ``secrets`` (the key and the secret by
connection role) and ``consumer_keys``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sandbox.woocommerce import registry
from sandbox.woocommerce.generator import build_site
from sandbox.woocommerce.model import WooSite
from sandbox.woocommerce.presets import PRESETS, default_clock, preset

SCHEME = "woosandbox"


def simulated(name: str, clock: datetime | None = None, register: bool = True, **overrides: Any) -> WooSite:
    """A site built from the preset ``name`` (with ``SiteSpec`` field overrides, e.g. ``reuse_emails``),
    registered under ``name`` for ``woosandbox://name`` unless ``register`` is false."""
    site = build_site(preset(name, **overrides), clock)
    if register:
        registry.register(name, site)
    return site


def _site_name(site_url: str) -> str:
    return site_url.removeprefix(f"{SCHEME}://").strip("/")


class WooSandboxSites:
    """The sandbox's WooCommerce sites, addressed by ``woosandbox://name`` URLs."""

    def consumer_keys(self, site_url: str) -> tuple[str, str] | None:
        """A preset's own ``(ck_…, cs_…)`` (sandbox keys, not secrets of anyone); None for other sites."""
        spec = PRESETS.get(_site_name(site_url))
        return (spec.consumer_key, spec.consumer_secret) if spec is not None else None

    def secrets(self, site_url: str) -> dict[str, str]:
        """A preset's keys by connection role (``consumer_key``, ``consumer_secret``); {} for other sites."""
        keys = self.consumer_keys(site_url)
        return {"consumer_key": keys[0], "consumer_secret": keys[1]} if keys else {}

    def access_token(self, site_url: str) -> str | None:
        """A preset's keys as one string, ``ck_…:cs_…`` (HTTP Basic's user:password); None otherwise."""
        keys = self.consumer_keys(site_url)
        return f"{keys[0]}:{keys[1]}" if keys else None

    def today(self, site_url: str) -> date | None:
        """A preset's today (``STOREHOUSE_SANDBOX_CLOCK`` or the start of today in its timezone)."""
        spec = PRESETS.get(_site_name(site_url))
        return default_clock(spec).date() if spec is not None else None

    def ground_truth(self, site_url: str, start: date, end: date) -> list[dict[str, Any]]:
        """The site's daily figures as the sandbox computes them from its own orders."""
        return registry.get_site(_site_name(site_url)).ground_truth(start, end)


def simulated_sites() -> WooSandboxSites:
    """The sites as the demo sees them."""
    return WooSandboxSites()
