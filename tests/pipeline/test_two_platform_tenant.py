"""demo-ny on both of its platforms, end to end: one tenant connected to a Shopify sandbox shop (a small
demo-ny) and a WooCommerce sandbox site (a small demo-ny-wholesale sharing its customers and SKUs), the whole
graph materialised for a few days in one ranged run. The warehouse's shopify, woocommerce and 'all' rows of
agg_daily_sales equal the ground truth spanning both sandboxes (sandbox/demo_world.py, reached through the
product's simulator seam) to the cent; a person who bought on both platforms on one day is one customer on
the 'all' row and one dim_customer row whose platform is their first order's; a second run changes
nothing."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import datetime, time, timedelta
from decimal import Decimal

import dagster as dg
import sqlalchemy as sa
import yaml

from platform_assets import clock as pipeline_clock
from platform_assets.cli import _check_with_ground_truth
from platform_assets.definitions import ALL_ASSETS, ALL_CHECKS
from platform_assets.ground_truth import compare_with_ground_truth
from platform_assets.simulators import tenant_ground_truth
from platform_assets.sources.registry import sources, warehouse_tables
from platform_assets.tags import partition_range_tags
from platform_assets.tenants import TenantsResource, load_tenants
from platform_assets.warehouse import tables as t
from resources.raw_store import RawStoreResource
from resources.warehouse import WarehouseResource
from sandbox.demo_world import shopify_facts, woocommerce_facts
from sandbox.shopify import registry as shops
from sandbox.shopify.generator import build_shop
from sandbox.shopify.presets import PRESETS as SHOPIFY_PRESETS
from sandbox.woocommerce import registry as sites
from sandbox.woocommerce.generator import build_site
from sandbox.woocommerce.presets import PRESETS as WOO_PRESETS

TENANT = "t-demo-ny"
SHOP, SITE = "t-demo-ny", "t-demo-ny-wholesale"
#: A small demo-ny: the preset's seed, catalogue, timezone and currency; fewer days, orders and customers.
SHOPIFY_SPEC = replace(
    SHOPIFY_PRESETS["demo-ny"], name=SHOP, orders_per_day=8.0, history_days=12, customers=40, defects=[]
)
CLOCK = datetime.combine(datetime(2026, 6, 1).date(), time(0), tzinfo=SHOPIFY_SPEC.zone)
START, END = CLOCK.date() - timedelta(days=5), CLOCK.date() - timedelta(days=1)
#: Snapshot tables, dead letters and the ledger say when they were taken, seen or staged.
UNSTABLE = {
    t.DLQ_RECORDS.name,
    t.STAGED_PARTITIONS.name,
    "stg_shopify_inventory_levels",
    "stg_shopify_locations",
}


def _wholesale_spec():
    """A small demo-ny-wholesale sharing with the small shop: its heaviest buyers' e-mails (they buy on
    Shopify almost daily, so some buy on both platforms on one day) and some of its SKUs."""
    shop = shops.get_shop(SHOP)
    heaviest = sorted(
        (c for c in shop.people.customers if c.weight > 0 and c.person.email), key=lambda c: -c.weight
    )
    skus = [v.base_sku for v in shop.catalog.variants if v.base_sku][:3]
    return replace(
        WOO_PRESETS["demo-ny-wholesale"],
        name=SITE,
        orders_per_day=4,
        history_days=12,
        customers=10,
        products=6,
        guest_share=0.05,
        reuse_emails=tuple(c.person.email for c in heaviest[:5]),
        reuse_skus=tuple(skus),
        defects=(),
    )


def _checksums(warehouse: WarehouseResource) -> dict[str, str]:
    sums = {}
    with warehouse.transaction() as conn:
        for spec in warehouse_tables():
            if spec.name in UNSTABLE or not sa.inspect(conn).has_table(spec.name):
                continue
            rows = conn.execute(sa.select(spec.sqlalchemy_table())).fetchall()
            digest = hashlib.sha256()
            for line in sorted(
                repr(tuple(format(v.normalize(), "f") if isinstance(v, Decimal) else v for v in r))
                for r in rows
            ):
                digest.update(line.encode())
            sums[spec.name] = f"{len(rows)}:{digest.hexdigest()[:16]}"
    return sums


def test_demo_ny_on_shopify_and_woocommerce_equals_the_spanning_ground_truth(tmp_path, monkeypatch, capsys):
    shops.register(SHOP, build_shop(SHOPIFY_SPEC, CLOCK))
    try:
        site_spec = _wholesale_spec()
        sites.register(SITE, build_site(site_spec, CLOCK))
        monkeypatch.setattr(pipeline_clock, "clock", lambda: shops.get_shop(SHOP).clock)
        monkeypatch.setenv("T_NY_SHOPIFY_TOKEN", SHOPIFY_SPEC.access_token)
        monkeypatch.setenv("T_NY_WOO_KEY", site_spec.consumer_key)
        monkeypatch.setenv("T_NY_WOO_SECRET", site_spec.consumer_secret)
        urls = {"shopify": f"sandbox://{SHOP}", "woocommerce": f"woosandbox://{SITE}"}
        tenant = {
            "id": TENANT,
            "name": "Demo Outdoor Supply (test)",
            # the first partition of the run takes every order before it: the whole history is ingested
            "start_date": START.isoformat(),
            "connections": {
                "shopify": {"shop_url": urls["shopify"], "token_env": "T_NY_SHOPIFY_TOKEN", "api": "rest"},
                "woocommerce": {
                    "site_url": urls["woocommerce"],
                    "consumer_key_env": "T_NY_WOO_KEY",
                    "consumer_secret_env": "T_NY_WOO_SECRET",
                },
            },
        }
        tenants_file = tmp_path / "tenants.yaml"
        tenants_file.write_text(yaml.safe_dump({"tenants": [tenant]}))
        monkeypatch.setenv("STOREHOUSE_TENANTS_FILE", str(tenants_file))
        instance = dg.DagsterInstance.ephemeral()
        instance.add_dynamic_partitions("tenant", [TENANT])
        warehouse = WarehouseResource(url=f"duckdb:///{tmp_path / 'warehouse.duckdb'}")
        resources = {
            **{key: resource for source in sources() for key, resource in source.resources.items()},
            "tenants": TenantsResource(tenants_file=str(tenants_file)),
            "raw_store": RawStoreResource(base_url=str(tmp_path / "raw")),
            "warehouse": warehouse,
        }

        def materialise() -> None:
            tags = partition_range_tags(f"{START.isoformat()}|{TENANT}", f"{END.isoformat()}|{TENANT}")
            with warehouse.held():  # the file open for the whole run, as tests/pipeline/harness.py says
                result = dg.materialize(
                    [*ALL_ASSETS, *ALL_CHECKS], instance=instance, resources=resources, tags=tags
                )
            assert result.success

        materialise()
        rows = warehouse.query(
            "SELECT * FROM agg_daily_sales WHERE tenant_id = :t AND date BETWEEN :s AND :e ORDER BY date",
            {"t": TENANT, "s": START, "e": END},
        ).to_dict("records")
        truth = tenant_ground_truth(urls, START, END)  # through the product's seam
        assert truth is not None
        for platform in ("shopify", "woocommerce", t.ALL_PLATFORMS):
            mine = [row for row in truth if row["platform"] == platform]
            assert len(mine) == 5, platform  # every day has sales on both platforms
            assert compare_with_ground_truth(rows, mine, platform=platform) == [], platform

        # Not vacuous: the 'all' row is the sum of the platforms' money, not of their customers.
        by = {(row["date"], row["platform"]): row for row in rows}
        shopify, woo = (
            shopify_facts(shops.get_shop(SHOP), START, END),
            woocommerce_facts(sites.get_site(SITE), START, END),
        )
        same_day = {(o.day, o.person) for o in shopify.orders if o.person and START <= o.day <= END} & {
            (o.day, o.person) for o in woo.orders if o.person
        }
        assert same_day, "a person buys on both platforms on one day"
        for day, _ in same_day:
            everyone = by[(day, t.ALL_PLATFORMS)]
            assert (
                everyone["customers"]
                < by[(day, "shopify")]["customers"] + by[(day, "woocommerce")]["customers"]
            )
            assert Decimal(str(everyone["gross_sales"])) == Decimal(
                str(by[(day, "shopify")]["gross_sales"])
            ) + Decimal(str(by[(day, "woocommerce")]["gross_sales"]))
        # Their one dim_customer row's platform is their first order's, across both sandboxes.
        first: dict[str, tuple] = {}
        for o in shopify.orders + woo.orders:
            if o.person and (o.person not in first or (o.day, o.at) < first[o.person][:2]):
                first[o.person] = (o.day, o.at, o.platform)
        people = {who for _, who in same_day}
        dim = warehouse.query(
            "SELECT customer_key, platform FROM dim_customer WHERE tenant_id = :t", {"t": TENANT}
        ).to_dict("records")
        for who in people:
            assert [row["platform"] for row in dim if row["customer_key"] == who] == [first[who][2]]
        # The WooCommerce rows carry wholesale fees (inside gross sales and discounts) and shared SKUs.
        fees = warehouse.query(
            "SELECT COUNT(*) AS n FROM stg_woocommerce_fee_lines WHERE tenant_id = :t", {"t": TENANT}
        )
        assert fees["n"][0] > 0

        # What `storehouse demo` prints for the tenant: a verdict per platform and one for the total.
        frame = warehouse.query(
            "SELECT * FROM agg_daily_sales WHERE tenant_id = :t AND date BETWEEN :s AND :e ORDER BY date",
            {"t": TENANT, "s": START, "e": END},
        )
        capsys.readouterr()
        assert _check_with_ground_truth(load_tenants(tenants_file)[TENANT], frame, START, END) == 0
        verdicts = capsys.readouterr().out.splitlines()
        assert verdicts == [
            f"→ {platform}: 5 days; every figure equals the cross-platform ground truth ({platform} rows)"
            for platform in ("shopify", "woocommerce", "all")
        ]
        everyone = frame["platform"] == t.ALL_PLATFORMS
        frame.loc[everyone & (frame["date"] == frame["date"].min()), "customers"] += 1
        assert _check_with_ground_truth(load_tenants(tenants_file)[TENANT], frame, START, END) == 1
        assert (
            "→ all: 5 days; 1 figure differs from the cross-platform ground truth (all rows)"
            in capsys.readouterr().out
        )

        before = _checksums(warehouse)
        materialise()
        assert _checksums(warehouse) == before
    finally:
        shops.unregister(SHOP)
        sites.unregister(SITE)
