"""Where WooCommerce records a tenant's timezone: the ``zone`` of the raw settings snapshot (WordPress's
``timezone_string``, else a whole-hour ``gmt_offset`` as ``Etc/GMT∓N``)."""

from __future__ import annotations

from platform_assets.ingest.recorded_timezone import snapshot_timezone_reader
from platform_assets.sources.woocommerce import PLATFORM

SETTINGS = "settings"

recorded_timezone = snapshot_timezone_reader(PLATFORM, SETTINGS, "zone", "woocommerce settings snapshot")
