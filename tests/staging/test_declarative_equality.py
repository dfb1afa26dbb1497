"""Declarative staging (DuckDB SQL over the raw JSON, odd records re-staged in Python) writes exactly what
the Python stager writes: every stg_shopify_* order table row for row, the same dead letters with the same
reasons, the same schema drift and the same count of staged records.

The records: the sandbox's orders (a New York shop with planted defects: a corrupt order, a conflicting
duplicate, drifted fields and a day whose orders lost created_at; a Berlin shop whose prices include VAT,
with discounts, partial refunds and foreign presentment currencies), the same orders as an older API
version sends them (no *_set bags, no discount allocations, refund lines without subtotal or tax), the
regression corpus, the shared Shopify fixtures, and hand-made odd values SQL must leave to Python.
Staged on DuckDB always, and on PostgreSQL when ``STOREHOUSE_TEST_POSTGRES_URL`` is set.
"""

from __future__ import annotations

import copy
import json
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from platform_assets.sources.shopify import staging
from platform_assets.sources.shopify.staging_assets import ORDER_SQL, ORDER_TABLES
from platform_assets.staging.declarative import RawDay, duck_for, stage_batch
from resources.raw_store import RawStoreResource
from resources.warehouse import WarehouseResource, text_columns
from sandbox.shopify.defects import Defect
from tests.conftest import load_fixture
from tests.pipeline.harness import make_pipeline, make_spec, make_vat_spec
from tests.pipeline.test_checks import RAW

NY = "America/New_York"
BERLIN = "Europe/Berlin"
CLOCK = datetime(2026, 5, 31, 0, 0, tzinfo=ZoneInfo(NY))
START, DAY, END = date(2026, 5, 28), date(2026, 5, 29), date(2026, 5, 30)
CORPUS = Path(__file__).parents[1] / "regression" / "corpus"
TENANT = "eq-tenant"


def _older_api(order: dict) -> dict:
    """The order as an older Admin API version sends it: no money bags, allocations or refund subtotals."""
    old = {key: value for key, value in copy.deepcopy(order).items() if not key.endswith("_set")}
    for line in old.get("line_items") or []:
        for key in [k for k in line if k.endswith("_set")] + ["discount_allocations"]:
            line.pop(key, None)
    for refund in old.get("refunds") or []:
        for item in refund.get("refund_line_items") or []:
            item.pop("subtotal", None)
            item.pop("total_tax", None)
            item.pop("subtotal_set", None)
            item.pop("total_tax_set", None)
    return old


def _odd_orders(base: dict) -> list[dict]:
    """Values the SQL must not type itself: each order differs from a good one in one place."""

    def variant(order_id: int, **changes) -> dict:
        order = copy.deepcopy(base)
        order["id"] = order_id
        order.update(changes)
        return order

    first_line = dict(base["line_items"][0])
    return [
        variant(8001, id="8001"),  # the id as a string
        variant(8002, tags="a,\tb ,a,\u00a0c, "),  # whitespace only Python strips
        variant(8003, note="nul \u0000 inside"),
        variant(8004, note="lone \ud800 surrogate"),
        variant(8005, total_price=12.5, subtotal_price=3),  # JSON numbers
        variant(8006, total_tax=1e-05),
        variant(8007, taxes_included="yes"),
        variant(8008, processed_at="2026-05-29T10:00:00"),  # no UTC offset
        variant(8009, currency="usd"),
        variant(8010, financial_status="lost"),
        variant(8011, line_items=[{**first_line, "quantity": 2.0}]),
        variant(8012, line_items=[{**first_line, "price": "10.00000"}]),  # fine, but 5 places
        variant(8013, order_number=" 12 "),
        variant(8014, email="", contact_email="", customer={"email": ""}),
        variant(8015, email=None, contact_email="c@example.com"),
        variant(8016, test=1),
        variant(8017, name=123),
        variant(8018, shipping_lines=[{"id": 0, "price": "4.00", "title": "Std"}]),
        variant(8020, customer=None, shipping_address=None, tags=None, refunds=None),
        variant(8021, id=True),
        variant(8022, total_price="-1.00"),
        variant(8023, created_at=None),
        variant(8024, total_price="99999999999999.0000"),
        variant(8025, presentment_currency=""),
    ]


@pytest.fixture(scope="module")
def raw_days(tmp_path_factory) -> list[RawDay]:
    """Every day's raw order lines, as the raw store holds them."""
    monkeypatch = pytest.MonkeyPatch()
    tmp_path = tmp_path_factory.mktemp("declarative")
    days: list[RawDay] = []
    try:
        shops = [
            (
                make_spec(
                    "eq-ny",
                    orders_per_day=40,
                    defects=[
                        Defect("corrupt_order", day=END),
                        Defect("conflicting_duplicate", day=DAY),
                        Defect("drift_field", day=END),
                        Defect("drift_field", day=START, remove="created_at"),
                    ],
                ),
                NY,
            ),
            (make_vat_spec("eq-vat", orders_per_day=40), BERLIN),
        ]
        for spec, timezone in shops:
            pipeline = make_pipeline(tmp_path / spec.name, monkeypatch, spec, CLOCK, START)
            pipeline.materialise(START, END, selection=RAW)
            raw_store = RawStoreResource(base_url=str(tmp_path / spec.name / "raw"))
            for day in (START, DAY, END):
                lines = list(raw_store.read_lines("shopify", "orders", spec.name, day))
                days.append(RawDay(day, timezone, lines))
    finally:
        monkeypatch.undo()
    # The sandbox days of both shops share dates: one tenant's days here, so Berlin's move on.
    days = [
        RawDay(raw.day if raw.timezone == NY else date(2026, 6, 10 + index), raw.timezone, raw.lines)
        for index, raw in enumerate(days)
    ]
    sandbox_orders = [json.loads(line) for raw in days for line in raw.lines]
    corpus = [
        order for path in sorted(CORPUS.glob("*.json")) for order in json.loads(path.read_text())["orders"]
    ]
    fixtures = [load_fixture("order.json")["order"], *load_fixture("orders.json")["orders"]]
    odd = _odd_orders(next(o for o in sandbox_orders if o.get("refunds") and o.get("created_at")))
    extra = [
        (date(2026, 6, 20 + index), raw.timezone, [_older_api(json.loads(line)) for line in raw.lines])
        for index, raw in enumerate(list(days))
    ]
    extra += [
        (date(2026, 6, 3), NY, corpus + fixtures),
        (date(2026, 6, 4), BERLIN, odd),
        (date(2026, 6, 5), NY, [*fixtures, *fixtures]),  # the same record twice: staged once
    ]
    for day, timezone, orders in extra:
        days.append(RawDay(day, timezone, [json.dumps(order).encode() for order in orders]))
    return days


