"""The late-change probe and the timezone reader of the WooCommerce source, against the sandbox in process:
the orders modified in a window with the moment each sale counts, the site's timezone when the tenants file
sets none, and the timezone recorded in the raw settings snapshot."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from platform_assets.sources.registry import source
from platform_assets.sources.woocommerce.connection import WooCommerceConnection
from platform_assets.tenants import Tenant
from resources.raw_store import RawStoreResource
from sandbox.woocommerce import registry
from sandbox.woocommerce.generator import build_site
from sandbox.woocommerce.presets import PRESETS

NAME = "t-woo-probe"


def test_changes_since_lists_the_modified_orders_and_the_site_timezone(monkeypatch):
    spec = replace(
        PRESETS["woo-london"], name=NAME, orders_per_day=5, history_days=5, customers=10, products=4
    )
    clock = datetime(2026, 3, 1, 12, 0, tzinfo=ZoneInfo("Europe/London"))
    site = build_site(spec, clock)
    registry.register(NAME, site)
    try:
        monkeypatch.setenv("PROBE_WC_KEY", spec.consumer_key)
        monkeypatch.setenv("PROBE_WC_SECRET", spec.consumer_secret)
        connection = WooCommerceConnection(
            site_url=f"woosandbox://{NAME}",
            consumer_key_env="PROBE_WC_KEY",
            consumer_secret_env="PROBE_WC_SECRET",
        )
        tenant = Tenant(
            id=NAME, name=NAME, start_date=date(2026, 2, 20), connections={"woocommerce": connection}
        )
        since = clock - timedelta(days=2)
        probe = source("woocommerce").changes_since(tenant, connection, since, clock, None)

        expected = {
            order.id: order
            for day in site.days
            for order in site.day_orders(day)
            if order.created <= clock
            and order.status_at(clock) != "trash"
            and since < order.modified_at(clock)
        }
        assert expected and {c.id for c in probe.changed} == set(expected)
        for change in probe.changed:
            order = expected[change.id]
            assert change.processed_at == (order.paid_at_clock(clock) or order.created).astimezone(
                UTC
            ).replace(microsecond=0)
            assert change.updated_at == order.modified_at(clock).astimezone(UTC).replace(microsecond=0)
        assert probe.platform_timezone == "Europe/London"
    finally:
        registry.unregister(NAME)


def test_the_timezone_reader_reads_the_settings_snapshot(tmp_path):
    raw_store = RawStoreResource(base_url=str(tmp_path))
    reader = source("woocommerce").timezone
    assert reader(raw_store, "t1", None) is None
    raw_store.write_partition(
        "woocommerce", "settings", "t1", date(2026, 3, 1), [[{"zone": "Europe/London"}]]
    )
    assert reader(raw_store, "t1", date(2026, 3, 1)) == (
        "Europe/London",
        "woocommerce settings snapshot of 2026-03-01",
    )
    assert reader(raw_store, "t1", None) == ("Europe/London", "woocommerce settings snapshot of 2026-03-01")
    assert reader(raw_store, "t1", date(2026, 2, 28)) is None
