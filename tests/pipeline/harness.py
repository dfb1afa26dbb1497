"""Running the whole asset graph in tests: an in-process sandbox shop, a tenants file pointing at it,
a throwaway raw store and warehouse, ranged runs like a single-run backfill."""

import hashlib
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import dagster as dg
import sqlalchemy as sa
import yaml

from platform_assets import clock as pipeline_clock
from platform_assets.definitions import ALL_ASSETS, ALL_CHECKS
from platform_assets.ground_truth import compare_with_ground_truth
from platform_assets.sources.registry import sources, warehouse_tables
from platform_assets.sources.shopify import tables as st
from platform_assets.tags import partition_range_tags
from platform_assets.tenants import TenantsResource
from platform_assets.warehouse import tables as t
from resources.raw_store import RawStoreResource
from resources.shopify.client import ShopifyClientResource
from resources.warehouse import WarehouseResource
from sandbox.shopify import registry
from sandbox.shopify.generator import build_shop
from sandbox.shopify.spec import ShopSpec

#: The platform of the sandbox shop every pipeline here runs on.
SANDBOX_PLATFORM = "shopify"
#: The Admin API version of the harness's tenant: more than 90 days from its retirement (2026-10-01) at
#: every test clock (2026-03 … 2026-06), so the ``api_version_ready`` check passes, and served by the
#: sandbox as itself with one bulk job per shop at a time (as before API 2026-01).
API_VERSION = "2025-10"
#: The other registered sources (the harness's tenants sell on Shopify only).
OTHER_SOURCES = [source for source in sources() if source.platform != SANDBOX_PLATFORM]
#: Their raw and staging assets, left out of every run: they would fetch nothing for a Shopify tenant and
#: only create their empty staging tables.
OTHER_SOURCE_ASSETS = dg.AssetSelection.assets(
    *(
        key
        for source in OTHER_SOURCES
        for asset in [*source.raw_assets, *source.staging_assets]
        for key in asset.keys
    )
)
# Snapshot tables, dead letters and the ingestion ledger record when they were taken, seen or staged,
# which differs between runs; the other sources' staging tables are not written.
CHECKSUM_TABLES = [
    spec.name
    for spec in warehouse_tables()
    if spec
    not in (st.STG_SHOPIFY_INVENTORY_LEVELS, st.STG_SHOPIFY_LOCATIONS, t.DLQ_RECORDS, t.STAGED_PARTITIONS)
    and all(spec not in source.staging_tables for source in OTHER_SOURCES)
]


def shopify_graph(selection=None):
    """``selection`` (every asset when None) without the other sources' raw and staging assets; a list
    of keys is left as it is."""
    if selection is None:
        return dg.AssetSelection.all() - OTHER_SOURCE_ASSETS
    if isinstance(selection, dg.AssetSelection):
        return selection - OTHER_SOURCE_ASSETS
    return selection


@dataclass
class Pipeline:
    """One tenant on one sandbox shop, with its own instance, raw store and warehouse."""

    tenant_id: str
    shop_name: str
    instance: dg.DagsterInstance
    resources: dict
    warehouse: WarehouseResource

    def materialise(
        self, start: date, end: date, selection=None, expect_success: bool = True, hold_file: bool = True
    ) -> dg.ExecuteInProcessResult:
        tags = partition_range_tags(
            f"{start.isoformat()}|{self.tenant_id}", f"{end.isoformat()}|{self.tenant_id}"
        )
        # One process runs every step here, so the DuckDB file stays open for the whole run (each step's
        # held() then joins the open database instead of opening and checkpointing the file again: a third
        # of a small run's CPU). The steps still open and close their own connections as deployed. With
        # ``hold_file=False`` the file is released between steps, as a deployment's runs do: for the tests
        # where other processes write the same file meanwhile (tests/pipeline/test_concurrency.py).
        with self.warehouse.held() if hold_file else nullcontext():
            result = dg.materialize(
                [*ALL_ASSETS, *ALL_CHECKS],
                instance=self.instance,
                resources=self.resources,
                tags=tags,
                selection=shopify_graph(selection),
                raise_on_error=expect_success,
            )
        assert result.success == expect_success
        return result

    def agg_daily_sales(self, start: date, end: date, *, platform: str) -> list[dict]:
        """The agg_daily_sales rows of one ``platform`` (the sandbox shop's: SANDBOX_PLATFORM), or the rows
        across platforms (t.ALL_PLATFORMS): one row a day, never both kinds mixed."""
        frame = self.warehouse.query(
            "SELECT * FROM agg_daily_sales WHERE tenant_id = :t AND platform = :p AND date BETWEEN :s AND :e "
            "ORDER BY date",
            {"t": self.tenant_id, "p": platform, "s": start, "e": end},
        )
        return frame.to_dict("records")

    def ground_truth_diffs(self, start: date, end: date) -> list[str]:
        """The sandbox shop's ground truth against its platform's rows."""
        truth = registry.get_shop(self.shop_name).ground_truth(start, end)
        rows = self.agg_daily_sales(start, end, platform=SANDBOX_PLATFORM)
        return compare_with_ground_truth(rows, truth, platform=SANDBOX_PLATFORM)

    def checksums(self) -> dict[str, str]:
        """A checksum of every warehouse table's content, independent of row order."""
        sums = {}
        with self.warehouse.transaction() as conn:
            for name in CHECKSUM_TABLES:
                if not sa.inspect(conn).has_table(name):
                    continue
                rows = conn.execute(sa.text(f"SELECT * FROM {name}")).fetchall()
                digest = hashlib.sha256()
                for line in sorted(repr(tuple(_normal(v) for v in row)) for row in rows):
                    digest.update(line.encode())
                sums[name] = f"{len(rows)}:{digest.hexdigest()[:16]}"
        return sums


