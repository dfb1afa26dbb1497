"""Where Shopify records a tenant's timezone: the shop's ``iana_timezone`` in the raw shop snapshot."""

from __future__ import annotations

from platform_assets.ingest.recorded_timezone import snapshot_timezone_reader
from platform_assets.sources.shopify import PLATFORM

SHOP = "shop"

recorded_timezone = snapshot_timezone_reader(PLATFORM, SHOP, "iana_timezone", "shop snapshot")
