"""A tenant's business timezone, decided in one place.

A business day (a partition's date) is a day in the tenant's own timezone. The rule: the ``timezone`` the
tenants file sets, else the timezone the tenant's platform records for its store (the first connection the
file lists that records one, e.g. the shop's ``iana_timezone`` in its raw snapshot), else unknown. A
tenant selling on several platforms whose stores sit in different timezones should set ``timezone``: its
business day is then one day for every platform.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from platform_assets.sources.registry import source
from platform_assets.tenants import Tenant
from resources.raw_store import RawStoreResource

UNKNOWN_TIMEZONE = "UTC"


@dataclass(frozen=True)
class TenantZone:
    """A tenant's timezone and where it came from (shown in tick logs and run tags)."""

    zone: ZoneInfo
    source: str  # "tenants file", "shop snapshot of YYYY-MM-DD", "<platform> API" or "unknown"

    @property
    def known(self) -> bool:
        return self.source != "unknown"


def _zone(name: str | None) -> ZoneInfo | None:
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def business_timezone(tenant: Tenant, raw_store: RawStoreResource, day: date | None = None) -> TenantZone:
    """The tenant's timezone for ``day`` (its platforms' snapshots of that day), or as of the newest
    snapshot when ``day`` is None; UTC marked unknown when nothing says."""
    if tenant.timezone:
        return TenantZone(ZoneInfo(tenant.timezone), "tenants file")
    for platform in tenant.connections:
        recorded = source(platform).timezone(raw_store, tenant.id, day)
        zone = _zone(recorded[0]) if recorded else None
        if recorded and zone is not None:
            return TenantZone(zone, recorded[1])
    return TenantZone(ZoneInfo(UNKNOWN_TIMEZONE), "unknown")


def staging_timezone(tenant: Tenant, raw_store: RawStoreResource, day: date) -> ZoneInfo:
    """The timezone a day's records are staged in: :func:`business_timezone` of that day, which must be
    known (a business date cannot be guessed)."""
    found = business_timezone(tenant, raw_store, day)
    if not found.known:
        platforms = ", ".join(tenant.connections) or "no platform"
        raise ValueError(
            f"tenant {tenant.id}: no timezone for {day.isoformat()}: the tenants file sets none and "
            f"{platforms} recorded none that day"
        )
    return found.zone


def live_timezone(tenant: Tenant, platform: str, reported: str | None) -> TenantZone:
    """The timezone when a platform has just been asked (the late-change sensor): the tenants file's, else
    what the platform reported."""
    if tenant.timezone:
        return TenantZone(ZoneInfo(tenant.timezone), "tenants file")
    zone = _zone(reported)
    if zone is None:
        return TenantZone(ZoneInfo(UNKNOWN_TIMEZONE), "unknown")
    return TenantZone(zone, f"{platform} API")


def fetch_timezone(tenant: Tenant, platform: str, reported: str | None) -> ZoneInfo:
    """The timezone a fetch's day windows (or the late-change sensor's business days) are cut in:
    :func:`live_timezone`, which must be known."""
    found = live_timezone(tenant, platform, reported)
    if not found.known:
        raise ValueError(f"tenant {tenant.id}: {platform} reports no timezone and the tenants file sets none")
    return found.zone
