"""Shopify's changed-since probe for the late-change sensor: the orders updated in a window (only id,
processed_at and updated_at, every status), through the tenant's API (REST ``orders.json?fields=``, or
GraphQL ``orders(query: "updated_at:>=… AND updated_at:<=…", sortKey: UPDATED_AT)``), with a client whose
retry budget suits a sensor tick."""

from __future__ import annotations

from datetime import datetime

import dagster as dg

from platform_assets.sources.contract import SENSOR_CLIENT_BUDGET, ChangedOrder, ChangeProbe
from platform_assets.sources.shopify.connection import ShopifyConnection
from platform_assets.sources.shopify.raw_fetch import open_shop
from platform_assets.tenants import Connection, Tenant
from resources.shopify.client import ShopifyClientResource

ORDER_FIELDS = ("id", "processed_at", "updated_at")


def sensor_client() -> ShopifyClientResource:
    """A client with a short retry budget: a failing shop must not hold the evaluation for minutes."""
    return ShopifyClientResource(**SENSOR_CLIENT_BUDGET)


def changed_order(record: dict) -> ChangedOrder | None:
    """An order of the API as a change; None when it lacks processed_at or updated_at."""
    if not record.get("processed_at") or not record.get("updated_at"):
        return None
    return ChangedOrder(
        int(record["id"]),
        datetime.fromisoformat(record["processed_at"]),
        datetime.fromisoformat(record["updated_at"]),
    )


def changes_since(
    tenant: Tenant,
    connection: Connection,
    since: datetime,
    now: datetime,
    client: dg.ConfigurableResource | None = None,
) -> ChangeProbe:
    """The orders updated in ``(since, now]`` and, when there are some, the shop's timezone.

    Raises the client's errors (ShopifyError, TenantConfigError for a missing token) to the caller."""
    assert isinstance(connection, ShopifyConnection)
    shopify = client if isinstance(client, ShopifyClientResource) else sensor_client()
    with open_shop(shopify, connection) as shop:
        changed = [
            order
            for page in shop.iter_orders(since, now, fields=ORDER_FIELDS)
            for record in page
            if (order := changed_order(record)) is not None and order.updated_at > since
        ]
        timezone = shop.get_shop().get("iana_timezone") if changed and not tenant.timezone else None
    return ChangeProbe(changed, timezone)
