"""Where Shopify records a tenant's timezone: the shop's ``iana_timezone`` in the raw shop snapshot."""

from __future__ import annotations

from datetime import date

from platform_assets.sources.shopify import PLATFORM
from resources.raw_store import RawStoreResource

SHOP = "shop"


def recorded_timezone(
    raw_store: RawStoreResource, tenant_id: str, day: date | None
) -> tuple[str, str] | None:
    """The shop's iana_timezone in its snapshot of ``day`` (the newest snapshot when ``day`` is None),
    with where it was read; None when there is no snapshot or it names no timezone."""
    if day is None:
        day = raw_store.newest_day(PLATFORM, SHOP, tenant_id)
        if day is None:
            return None
    elif not raw_store.exists(PLATFORM, SHOP, tenant_id, day):
        return None
    shop = next(iter(raw_store.read_partition(PLATFORM, SHOP, tenant_id, day)), None) or {}
    name = shop.get("iana_timezone")
    return (str(name), f"shop snapshot of {day.isoformat()}") if name else None
