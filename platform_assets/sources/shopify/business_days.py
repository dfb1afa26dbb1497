"""A tenant's business day in its own timezone: the shop's iana_timezone unless the tenants file
overrides it. Raw partitions hold what changed during that local day."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from platform_assets.tenants import Tenant
from resources.raw_store import RawStoreResource


def tenant_timezone(tenant: Tenant, raw_store: RawStoreResource, day: date) -> ZoneInfo:
    """The tenant's timezone: its override, else the shop's iana_timezone from that day's shop snapshot."""
    if tenant.timezone:
        return ZoneInfo(tenant.timezone)
    shop = next(iter(raw_store.read_partition("shopify", "shop", tenant.id, day)), None)
    return shop_timezone(tenant, shop or {})


def shop_timezone(tenant: Tenant, shop: dict) -> ZoneInfo:
    """The tenant's override, else the shop's iana_timezone."""
    timezone = tenant.timezone or shop.get("iana_timezone")
    if not timezone:
        raise ValueError(f"tenant {tenant.id}: the shop has no iana_timezone and the tenants file sets none")
    return ZoneInfo(timezone)
