"""Recording and applying orders deleted at the source on a small warehouse: the rows of a deleted order
leave every order table, other orders stay, the first detection of an id wins, and a partition staged
again cannot bring a deleted order back. Also the id-set window and when its finding is believed."""

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from platform_assets.ingest.runs import TenantDays
from platform_assets.sources.shopify import deletions as shopify_deletions
from platform_assets.sources.shopify.staging_assets import ORDER_TABLES
from platform_assets.sources.shopify.tables import STG_SHOPIFY_ORDERS
from platform_assets.staging.deletions import (
    DELETION_TABLES,
    Deletion,
    purge_deleted,
    record_deletions,
    warehouse_order_ids,
)
from platform_assets.tenants import Tenant
from platform_assets.warehouse import tables as t
from resources.shopify.deletions import OrderDeletion
from resources.warehouse import WarehouseResource

TENANT, PLATFORM = "acme", "shopify"
NY = ZoneInfo("America/New_York")
D1, D2, D3 = date(2026, 5, 1), date(2026, 5, 2), date(2026, 5, 3)
RECORDED = datetime(2026, 5, 3, 12, 0, tzinfo=UTC)


#: A value of each type for the required columns a test row leaves out.
FILLER = {"text": "USD", "bigint": 0, "int": 0, "bool": False, "date": D1, "timestamp": datetime(2026, 5, 1)}


def _insert(conn, spec, values: list[dict]) -> None:
    def filled(row: dict) -> dict:
        return {
            c.name: row.get(c.name, None if c.nullable else FILLER.get(c.type, Decimal(0)))
            for c in spec.columns
        }

    conn.execute(sa.insert(spec.table), [filled(row) for row in values])


@pytest.fixture
def warehouse(tmp_path) -> WarehouseResource:
    """Orders 1 (day 1, staged on days 1 and 2), 2 (day 2) and 3 (day 2, another tenant's) in the Shopify
    staging, conformed and fact tables (only the columns these rules read)."""
    warehouse = WarehouseResource(url=f"duckdb:///{tmp_path / 'w.duckdb'}")
    warehouse.ensure_tables([*DELETION_TABLES, *ORDER_TABLES])
    staged = [(TENANT, 1, D1), (TENANT, 1, D2), (TENANT, 2, D2), ("other", 3, D2)]
    with warehouse.transaction() as conn:
        _insert(
            conn,
            STG_SHOPIFY_ORDERS,
            [
                {
                    "tenant_id": tn,
                    "partition_date": day,
                    "order_id": order,
                    "created_at": datetime(2026, 5, 1),
                    "updated_at": datetime(2026, 5, 1),
                    "processed_at": datetime(2026, 5, 1),
                    "business_date": D1,
                    "currency": "USD",
                    "is_test": False,
                }
                for tn, order, day in staged
            ],
        )
        _insert(
            conn,
            t.STG_ORDERS,
            [
                {
                    "tenant_id": tn,
                    "platform": PLATFORM,
                    "partition_date": day,
                    "order_id": str(order),
                    "customer_key": f"c{order}",
                    "business_date": D1 if order == 1 else D2,
                    "updated_at": datetime(2026, 5, day.day),
                }
                for tn, order, day in staged
            ],
        )
        _insert(
            conn,
            t.FACT_ORDERS,
            [
                {
                    "tenant_id": tn,
                    "platform": PLATFORM,
                    "order_id": str(order),
                    "customer_key": f"c{order}",
                    "business_date": D1 if order == 1 else D2,
                }
                for tn, order in ((TENANT, 1), (TENANT, 2), ("other", 3))
            ],
        )
    return warehouse


def _ids(warehouse, table: str) -> list[tuple]:
    rows = sa.table(table, sa.column("tenant_id"), sa.column("order_id"))
    with warehouse.transaction() as conn:
        return sorted(tuple(r) for r in conn.execute(sa.select(rows.c.tenant_id, rows.c.order_id)))


def _record(warehouse, deletions, detected_on=D3):
    with warehouse.transaction() as conn:
        new = record_deletions(
            conn,
            warehouse,
            tenant_id=TENANT,
            platform=PLATFORM,
            deletions=deletions,
            detected_on=detected_on,
            recorded_at=RECORDED,
        )
        purged = purge_deleted(
            conn,
            tenant_id=TENANT,
            platform=PLATFORM,
            source_tables=ORDER_TABLES,
            start=detected_on,
            end=detected_on,
        )
    return new, purged


def test_a_deleted_order_leaves_every_order_table_and_is_recorded_once(warehouse):
    deleted_at = datetime(2026, 5, 3, 9, 30, tzinfo=UTC)
    new, purged = _record(warehouse, [Deletion("1", deleted_at, "event"), Deletion("1", None, "id_set")])
    assert new == [Deletion("1", deleted_at, "event")]
    assert purged == {"stg_shopify_orders": 2, "stg_orders": 2, "fact_orders": 1}
    assert _ids(warehouse, "stg_shopify_orders") == [("acme", 2), ("other", 3)]
    assert _ids(warehouse, "stg_orders") == _ids(warehouse, "fact_orders") == [("acme", "2"), ("other", "3")]
    with warehouse.transaction() as conn:
        rows = conn.execute(sa.select(t.SOURCE_DELETIONS.table)).fetchall()
    assert [tuple(r) for r in rows] == [
        (
            "acme",
            "shopify",
            "order",
            "1",
            D1,
            "c1",
            datetime(2026, 5, 3, 9, 30),
            "event",
            D3,
            datetime(2026, 5, 3, 12, 0),
        ),
    ]
    # Again, and found by the id set too: nothing new is recorded, nothing left to purge.
    assert _record(warehouse, [Deletion("1", None, "id_set")]) == ([], {})


