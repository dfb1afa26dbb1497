"""Registering the built-in Shopify sandbox with the product, for ``sandbox://name`` shop URLs.

:func:`install` hands the sandbox's in-process transport to the Shopify client (``resources.transports``)
and tells the demo command about the sandbox's shops (``platform_assets.simulators``): the preset shops' own
tokens, their clock and their ground truth. Everything that runs the pipeline against ``sandbox://`` shops
calls it first: ``storehouse demo`` (through :mod:`demo.cli`), the ``make ui`` code location
(:mod:`demo.definitions`), the tests and the benchmarks.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from platform_assets.simulators import register_simulator
from resources.transports import register_transport
from sandbox.shopify import registry
from sandbox.shopify.inprocess import mount
from sandbox.shopify.presets import PRESETS, default_clock

#: The URL scheme of the in-process sandbox's shops.
SCHEME = "sandbox"


def _shop_name(shop_url: str) -> str:
    return shop_url.removeprefix(f"{SCHEME}://")


class SandboxShops:
    """The sandbox's shops as the demo sees them (``platform_assets.simulators.SimulatedShops``)."""

    def access_token(self, shop_url: str) -> str | None:
        """A preset shop's own token (``shpat_sandbox_…``, not a secret); None for other sandbox shops."""
        preset = PRESETS.get(_shop_name(shop_url))
        return preset.access_token if preset is not None else None

    def today(self, shop_url: str) -> date | None:
        """A preset shop's today (``STOREHOUSE_SANDBOX_CLOCK`` or the start of today in its timezone); None
        for other sandbox shops, whose demo runs on the wall clock."""
        preset = PRESETS.get(_shop_name(shop_url))
        return default_clock(preset).date() if preset is not None else None

    def ground_truth(self, shop_url: str, start: date, end: date) -> list[dict[str, Any]]:
        """The shop's daily figures as the sandbox computes them from its own orders."""
        return registry.get_shop(_shop_name(shop_url)).ground_truth(start, end)


def install() -> None:
    """Register the sandbox for ``sandbox://`` URLs (again is harmless)."""
    register_transport(SCHEME, mount)
    register_simulator(SCHEME, SandboxShops())
