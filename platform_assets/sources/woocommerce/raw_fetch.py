"""How WooCommerce's raw partitions are cut: a tenant's business day is a window of the orders' (or
products', coupons') modification time, ``[local midnight, next local midnight)`` in the business timezone,
sent as ``modified_after``/``modified_before`` in UTC (``dates_are_gmt=true``). The tenant's start date
takes everything modified before it too, so the first partition holds the whole history. Days before the
start date or not begun yet are skipped."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from platform_assets.ingest.raw_assets import BusinessDayWindow, business_day_windows
from platform_assets.sources.woocommerce.connection import woocommerce_connection
from platform_assets.tenants import Tenant
from resources.woocommerce.client import StoreSettings, WooCommerceClientResource, WooCommerceSiteClient

#: Key added to each raw order: its refunds as ``orders/{id}/refunds`` serves them (the order itself lists
#: only ``{id, reason, total}`` of each), read in the same fetch, so a partition holds one consistent
#: version of the order and its refunds.
REFUNDS_KEY = "storehouse_refunds"
#: Key added to each raw variable product: its variations (``products/{id}/variations``).
VARIATIONS_KEY = "storehouse_variations"


#: One business day to fetch: records modified in ``[start, end)``; ``start`` None on the start date.
DayWindow = BusinessDayWindow


def client_for(woocommerce: WooCommerceClientResource, tenant: Tenant) -> WooCommerceSiteClient:
    """A client for the tenant's site (reads the key and secret from the connection's variables now)."""
    return woocommerce.for_connection(woocommerce_connection(tenant))


def settings_zone_name(timezone: str | None, gmt_offset: float | None) -> str | None:
    """The site's timezone as an IANA name: WordPress's ``timezone_string``, else a whole-hour
    ``gmt_offset`` as ``Etc/GMT∓N`` (POSIX sign: UTC+2 is ``Etc/GMT-2``); None otherwise (a half-hour
    offset without a city cannot be named: set the tenant's ``timezone``)."""
    if timezone:
        return timezone
    if gmt_offset is None or gmt_offset != int(gmt_offset):
        return None
    hours = int(gmt_offset)
    return "Etc/UTC" if hours == 0 else f"Etc/GMT{-hours:+d}"


def settings_record(settings: StoreSettings) -> dict[str, Any]:
    """The settings snapshot written to the raw store: what the store says about time, money and tax."""
    return {**asdict(settings), "zone": settings_zone_name(settings.timezone, settings.gmt_offset)}


def plan_windows(
    tenant: Tenant, days: list[date], timezone: ZoneInfo, now: datetime
) -> tuple[list[DayWindow], dict[str, str]]:
    """The day windows to fetch, in day order, and the days skipped (before the start, not begun yet)."""
    return business_day_windows(tenant, sorted(days), timezone, now)


def with_refunds(client: WooCommerceSiteClient, page: list[dict]) -> list[dict]:
    """The page's orders, each with its refund objects under :data:`REFUNDS_KEY` (read only for orders
    whose ``refunds`` list is not empty)."""
    for order in page:
        refunds: list[dict] = []
        if isinstance(order, dict) and order.get("refunds") and order.get("id") is not None:
            refunds = [refund for part in client.iter_refunds(int(order["id"])) for refund in part]
        if isinstance(order, dict):
            order[REFUNDS_KEY] = refunds
    return page


def with_variations(client: WooCommerceSiteClient, page: list[dict]) -> list[dict]:
    """The page's products, each variable product with its variations under :data:`VARIATIONS_KEY`."""
    for product in page:
        variations: list[dict] = []
        if isinstance(product, dict) and product.get("variations") and product.get("id") is not None:
            variations = [v for part in client.iter_variations(int(product["id"])) for v in part]
        if isinstance(product, dict):
            product[VARIATIONS_KEY] = variations
    return page
