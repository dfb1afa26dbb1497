"""WooCommerce's changed-since probe for the late-change sensor: the orders modified in a window (every
status but trash), each with the moment its sale counts (``date_paid_gmt``, else ``date_created_gmt``) and
its ``date_modified_gmt``, with a client whose retry budget suits a sensor tick."""

from __future__ import annotations

from datetime import UTC, datetime

import dagster as dg

from platform_assets.sources.contract import SENSOR_CLIENT_BUDGET, ChangedOrder, ChangeProbe
from platform_assets.sources.woocommerce.connection import WooCommerceConnection
from platform_assets.sources.woocommerce.raw_fetch import settings_zone_name
from platform_assets.tenants import Connection, Tenant
from resources.woocommerce.client import WooCommerceClientResource


def sensor_client() -> WooCommerceClientResource:
    """A client with a short retry budget: a failing site must not hold the evaluation for minutes."""
    return WooCommerceClientResource(**SENSOR_CLIENT_BUDGET)


def _utc(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def changed_order(record: dict) -> ChangedOrder | None:
    """An order of the API as a change (processed_at: when its sale counts); None without the dates."""
    sold = record.get("date_paid_gmt") or record.get("date_created_gmt")
    modified = record.get("date_modified_gmt")
    if not sold or not modified or record.get("id") is None:
        return None
    return ChangedOrder(int(record["id"]), _utc(str(sold)), _utc(str(modified)))


def changes_since(
    tenant: Tenant,
    connection: Connection,
    since: datetime,
    now: datetime,
    client: dg.ConfigurableResource | None = None,
) -> ChangeProbe:
    """The orders modified in ``(since, now]`` and, when there are some, the site's timezone.

    Raises the client's errors (WooCommerceError, a missing key variable) to the caller."""
    assert isinstance(connection, WooCommerceConnection)
    woocommerce = client if isinstance(client, WooCommerceClientResource) else sensor_client()
    with woocommerce.for_connection(connection) as site:
        changed = [
            order
            for page in site.iter_orders(since, now)
            for record in page
            if (order := changed_order(record)) is not None and order.updated_at > since
        ]
        timezone = None
        if changed and not tenant.timezone:
            settings = site.get_store_settings()
            timezone = settings_zone_name(settings.timezone, settings.gmt_offset)
    return ChangeProbe(changed, timezone)
