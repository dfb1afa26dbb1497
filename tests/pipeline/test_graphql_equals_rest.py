"""One staging for two APIs: the same sandbox store fetched through the REST Admin API and through the
GraphQL Admin API (paginated: four orders a page), staged, modelled and aggregated. Every stg_shopify_*
table is compared row by row; they are identical except the columns only REST has (docs/shopify-graphql.md),
and every table above staging is identical, to the cent."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import dagster as dg
import pytest
import sqlalchemy as sa

from platform_assets.sources.shopify import tables as st
from resources.raw_store import RawStoreResource

from .harness import CHECKSUM_TABLES, Pipeline, make_pipeline, make_vat_spec

CLOCK = datetime(2026, 3, 10, 6, 0, tzinfo=ZoneInfo("Europe/Berlin"))
START, END = date(2026, 3, 5), date(2026, 3, 9)
#: Columns only the REST Admin API fills (NULL for a GraphQL tenant), as docs/shopify-graphql.md lists.
REST_ONLY_COLUMNS = {
    "stg_shopify_refunds": {"processed_at"},
    "stg_shopify_order_adjustments": {"reason"},
    "stg_shopify_customers": {"currency"},
    "stg_shopify_product_variants": {"option1", "option2", "option3"},
}


def _rows(pipeline: Pipeline, table: str, leave_out: set[str]) -> list[tuple]:
    with pipeline.warehouse.transaction() as conn:
        result = conn.execute(sa.text(f"SELECT * FROM {table}"))  # noqa: S608 - a table name of ours
        columns = list(result.keys())
        keep = [i for i, name in enumerate(columns) if name not in leave_out]
        return sorted((tuple(row[i] for i in keep) for row in result.fetchall()), key=repr)


def _null_share(pipeline: Pipeline, table: str, column: str) -> tuple[int, int]:
    with pipeline.warehouse.transaction() as conn:
        total, nulls = conn.execute(
            sa.text(f"SELECT COUNT(*), COUNT(*) - COUNT({column}) FROM {table}")  # noqa: S608
        ).one()
    return total, nulls


@pytest.fixture(scope="module")
def pipelines(tmp_path_factory: pytest.TempPathFactory) -> tuple[Pipeline, Pipeline]:
    monkeypatch = pytest.MonkeyPatch()
    spec = make_vat_spec("rest-vs-gql", orders_per_day=8, history_days=12, customers=30, products=8)
    built = []
    for api in ("rest", "graphql"):
        pipeline = make_pipeline(tmp_path_factory.mktemp(api), monkeypatch, spec, CLOCK, START, api=api)
        pipeline.materialise(START, END)
        built.append(pipeline)
    yield built[0], built[1]
    monkeypatch.undo()


def test_every_staging_table_is_identical_but_the_rest_only_columns(pipelines) -> None:
    via_rest, via_graphql = pipelines
    staged = {spec.name for spec in st.SHOPIFY_TABLES}
    counts = {}
    for table in sorted(staged):
        leave_out = REST_ONLY_COLUMNS.get(table, set())
        rest_rows, graphql_rows = _rows(via_rest, table, leave_out), _rows(via_graphql, table, leave_out)
        assert graphql_rows == rest_rows, table
        counts[table] = len(rest_rows)
    # The store's five days, staged alike: orders with their lines, taxes, discounts and refunds.
    assert counts == {
        "stg_shopify_customer_addresses": 15,
        "stg_shopify_customer_tags": 15,
        "stg_shopify_customers": 15,
        "stg_shopify_discount_allocations": 30,
        "stg_shopify_discount_codes": 22,
        "stg_shopify_inventory_levels": 120,
        "stg_shopify_locations": 10,
        "stg_shopify_order_adjustments": 2,
        "stg_shopify_order_lines": 208,
        "stg_shopify_order_tags": 28,
        "stg_shopify_orders": 119,
        "stg_shopify_product_tags": 16,
        "stg_shopify_product_variants": 15,
        "stg_shopify_products": 8,
        "stg_shopify_refund_lines": 7,
        "stg_shopify_refunds": 5,
        "stg_shopify_shipping_lines": 107,
        "stg_shopify_tax_lines": 263,
    }
    for table, columns in REST_ONLY_COLUMNS.items():
        for column in columns - {"option2", "option3"}:
            total, nulls = _null_share(via_graphql, table, column)
            assert total > 0 and nulls == total, (table, column)
            assert _null_share(via_rest, table, column)[1] < total, (table, column)


def test_every_table_above_staging_is_identical(pipelines) -> None:
    via_rest, via_graphql = pipelines
    rest_sums, graphql_sums = via_rest.checksums(), via_graphql.checksums()
    above = [name for name in CHECKSUM_TABLES if not name.startswith("stg_shopify_")]
    assert "fact_orders" in above and "agg_daily_sales" in above
    assert {name: graphql_sums.get(name) for name in above} == {name: rest_sums.get(name) for name in above}
    rows = via_graphql.agg_daily_sales(START, END, platform="shopify")
    assert len(rows) == 5 and sum(Decimal(str(row["net_sales"])) for row in rows) > 0


def test_graphql_partitions_hold_rest_records_and_say_which_api(pipelines) -> None:
    via_rest, via_graphql = pipelines
    for pipeline, api in ((via_rest, "rest"), (via_graphql, "graphql")):
        store: RawStoreResource = pipeline.resources["raw_store"]
        for entity in ("orders", "customers", "products", "shop", "locations", "inventory_levels"):
            meta = store.read_meta("shopify", entity, pipeline.tenant_id, END)
            assert meta["api"] == api, (entity, meta)
            event = pipeline.instance.get_latest_materialization_event(dg.AssetKey(f"raw_shopify_{entity}"))
            assert event is not None and event.asset_materialization is not None
            assert event.asset_materialization.metadata["api"].value == {pipeline.tenant_id: api}
    store = via_graphql.resources["raw_store"]
    orders = list(store.read_partition("shopify", "orders", via_graphql.tenant_id, START))
    assert orders and all(isinstance(order["id"], int) for order in orders)
    assert all(order["admin_graphql_api_id"] == f"gid://shopify/Order/{order['id']}" for order in orders)
