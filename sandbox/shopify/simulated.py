"""What ``storehouse demo`` needs to know about the sandbox's shops, for the product's simulator seam.

The product finds this through the ``storehouse.simulators`` entry point named ``sandbox`` (pyproject.toml):
:func:`simulated_shops` returns an object with ``access_token``, ``secrets``, ``today`` and ``ground_truth``,
each taking a ``sandbox://name`` shop URL (the duck type ``platform_assets.simulators.SimulatedShops``
describes). Like the rest of the sandbox it imports nothing of the product. See docs/architecture.md.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sandbox.shopify import registry
from sandbox.shopify.presets import PRESETS, default_clock

#: The URL scheme of the in-process sandbox's shops.
SCHEME = "sandbox"


def _shop_name(shop_url: str) -> str:
    return shop_url.removeprefix(f"{SCHEME}://")


class SandboxShops:
    """The sandbox's shops, addressed by their ``sandbox://name`` URLs."""

    def access_token(self, shop_url: str) -> str | None:
        """A preset shop's own token (``shpat_sandbox_…``, not a secret); None for other sandbox shops."""
        preset = PRESETS.get(_shop_name(shop_url))
        return preset.access_token if preset is not None else None

    def secrets(self, shop_url: str) -> dict[str, str]:
        """A preset shop's secrets by connection role: its token as ``token``; {} for other shops."""
        token = self.access_token(shop_url)
        return {"token": token} if token is not None else {}

    def today(self, shop_url: str) -> date | None:
        """A preset shop's today (``STOREHOUSE_SANDBOX_CLOCK`` or the start of today in its timezone); None
        for other sandbox shops, whose demo runs on the wall clock."""
        preset = PRESETS.get(_shop_name(shop_url))
        return default_clock(preset).date() if preset is not None else None

    def ground_truth(self, shop_url: str, start: date, end: date) -> list[dict[str, Any]]:
        """The shop's daily figures as the sandbox computes them from its own orders."""
        return registry.get_shop(_shop_name(shop_url)).ground_truth(start, end)


def simulated_shops() -> SandboxShops:
    """The ``storehouse.simulators`` entry point: the sandbox's shops as the demo sees them."""
    return SandboxShops()