def _python_stage(records: list[dict], day: date, timezone: str) -> staging.Staged:
    return staging.stage_orders(records, TENANT, day, ZoneInfo(timezone))


def _tables(warehouse: WarehouseResource) -> dict[str, list[tuple]]:
    with warehouse.connect() as conn:
        return {
            spec.name: sorted(
                (tuple(row) for row in conn.execute(sa.select(spec.sqlalchemy_table()))), key=repr
            )
            for spec in ORDER_TABLES
        }


def _clear(warehouse: WarehouseResource) -> None:
    with warehouse.transaction() as conn:
        for spec in ORDER_TABLES:
            conn.execute(sa.delete(spec.sqlalchemy_table()))


def _stage_both(warehouse: WarehouseResource, raw_days: list[RawDay]) -> None:
    warehouse.ensure_tables(ORDER_TABLES)
    _clear(warehouse)
    python_letters: dict[date, list[tuple[str, str, str]]] = {}
    python_drift: dict[date, Counter[str]] = {}
    python_staged: dict[date, int] = {}
    with warehouse.transaction() as conn:
        for raw in raw_days:
            staged = _python_stage([json.loads(line) for line in raw.lines], raw.day, raw.timezone)
            for spec in ORDER_TABLES:
                rows = staged.rows.get(spec.name) or []
                if rows:
                    warehouse.insert_text(conn, spec, text_columns(rows, len(spec.column_names)))
            python_letters[raw.day] = [_letter(d) for d in staged.dead_letters]
            python_drift[raw.day] = staged.new_fields
            python_staged[raw.day] = staged.staged
    before = _tables(warehouse)
    _clear(warehouse)
    with warehouse.transaction() as conn:
        zones = {raw.day: raw.timezone for raw in raw_days}
        batch = stage_batch(
            ORDER_SQL,
            warehouse,
            conn,
            duck_for(warehouse, conn),
            TENANT,
            raw_days,
            lambda records, day: _python_stage(records, day, zones[day]),
        )
    after = _tables(warehouse)
    for spec in ORDER_TABLES:
        assert after[spec.name] == before[spec.name], spec.name
        assert sum(batch.written.values()) == sum(len(rows) for rows in before.values())
    assert {
        day: [_letter(d) for d in letters] for day, letters in batch.dead_letters.items()
    } == python_letters
    assert {day: +counter for day, counter in batch.new_fields.items()} == {
        day: +counter for day, counter in python_drift.items()
    }
    assert batch.staged == python_staged
    # The corpus and the defects did produce dead letters, drift and odd records: the test has teeth.
    reasons = [reason for letters in python_letters.values() for _, reason, _ in letters]
    assert "total_price is not an amount: '12,50'" in reasons
    assert "the same id came twice with different content" in reasons
    assert "created_at is missing" in reasons
    assert any("NUL" in reason for reason in reasons)
    assert sum(python_drift.values(), Counter())["loyalty_tier"] > 0
    assert len(before["stg_shopify_orders"]) > 200


def _letter(letter: staging.DeadLetter) -> tuple[str, str, str]:
    return letter.record_key, letter.reason, json.dumps(letter.payload, sort_keys=True, default=str)


def test_sql_staging_equals_python_staging_on_duckdb(raw_days, tmp_path):
    _stage_both(WarehouseResource(url=f"duckdb:///{tmp_path}/eq.duckdb"), raw_days)


@pytest.mark.postgres
def test_sql_staging_equals_python_staging_on_postgres(raw_days, pg_database):
    _stage_both(WarehouseResource(url=pg_database), raw_days)


def test_sql_stages_most_records_itself(raw_days, tmp_path):
    """The fast path is the path: of the sandbox's clean days, SQL types every order and Python none."""
    warehouse = WarehouseResource(url=f"duckdb:///{tmp_path}/fast.duckdb")
    warehouse.ensure_tables(ORDER_TABLES)
    clean = [raw for raw in raw_days if raw.timezone == BERLIN and raw.day != date(2026, 6, 4)]
    assert clean
    called: list[int] = []

    def python(records: list[dict], day: date) -> staging.Staged:
        called.append(len(records))
        return _python_stage(records, day, BERLIN)

    with warehouse.transaction() as conn:
        batch = stage_batch(ORDER_SQL, warehouse, conn, duck_for(warehouse, conn), TENANT, clean, python)
    assert called == []
    assert sum(batch.staged.values()) == sum(len(raw.lines) for raw in clean)
