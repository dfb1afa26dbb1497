"""Running the WooCommerce source's part of the graph in tests: an in-process sandbox site
(``woosandbox://<name>``), a tenants file connecting one tenant to it, a throwaway raw store and warehouse,
ranged runs like a single-run backfill. Every asset runs except the other sources' raw and staging assets
(the tenant has no connection to them)."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import dagster as dg
import sqlalchemy as sa
import yaml

from platform_assets import clock as pipeline_clock
from platform_assets.definitions import ALL_ASSETS, ALL_CHECKS
from platform_assets.sources.registry import sources, warehouse_tables
from platform_assets.tags import partition_range_tags
from platform_assets.tenants import TenantsResource
from platform_assets.warehouse import tables as t
from resources.raw_store import RawStoreResource
from resources.shopify.client import ShopifyClientResource
from resources.warehouse import WarehouseResource
from resources.woocommerce.client import WooCommerceClientResource
from sandbox.woocommerce import registry
from sandbox.woocommerce.generator import build_site
from sandbox.woocommerce.model import WooSite
from sandbox.woocommerce.orders import COUNTED_STATUSES
from sandbox.woocommerce.spec import SiteSpec

PLATFORM = "woocommerce"
#: Every other source's raw and staging assets: the tenant is connected to WooCommerce only.
OTHER_SOURCES = dg.AssetSelection.assets(
    *(
        key
        for source in sources()
        if source.platform != PLATFORM
        for asset in [*source.raw_assets, *source.staging_assets]
        for key in asset.keys
    )
)
SELECTION = dg.AssetSelection.all() - OTHER_SOURCES
#: Tables whose rows say when they were written (snapshots, dead letters, the ledger).
UNSTABLE = {t.DLQ_RECORDS.name, t.STAGED_PARTITIONS.name}
CENT = Decimal("0.01")


@dataclass
class WooPipeline:
    """One tenant on one sandbox site, with its own instance, raw store and warehouse."""

    tenant_id: str
    site: WooSite
    instance: dg.DagsterInstance
    resources: dict[str, Any]
    warehouse: WarehouseResource

    def materialise(self, start: date, end: date, selection: Any = SELECTION) -> dg.ExecuteInProcessResult:
        tags = partition_range_tags(
            f"{start.isoformat()}|{self.tenant_id}", f"{end.isoformat()}|{self.tenant_id}"
        )
        with self.warehouse.held():  # the file open for the whole run, as tests/pipeline/harness.py says
            result = dg.materialize(
                [*ALL_ASSETS, *ALL_CHECKS],
                instance=self.instance,
                resources=self.resources,
                tags=tags,
                selection=selection,
            )
        assert result.success
        return result

    def agg_daily_sales(self, start: date, end: date) -> list[dict]:
        frame = self.warehouse.query(
            "SELECT * FROM agg_daily_sales WHERE tenant_id = :t AND platform = :p AND date BETWEEN :s AND :e "
            "ORDER BY date",
            {"t": self.tenant_id, "p": PLATFORM, "s": start, "e": end},
        )
        return frame.to_dict("records")

    def checksums(self) -> dict[str, str]:
        """A checksum of every warehouse table's content, independent of row order."""
        sums = {}
        with self.warehouse.transaction() as conn:
            for spec in warehouse_tables():
                if spec.name in UNSTABLE or not sa.inspect(conn).has_table(spec.name):
                    continue
                rows = conn.execute(sa.select(spec.sqlalchemy_table())).fetchall()
                digest = hashlib.sha256()
                for line in sorted(repr(tuple(_normal(v) for v in row)) for row in rows):
                    digest.update(line.encode())
                sums[spec.name] = f"{len(rows)}:{digest.hexdigest()[:16]}"
        return sums


def _normal(value: object) -> object:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return value