def _normal(value):
    from decimal import Decimal

    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return value


def make_spec(name: str = "test-ny", **overrides) -> ShopSpec:
    values = dict(
        name=name,
        seed=7,
        timezone="America/New_York",
        currency="USD",
        orders_per_day=10,
        history_days=30,
        customers=40,
        products=6,
        plan="plus",
        access_token=f"shpat_test_{name.replace('-', '_')}",
    )
    values.update(overrides)
    return ShopSpec(**values)


def make_vat_spec(name: str = "test-vat", **overrides) -> ShopSpec:
    """A Berlin shop whose prices include VAT (19 %, 7 % on coffee), with discounts, refunds (many, so
    partial and shipping refunds come up) and orders presented in other currencies."""
    values = dict(
        timezone="Europe/Berlin",
        currency="EUR",
        presentment_currencies=["EUR", "USD", "CHF"],
        country_code="DE",
        catalog="coffee",
        taxes_included=True,
        refund_share=0.3,
        seed=11,
    )
    values.update(overrides)
    return make_spec(name, **values)


def make_pipeline(
    tmp_path: Path,
    monkeypatch,
    spec: ShopSpec,
    clock: datetime,
    start_date: date,
    warehouse_url: str | None = None,
    instance: dg.DagsterInstance | None = None,
    tenant_timezone: str | None = None,
    api: str = "rest",
) -> Pipeline:
    """A pipeline of one tenant on ``spec``'s shop, read through the Shopify Admin ``api`` (``rest``, which
    the tests written before GraphQL rely on: window splitting, REST faults and traps; or ``graphql``)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    shop = build_shop(spec, clock)
    registry.register(spec.name, shop)
    # The pipeline lives in the sandbox's world: its "now" is the shop clock, wherever a test moves it.
    monkeypatch.setattr(pipeline_clock, "clock", lambda: registry.get_shop(spec.name).clock)
    token_env = f"TEST_{spec.name.upper().replace('-', '_')}_TOKEN"
    monkeypatch.setenv(token_env, spec.access_token)
    tenant = {
        "id": spec.name,
        "name": spec.name,
        "start_date": start_date.isoformat(),
        "shopify": {
            "shop_url": f"sandbox://{spec.name}",
            "token_env": token_env,
            "api_version": API_VERSION,
            "api": api,
        },
    }
    if tenant_timezone:
        tenant["timezone"] = tenant_timezone
    tenants_file = tmp_path / "tenants.yaml"
    tenants_file.write_text(yaml.safe_dump({"tenants": [tenant]}))
    monkeypatch.setenv("STOREHOUSE_TENANTS_FILE", str(tenants_file))
    instance = instance or dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("tenant", [spec.name])
    warehouse = WarehouseResource(url=warehouse_url or f"duckdb:///{tmp_path / 'warehouse.duckdb'}")
    resources = {
        **{key: resource for source in OTHER_SOURCES for key, resource in source.resources.items()},
        "shopify": ShopifyClientResource(),
        "tenants": TenantsResource(tenants_file=str(tenants_file)),
        "raw_store": RawStoreResource(base_url=str(tmp_path / "raw")),
        "warehouse": warehouse,
    }
    return Pipeline(spec.name, spec.name, instance, resources, warehouse)
