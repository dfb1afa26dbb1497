"""Where WooCommerce records a tenant's timezone: the ``zone`` of the raw settings snapshot (WordPress's
``timezone_string``, else a whole-hour ``gmt_offset`` as ``Etc/GMT∓N``)."""

from __future__ import annotations

from datetime import date

from platform_assets.sources.woocommerce import PLATFORM
from resources.raw_store import RawStoreResource

SETTINGS = "settings"


def recorded_timezone(
    raw_store: RawStoreResource, tenant_id: str, day: date | None
) -> tuple[str, str] | None:
    """The site's timezone in its settings snapshot of ``day`` (the newest snapshot when ``day`` is None),
    with where it was read; None when there is no snapshot or it names no timezone."""
    if day is None:
        day = raw_store.newest_day(PLATFORM, SETTINGS, tenant_id)
        if day is None:
            return None
    elif not raw_store.exists(PLATFORM, SETTINGS, tenant_id, day):
        return None
    settings = next(iter(raw_store.read_partition(PLATFORM, SETTINGS, tenant_id, day)), None) or {}
    name = settings.get("zone")
    return (str(name), f"woocommerce settings snapshot of {day.isoformat()}") if name else None