def make_woo_pipeline(
    tmp_path: Path,
    monkeypatch: Any,
    spec: SiteSpec,
    clock: datetime,
    start_date: date | None = None,
    warehouse_url: str | None = None,
) -> WooPipeline:
    """A tenant named after the site, connected to it in process, starting on the site's first day; its
    warehouse is a DuckDB file under tmp_path unless warehouse_url names another (a PostgreSQL database)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    site = build_site(spec, clock)
    registry.register(spec.name, site)
    monkeypatch.setattr(pipeline_clock, "clock", lambda: registry.get_site(spec.name).clock)
    prefix = f"TEST_{spec.name.upper().replace('-', '_')}"
    monkeypatch.setenv(f"{prefix}_KEY", spec.consumer_key)
    monkeypatch.setenv(f"{prefix}_SECRET", spec.consumer_secret)
    tenant = {
        "id": spec.name,
        "name": spec.name,
        "start_date": (start_date or site.history_start).isoformat(),
        "connections": {
            PLATFORM: {
                "site_url": f"woosandbox://{spec.name}",
                "consumer_key_env": f"{prefix}_KEY",
                "consumer_secret_env": f"{prefix}_SECRET",
            }
        },
    }
    tenants_file = tmp_path / "tenants.yaml"
    tenants_file.write_text(yaml.safe_dump({"tenants": [tenant]}))
    monkeypatch.setenv("STOREHOUSE_TENANTS_FILE", str(tenants_file))
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("tenant", [spec.name])
    warehouse = WarehouseResource(url=warehouse_url or f"duckdb:///{tmp_path / 'warehouse.duckdb'}")
    resources = {
        "shopify": ShopifyClientResource(),
        "woocommerce": WooCommerceClientResource(),
        "tenants": TenantsResource(tenants_file=str(tenants_file)),
        "raw_store": RawStoreResource(base_url=str(tmp_path / "raw")),
        "warehouse": warehouse,
    }
    return WooPipeline(spec.name, site, instance, resources, warehouse)


def storehouse_figures(site: WooSite, start: date, end: date) -> dict[date, dict[str, Decimal]]:
    """The site's daily figures by Storehouse's definition (docs/metrics.md, "WooCommerce"), computed from
    the sandbox's own event model (not from the served JSON): gross sales = line subtotals + positive fees,
    discounts = line (subtotal − total) + negative fees, shipping and taxes of the order on its day; on a
    refund's day returns = its lines' totals, taxes less their tax, and what a refund gives back beyond its
    lines (shipping and fees of a full refund) less shipping (its tax share, the order's tax not yet given
    back, less taxes)."""
    clock, zone = site.clock, site.zone
    days: dict[date, dict[str, Decimal]] = defaultdict(
        lambda: {k: Decimal(0) for k in ("gross", "discounts", "returns", "shipping", "taxes")}
    )
    for day in site.days:
        for order in site.day_orders(day):
            if order.created > clock or order.status_at(clock) not in COUNTED_STATUSES:
                continue
            sold = (order.paid_at_clock(clock) or order.created).astimezone(zone).date()
            row = days[sold]
            row["gross"] += order.subtotal + sum((f.total for f in order.fees if f.total > 0), Decimal(0))
            row["discounts"] += order.discount_total - sum(
                (f.total for f in order.fees if f.total < 0), Decimal(0)
            )
            row["shipping"] += order.shipping_total
            row["taxes"] += order.total_tax
            refunds = order.refunds_at(clock)
            tax_left = order.total_tax - sum((rl.total_tax for r in refunds for rl in r.lines), Decimal(0))
            for refund in sorted(refunds, key=lambda r: (r.at, r.id)):
                on = days[refund.at.astimezone(zone).date()]
                items = sum((rl.total for rl in refund.lines), Decimal(0))
                items_tax = sum((rl.total_tax for rl in refund.lines), Decimal(0))
                rest = refund.amount - items - items_tax
                rest_tax = min(max(tax_left, Decimal(0)), rest) if rest > 0 else Decimal(0)
                tax_left -= rest_tax
                on["returns"] += items
                on["taxes"] -= items_tax + rest_tax
                on["shipping"] -= rest - rest_tax
    return {
        day: {k: v.quantize(CENT, rounding=ROUND_HALF_UP) for k, v in row.items()}
        for day, row in days.items()
        if start <= day <= end
    }
