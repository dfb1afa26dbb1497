"""One staging for two APIs: the same sandbox store fetched through the REST Admin API, through the
GraphQL Admin API paginated (four orders a page) and through one GraphQL bulk operation per entity
(``bulk_min_days=1``: the run's five days in one job), staged, modelled and aggregated. Every stg_shopify_*
table is compared row by row; they are identical except the columns only REST has (docs/shopify-graphql.md),
and every table above staging is identical, to the cent. A bulk job that fails on Shopify's side is run
again; one that fails for good fails the run with an error naming the job, and writes nothing."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pytest
import sqlalchemy as sa

from platform_assets.sources.shopify import tables as st
from resources.raw_store import RawStoreResource
from resources.shopify.client import ShopifyClientResource
from sandbox.shopify import registry

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


SPEC = make_vat_spec("rest-vs-gql", orders_per_day=8, history_days=12, customers=30, products=8)
#: How each pipeline reads the shop: (tenant api, Shopify client resource).
WAYS = {
    "rest": ("rest", ShopifyClientResource()),
    "graphql": ("graphql", ShopifyClientResource(bulk_min_days=0)),  # paginated, even for a first sync
    "bulk": ("graphql", ShopifyClientResource(bulk_min_days=1, bulk_poll_seconds=0.02)),
}
WINDOWED = ("orders", "customers", "products")


def _pipeline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, way: str) -> Pipeline:
    api, shopify = WAYS[way]
    pipeline = make_pipeline(tmp_path, monkeypatch, SPEC, CLOCK, START, api=api)
    pipeline.resources["shopify"] = shopify
    return pipeline


#: The result of each way's one run of the whole range (for its check evaluations).
FIRST_RUNS: dict[str, dg.ExecuteInProcessResult] = {}


@pytest.fixture(scope="module")
def all_ways(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Pipeline]:
    monkeypatch = pytest.MonkeyPatch()
    built = {}
    for way in WAYS:
        pipeline = _pipeline(tmp_path_factory.mktemp(way), monkeypatch, way)
        FIRST_RUNS[way] = pipeline.materialise(START, END)
        built[way] = pipeline
    yield built
    monkeypatch.undo()


@pytest.fixture(scope="module")
def pipelines(all_ways: dict[str, Pipeline]) -> tuple[Pipeline, Pipeline]:
    return all_ways["rest"], all_ways["graphql"]


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


def test_every_way_counts_the_same_orders_through_its_own_api(all_ways) -> None:
    """The source-count check passes for each way, over the same days; a GraphQL tenant counts with
    ``ordersCount``, never REST (``tests/resources/test_shopify_counts_and_changes.py``)."""
    found = {}
    for way, result in FIRST_RUNS.items():
        [evaluation] = [
            e for e in result.get_asset_check_evaluations() if e.check_name == "raw_orders_match_source_count"
        ]
        found[way] = (evaluation.passed, evaluation.metadata["partitions_compared"].value)
    assert found == {way: (True, len(_days())) for way in WAYS}


def _days() -> list[date]:
    return [START + timedelta(days=n) for n in range((END - START).days + 1)]


def test_bulk_partitions_and_staging_equal_paginated_and_rest(all_ways) -> None:
    via_rest, via_graphql, via_bulk = all_ways["rest"], all_ways["graphql"], all_ways["bulk"]
    paged: RawStoreResource = via_graphql.resources["raw_store"]
    bulk: RawStoreResource = via_bulk.resources["raw_store"]
    tenant = via_bulk.tenant_id
    for entity in WINDOWED:
        for day in _days():
            paged_records = list(paged.read_partition("shopify", entity, tenant, day))
            bulk_records = list(bulk.read_partition("shopify", entity, tenant, day))
            assert sorted(bulk_records, key=repr) == sorted(paged_records, key=repr), (entity, day)
    # Every staging table: identical to the paginated GraphQL path whole, and to REST but its own columns.
    for table in sorted(spec.name for spec in st.SHOPIFY_TABLES):
        assert _rows(via_bulk, table, set()) == _rows(via_graphql, table, set()), table
        leave_out = REST_ONLY_COLUMNS.get(table, set())
        assert _rows(via_bulk, table, leave_out) == _rows(via_rest, table, leave_out), table
    assert len(_rows(via_bulk, "stg_shopify_orders", set())) == 119
    assert len(_rows(via_bulk, "stg_shopify_refunds", set())) == 5
    above = [name for name in CHECKSUM_TABLES if not name.startswith("stg_shopify_")]
    bulk_sums, rest_sums = via_bulk.checksums(), via_rest.checksums()
    assert {name: bulk_sums.get(name) for name in above} == {name: rest_sums.get(name) for name in above}


def test_bulk_partitions_say_bulk_and_the_counts_reconcile(all_ways) -> None:
    via_bulk = all_ways["bulk"]
    store: RawStoreResource = via_bulk.resources["raw_store"]
    tenant = via_bulk.tenant_id
    paged: RawStoreResource = all_ways["graphql"].resources["raw_store"]
    jobs = registry.get_shop(via_bulk.shop_name).graphql.bulk.jobs
    assert len(jobs) == 3  # one job per windowed entity, for the whole five-day run
    for entity in WINDOWED:
        metas = [store.read_meta("shopify", entity, tenant, day) for day in _days()]
        assert {meta["fetched_by"] for meta in metas} == {"bulk"}
        assert {meta["api"] for meta in metas} == {"graphql"}
        assert len({meta["bulk_job_id"] for meta in metas}) == 1
        job_id = metas[0]["bulk_job_id"]
        job = next(job for job in jobs if job.gid == job_id)
        # The tenant starts on START: its first day takes everything updated before, so every root the
        # job read is in one of the five partitions.
        assert metas[0]["bulk_root_object_count"] == job.roots == sum(meta["records"] for meta in metas)
        assert metas[0]["bulk_object_count"] == job.objects >= job.roots
        paged_metas = [paged.read_meta("shopify", entity, tenant, day) for day in _days()]
        window = ("updated_at_min", "updated_at_max", "timezone")
        assert [[m[k] for k in window] for m in metas] == [[m[k] for k in window] for m in paged_metas]
        # The load's state and work files are gone once every day is written.
        work = store.work_folder("shopify", entity, tenant)
        assert not work.exists() or list(work.iterdir()) == []
    assert "fetched_by" not in paged.read_meta("shopify", "orders", tenant, END)


@pytest.mark.parametrize("fault", ["fail", "access_denied"])
def test_a_planted_bulk_failure_is_run_again_or_named(
    fault: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pipeline = _pipeline(tmp_path, monkeypatch, "bulk")
    shop = registry.get_shop(pipeline.shop_name)
    shop.graphql.plant_bulk_fault(fault, after_objects=5)
    store: RawStoreResource = pipeline.resources["raw_store"]
    orders = dg.AssetSelection.assets("raw_shopify_orders")
    if fault == "fail":  # INTERNAL_SERVER_ERROR: Shopify's side broke, the query is run again
        pipeline.materialise(START, END, selection=orders)
        bulk = shop.graphql.bulk
        statuses = [(bulk.status(job)["status"], bulk.status(job)["errorCode"]) for job in bulk.jobs]
        assert statuses == [("FAILED", "INTERNAL_SERVER_ERROR"), ("COMPLETED", None)]
        metas = [store.read_meta("shopify", "orders", pipeline.tenant_id, day) for day in _days()]
        assert {meta["bulk_job_id"] for meta in metas} == {shop.graphql.bulk.jobs[1].gid}
        assert sum(meta["records"] for meta in metas) == shop.graphql.bulk.jobs[1].roots
        return
    result = pipeline.materialise(START, END, selection=orders, expect_success=False)
    failures = [event for event in result.all_events if event.event_type_value == "STEP_FAILURE"]
    message = failures[0].step_failure_data.error.to_string()  # the error with its causes
    job = shop.graphql.bulk.jobs[0]
    assert (
        f"BulkAccessDenied: bulk job {job.gid} ended FAILED with error ACCESS_DENIED: the access token of "
        f"tenant {pipeline.tenant_id!r} may not read orders in bulk; the app needs the scopes read_orders, "
        "read_all_orders (grant them in the shop's app settings, then run again)"
    ) in message
    assert not any(store.exists("shopify", "orders", pipeline.tenant_id, day) for day in _days())


def test_a_run_killed_while_writing_the_days_resumes_the_same_job(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pipeline = _pipeline(tmp_path, monkeypatch, "bulk")
    jobs = registry.get_shop(pipeline.shop_name).graphql.bulk.jobs
    store: RawStoreResource = pipeline.resources["raw_store"]
    tenant = pipeline.tenant_id
    orders = dg.AssetSelection.assets("raw_shopify_orders")
    days: list[date] = []

    def dies_on_the_third_day(write):  # a day's records (pre-compressed) or an empty day: either write
        def planted(self: RawStoreResource, *args, **kwargs):
            days.append(args[3])
            if len(days) == 3:
                raise OSError("planted: the disk filled up")
            return write(self, *args, **kwargs)

        return planted

    writes = ("write_partition", "write_compressed_partition")
    with monkeypatch.context() as patched:
        for name in writes:
            patched.setattr(RawStoreResource, name, dies_on_the_third_day(getattr(RawStoreResource, name)))
        pipeline.materialise(START, END, selection=orders, expect_success=False)
    folder = store.work_folder("shopify", "orders", tenant) / f"bulk-{START.isoformat()}-{END.isoformat()}"
    state = json.loads((folder / "state.json").read_text())
    assert days == _days()[:3] and len(jobs) == 1
    assert (state["phase"], state["job_id"]) == ("downloaded", jobs[0].gid)

    result = pipeline.materialise(START, END, selection=orders)
    assert len(jobs) == 1  # the same job, stored again from its downloaded file; never a second one
    bulk = result.asset_materializations_for_node("raw_shopify_orders")[0].metadata["bulk"].value
    assert bulk[tenant]["job_id"] == jobs[0].gid and bulk[tenant]["resumed"] is True
    assert bulk[tenant]["records_written"] == bulk[tenant]["root_object_count"] == jobs[0].roots
    metas = [store.read_meta("shopify", "orders", tenant, day) for day in _days()]
    assert {meta["bulk_job_id"] for meta in metas} == {jobs[0].gid}
    assert sum(meta["records"] for meta in metas) == jobs[0].roots
    assert not folder.exists()