def test_a_partition_staged_again_cannot_bring_a_deleted_order_back(warehouse):
    _record(warehouse, [Deletion("1", None, "id_set")])
    with warehouse.transaction() as conn:  # day 2 staged again from its raw file, order 1 in it
        _insert(
            conn,
            t.STG_ORDERS,
            [
                {
                    "tenant_id": TENANT,
                    "platform": PLATFORM,
                    "partition_date": D2,
                    "order_id": "1",
                    "business_date": D1,
                }
            ],
        )
        purged = purge_deleted(
            conn, tenant_id=TENANT, platform=PLATFORM, source_tables=ORDER_TABLES, start=D2, end=D2
        )
        assert warehouse_order_ids(conn, TENANT, PLATFORM, D1, D3) == {"2"}
    assert purged == {"stg_orders": 1}


def test_a_deletion_names_what_is_wrong():
    with pytest.raises(ValueError, match="detected_by must be one of"):
        Deletion("1", None, "guess")
    with pytest.raises(ValueError, match="deleted_at of order 7 must be timezone-aware"):
        Deletion("7", datetime(2026, 5, 1), "event")


def test_the_id_set_window_and_when_its_finding_is_believed(monkeypatch):
    monkeypatch.setenv("STOREHOUSE_RESTATEMENT_DAYS", "3")
    assert shopify_deletions.id_set_days(D3, D3, D1, D3) == (D1, D3)  # not before the start date
    assert shopify_deletions.id_set_days(date(2026, 5, 20), date(2026, 5, 21), D1, date(2026, 5, 20)) == (
        date(2026, 5, 16),
        date(2026, 5, 20),
    )
    assert shopify_deletions.believed(10, 10) and shopify_deletions.believed(50, 100)
    assert not shopify_deletions.believed(11, 20) and not shopify_deletions.believed(51, 100)


class FakeShop:
    """The shop as the deletion asset reads it: order 1's deletion event, the ids it lists for the window
    (``listed``), and the orders it still holds when asked one by one (``held``)."""

    def __init__(self, listed: set[int], held: set[int]) -> None:
        self.listed, self.held, self.asked = listed, held, []

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        return None

    def get_shop(self) -> dict:
        return {"iana_timezone": "America/New_York"}

    def iter_order_deletions(self, low, high):
        assert low is None and high == datetime(2026, 5, 3, 23, 59, 59, tzinfo=NY)
        return iter([[OrderDeletion(1, datetime(2026, 5, 3, 10, 0, tzinfo=UTC))]])

    def list_order_ids(self, start, end) -> set[int]:
        assert (start, end) == (datetime(2026, 5, 1, tzinfo=NY), datetime(2026, 5, 3, 23, 59, 59, tzinfo=NY))
        return self.listed

    def order_exists(self, order_id: int) -> bool:
        self.asked.append(order_id)
        return order_id in self.held


def _find(warehouse, monkeypatch, shop: FakeShop, held_ids: range):
    """Orders ``held_ids`` in fact_orders on 1 May; the asset's work for the tenant's days 1 … 3 May."""
    with warehouse.transaction() as conn:
        _insert(
            conn,
            t.FACT_ORDERS,
            [
                {"tenant_id": "ny", "platform": PLATFORM, "order_id": str(i), "business_date": D1}
                for i in held_ids
            ],
        )
    monkeypatch.setattr(shopify_deletions, "client_for", lambda shopify, tenant: shop)
    tenant = Tenant(id="ny", name="ny", start_date=D1)
    now = datetime(2026, 5, 4, 1, 0, tzinfo=NY)
    return shopify_deletions._range(None, warehouse, TenantDays(tenant, [D1, D2, D3]), D1, D3, now)


def _recorded(warehouse) -> list[tuple]:
    table = t.SOURCE_DELETIONS.table
    with warehouse.transaction() as conn:
        rows = conn.execute(sa.select(table.c.source_id, table.c.detected_by, table.c.detected_on))
        return sorted(tuple(row) for row in rows)


def test_an_id_set_finding_is_confirmed_order_by_order_before_it_is_recorded(warehouse, monkeypatch):
    """Orders 1 … 6 in the warehouse; the shop lists 2 and 5. Order 1's deletion is an event; 3 and 6 are
    gone (404); 4 is still there (the id listing lost it): never recorded, the check fails on it."""
    shop = FakeShop(listed={2, 5}, held={2, 4, 5})
    finding = _find(warehouse, monkeypatch, shop, range(1, 7))
    assert shop.asked == [3, 4, 6]
    assert _recorded(warehouse) == [("1", "event", D3), ("3", "id_set", D3), ("6", "id_set", D3)]
    assert (finding.by_event, finding.by_id_set, finding.still_there) == (1, 2, ["4"])
    assert (finding.warehouse_ids, finding.source_ids, finding.missing_at_source) == (6, 2, 3)
    assert finding.suspect is None and finding.id_set_window == "2026-05-01 … 2026-05-03"


def test_most_of_a_window_missing_is_an_access_problem_not_deletions(warehouse, monkeypatch):
    shop = FakeShop(listed={1}, held=set())
    finding = _find(warehouse, monkeypatch, shop, range(1, 31))
    assert shop.asked == [] and _recorded(warehouse) == [("1", "event", D3)]
    assert finding.suspect == (
        "29 of the 30 orders the warehouse holds for 2026-05-01 … 2026-05-03 are missing at the "
        "source: an access problem (scope read_all_orders?), not recorded"
    )
