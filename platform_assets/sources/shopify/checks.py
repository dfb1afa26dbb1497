"""Shopify's own checks: its lines add up to its orders, and each raw orders partition holds as many
orders as Shopify counts for the same window (REST's orders/count.json, whichever API fetched them)."""

from datetime import timedelta
from pathlib import Path

from platform_assets.quality.reconciliation import sql_check
from platform_assets.quality.source_counts import raw_orders_count_check
from platform_assets.sources.shopify import PLATFORM
from platform_assets.sources.shopify.raw_fetch import rest_client_for

SQL_DIR = Path(__file__).parent / "sql"

order_lines_add_up = sql_check(
    "stg_shopify_order_lines",
    "order_lines_add_up",
    SQL_DIR / "order_line_totals.sql",
    "an order's lines add up to its total_line_items_price",
)


raw_orders_match_source_count = raw_orders_count_check(
    platform=PLATFORM,
    client_resource="shopify",
    description="The raw partition holds as many orders (distinct ids) as Shopify's orders/count.json "
    "reports for the same updated_at window: a page lost while paging turns this red.",
    counted_by="orders/count.json",
    open_client=rest_client_for,  # for GraphQL tenants too: the count is REST's orders/count.json
    reported_zone=lambda client: client.get_shop().get("iana_timezone"),
    # updated_at_max is inclusive: the last second of the local day.
    count_orders=lambda client, start, end: client.count_orders(start, end - timedelta(seconds=1)),
)


SHOPIFY_CHECKS = [order_lines_add_up, raw_orders_match_source_count]
