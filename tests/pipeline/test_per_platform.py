"""One seam for every source: a source rewrites only its own rows of the platform-neutral tables. A second
platform's conformed rows and dead letters for the same tenant and day survive Shopify's rewrite, and
Shopify's dead-letter check does not count them. The core reads locations from the conformed layer."""

from datetime import date, datetime

import dagster as dg
import pytest
import sqlalchemy as sa

from platform_assets.warehouse import tables as t
from tests.pipeline.harness import make_pipeline, make_spec
from tests.pipeline.test_checks import RAW
from tests.pipeline.test_whole_graph import CLOCK, END, START

DAY = date(2026, 5, 20)
OTHER = "woocommerce"
CONFORMED = [t.STG_ORDERS, t.STG_ORDER_LINES, t.STG_REFUNDS, t.STG_CUSTOMERS, t.STG_PRODUCTS, t.STG_LOCATIONS]
#: Shopify's conformed assets, with the staging they are built from (a staging multi-asset runs whole).
SHOPIFY_CONFORMED = dg.AssetSelection.assets(*(spec.name for spec in CONFORMED)).upstream() - RAW
#: dim_location of the sandbox shop test-ny (make_spec()) after the whole graph ran START..END on main,
#: before locations went through the conformed stg_locations: the newest snapshot is END's.
TEST_NY_LOCATIONS = [
    ("test-ny", "shopify", "61000007011", "Brooklyn Warehouse", "Brooklyn", "New York", "US", True, END),
    ("test-ny", "shopify", "61000007022", "SoHo Store", "New York", "New York", "US", True, END),
]
OTHER_DEAD_LETTERS = [
    ("test-ny", OTHER, "orders", DAY, f"wc-{n}", "total is not an amount: 'x'", f"{n:064x}", "{}")
    for n in range(1, 4)
]
SEEN = datetime(2026, 5, 21, 3, 0)


def test_dim_location_reads_the_conformed_locations_and_equals_its_content_before(tmp_path, monkeypatch):
    pipeline = make_pipeline(tmp_path, monkeypatch, make_spec(), CLOCK, START)
    locations = dg.AssetSelection.assets("dim_location").upstream()
    pipeline.materialise(date(2026, 5, 29), END, selection=locations)

    rows = pipeline.warehouse.query("SELECT * FROM dim_location ORDER BY location_id")
    assert [tuple(r) for r in rows.itertuples(index=False)] == TEST_NY_LOCATIONS
    conformed = pipeline.warehouse.query(
        "SELECT platform, partition_date, COUNT(*) AS n FROM stg_locations "
        "GROUP BY platform, partition_date ORDER BY partition_date"
    )
    assert conformed.to_dict("records") == [
        {"platform": "shopify", "partition_date": day, "n": 2}
        for day in (date(2026, 5, 29), date(2026, 5, 30), END)
    ]


def _other_platform_rows(conn: sa.Connection) -> dict[str, list[tuple]]:
    found = {}
    for spec in [*CONFORMED, t.DLQ_RECORDS]:
        table = spec.sqlalchemy_table()
        query = sa.select(table).where(table.c.platform == OTHER)
        found[spec.name] = sorted(tuple(map(str, row)) for row in conn.execute(query))
    return found


@pytest.fixture(params=["duckdb", pytest.param("postgresql", marks=pytest.mark.postgres)])
def two_platforms(request, tmp_path, monkeypatch):
    """test-ny's DAY staged from Shopify, then a copy of its conformed rows under another platform and
    three of that platform's order dead letters (more than Shopify staged would make the check fail)."""
    url = request.getfixturevalue("pg_database") if request.param == "postgresql" else None
    pipeline = make_pipeline(tmp_path, monkeypatch, make_spec(), CLOCK, START, warehouse_url=url)
    pipeline.materialise(DAY, DAY, selection=SHOPIFY_CONFORMED | RAW)
    with pipeline.warehouse.transaction() as conn:
        for spec in CONFORMED:
            table = spec.sqlalchemy_table()
            columns = [sa.literal(OTHER).label(c.name) if c.name == "platform" else c for c in table.c]
            copied = sa.select(*columns).where(table.c.platform == "shopify", table.c.partition_date == DAY)
            conn.execute(sa.insert(table).from_select(list(table.c.keys()), copied))
        pipeline.warehouse.insert_rows(conn, t.DLQ_RECORDS, [(*r, SEEN, SEEN) for r in OTHER_DEAD_LETTERS])
        before = _other_platform_rows(conn)
    return pipeline, before


def test_a_second_platforms_rows_survive_a_shopify_rewrite_of_the_same_day(two_platforms):
    pipeline, before = two_platforms
    assert {name: len(rows) for name, rows in before.items()} == {
        "stg_orders": 11,
        "stg_order_lines": 17,
        "stg_refunds": 3,
        "stg_customers": 1,
        "stg_products": 1,
        "stg_locations": 2,
        "dlq_records": 3,
    }
    shopify_before = pipeline.checksums()

    result = pipeline.materialise(DAY, DAY, selection=SHOPIFY_CONFORMED)

    with pipeline.warehouse.transaction() as conn:
        assert _other_platform_rows(conn) == before
    assert pipeline.checksums() == shopify_before, "Shopify's own rows are rewritten identically"
    (check,) = [e for e in result.get_asset_check_evaluations() if e.check_name == "orders_dead_letters"]
    assert check.passed, "Shopify's check does not count another platform's dead letters"
    assert check.metadata["dead_letters"].value == 0
