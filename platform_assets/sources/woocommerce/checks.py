"""WooCommerce's own checks: each raw orders partition holds as many orders as WooCommerce counts for the
same modification window (``X-WP-Total`` of the same query)."""

from platform_assets.quality.source_counts import raw_orders_count_check
from platform_assets.sources.woocommerce import PLATFORM
from platform_assets.sources.woocommerce.raw_fetch import client_for, settings_zone_name
from resources.woocommerce.client import WooCommerceSiteClient


def _reported_zone(client: WooCommerceSiteClient) -> str | None:
    settings = client.get_store_settings()
    return settings_zone_name(settings.timezone, settings.gmt_offset)


raw_orders_match_source_count = raw_orders_count_check(
    platform=PLATFORM,
    client_resource="woocommerce",
    description="The raw partition holds as many orders (distinct ids) as WooCommerce's X-WP-Total reports "
    "for the same modified_after/modified_before window: a page lost while paging turns this red.",
    counted_by="X-WP-Total",
    open_client=client_for,
    reported_zone=_reported_zone,
    count_orders=lambda client, start, end: client.count_orders(start, end),
)


WOOCOMMERCE_CHECKS = [raw_orders_match_source_count]
