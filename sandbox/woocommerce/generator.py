"""``build_site(spec, clock=None)``: a :class:`WooSite` from its recipe (fast: only the calendar is drawn)."""

from __future__ import annotations

from datetime import datetime

from sandbox.woocommerce.model import WooSite
from sandbox.woocommerce.presets import default_clock
from sandbox.woocommerce.spec import SiteSpec


def build_site(spec: SiteSpec, clock: datetime | None = None) -> WooSite:
    """A site as of ``clock`` (default: ``STOREHOUSE_SANDBOX_CLOCK`` or the start of today, site time).

    A site that ``shares_with`` a Shopify preset and lists no ``reuse_emails`` takes the customers and SKUs
    it shares from that shop as built with the same clock (``sandbox.demo_world``)."""
    clock = clock or default_clock(spec)
    if spec.shares_with and not spec.reuse_emails:
        from sandbox.demo_world import shared_with_shopify_preset

        spec = shared_with_shopify_preset(spec, clock)
    return WooSite(spec, clock)
