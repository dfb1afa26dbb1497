"""``build_site(spec, clock=None)``: a :class:`WooSite` from its recipe (fast: only the calendar is drawn)."""

from __future__ import annotations

from datetime import datetime

from sandbox.woocommerce.model import WooSite
from sandbox.woocommerce.presets import default_clock
from sandbox.woocommerce.spec import SiteSpec


def build_site(spec: SiteSpec, clock: datetime | None = None) -> WooSite:
    """A site as of ``clock`` (default: ``STOREHOUSE_SANDBOX_CLOCK`` or the start of today, site time)."""
    return WooSite(spec, clock or default_clock(spec))
