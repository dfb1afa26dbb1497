"""A tenant's business day in its own timezone: the shop's iana_timezone unless the tenants file
overrides it. Raw partitions hold what changed during that local day."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from platform_assets.tenants import Tenant
from resources.raw_store import RawStoreResource


def day_window(day: date, timezone: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of a local business day as aware datetimes (23 or 25 hours long on DST changes)."""
    start = datetime.combine(day, time(0), tzinfo=timezone)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=timezone)
    return start, end


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


def system_clock() -> datetime:
    """The machine's clock, in UTC."""
    return datetime.now(UTC)


#: The pipeline's clock. A simulation whose world runs at another time (the test harness on a sandbox shop
#: whose clock is months away from today) replaces it, so that "today" and "yesterday" mean the same to
#: the pipeline as to the source it reads.
clock: Callable[[], datetime] = system_clock


def utc_now() -> datetime:
    """Now, in UTC, by the pipeline's clock: which days have begun, which are over, when rows are written."""
    return clock().astimezone(UTC)
