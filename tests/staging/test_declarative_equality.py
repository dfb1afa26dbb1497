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
import dataclasses
import gzip
import json
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from platform_assets.sources.shopify import staging
from platform_assets.sources.shopify.staging_assets import ORDER_SQL, ORDER_TABLES
from platform_assets.staging import declarative
from platform_assets.staging.declarative import LocalRawFile, RawDay, duck_for, open_raw_input, stage_batch
from resources.page_encoding import EncodedPage
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


def _stage_both(
    warehouse: WarehouseResource,
    raw_days: list[RawDay],
    sql_days: list[RawDay] | None = None,
    teeth: bool = True,
) -> None:
    """Stage ``raw_days`` with the Python stager and with SQL (``sql_days``: the same days, read another
    way), and assert every table, dead letter, drift count and staged count equal."""
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
    zones = {raw.day: raw.timezone for raw in raw_days}
    with warehouse.connect() as conn:
        duck = duck_for(warehouse, conn)
        # as the runner does: the raw input opened before the transaction
        with open_raw_input(ORDER_SQL, duck, sql_days or raw_days) as raw_input, conn.begin():
            batch = stage_batch(
                ORDER_SQL,
                warehouse,
                conn,
                duck,
                TENANT,
                raw_input,
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
    if not teeth:
        return
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
        duck = duck_for(warehouse, conn)
        with open_raw_input(ORDER_SQL, duck, clean) as raw_input:
            batch = stage_batch(ORDER_SQL, warehouse, conn, duck, TENANT, raw_input, python)
    assert called == []
    assert sum(batch.staged.values()) == sum(len(raw.lines) for raw in clean)


def _as_files(raw_days: list[RawDay], folder: Path) -> list[RawDay]:
    """The days written to a raw store on the local filesystem, as the runner hands them to SQL staging."""
    store = RawStoreResource(base_url=str(folder))
    days = []
    for raw in raw_days:
        lines = [line.rstrip(b"\n") + b"\n" for line in raw.lines or []]
        store.write_partition(
            "shopify", "orders", TENANT, raw.day, [EncodedPage(b"".join(lines), len(lines))]
        )
        path = store.local_file("shopify", "orders", TENANT, raw.day)
        assert path is not None

        def read(day: date = raw.day) -> list[bytes]:
            return list(store.read_lines("shopify", "orders", TENANT, day))

        days.append(RawDay(raw.day, raw.timezone, file=LocalRawFile(path, len(lines), read)))
    return days


def test_duckdb_reads_local_raw_files_exactly_as_python_reads_them(raw_days, tmp_path, monkeypatch):
    """The fast path: DuckDB reads the raw store's files itself (Python reads no line of them, but for
    the odd records), and staging is the same as from the lines."""
    files = _as_files(raw_days, tmp_path / "raw")

    def no_python_read(days):
        raise AssertionError("Python read a raw file DuckDB should have read")

    monkeypatch.setattr(declarative, "_input_table", no_python_read)
    _stage_both(WarehouseResource(url=f"duckdb:///{tmp_path}/files.duckdb"), raw_days, files)


def _write_gzip(path: Path, data: bytes) -> str:
    with gzip.open(path, "wb") as out:
        out.write(data)
    return str(path)


def test_a_raw_file_duckdb_does_not_read_exactly_is_read_by_python(raw_days, tmp_path, monkeypatch):
    """Files DuckDB's line reader skips a line of (not UTF-8, the delimiter raw) or that hold fewer records
    than the raw store counted are read by Python, on the warehouse's own connection before the batch's
    transaction (it stays usable); Windows line ends and blank lines DuckDB reads as Python does. Lines
    that are not JSON become dead letters naming the line; every other record is staged as from the
    lines."""
    sandbox = [raw for raw in raw_days if raw.timezone == BERLIN and raw.lines][:5]
    lines = [[line.rstrip(b"\n") for line in raw.lines or []] for raw in sandbox]
    odd_bodies = [
        b"\n".join([*lines[0][:3], b'{"id": 1, "note": "\xff"}', *lines[0][3:]]),  # not UTF-8
        b"\n".join([*lines[1][:2], b'{"id": 2, "note": "a\x01b"}', *lines[1][2:]]),  # the delimiter, raw
        b"\r\n".join(lines[2]) + b"\r\n",  # Windows line ends
        b"\n \t\n".join(lines[3]) + b"\n\n",  # blank lines between the records
        b"\n".join(lines[4]),  # the raw store counted one record more than the file holds
    ]
    counted = [len(lines[0]) + 1, len(lines[1]) + 1, len(lines[2]), len(lines[3]), len(lines[4]) + 1]
    in_lines: list[RawDay] = []
    in_files: list[RawDay] = []
    # _stage_both's Python side parses every line: the lines that are not JSON are the SQL side's alone
    not_json = {(sandbox[0].day, 3), (sandbox[1].day, 2)}
    for index, (raw, body, records) in enumerate(zip(sandbox, odd_bodies, counted, strict=True)):
        path = _write_gzip(tmp_path / f"odd{index}.jsonl.gz", body)

        def read(path: str = path) -> list[bytes]:
            with gzip.open(path, "rb") as handle:
                return list(handle)

        kept = [line for line in read() if line.strip()]
        kept = [line for at, line in enumerate(kept) if (raw.day, at) not in not_json]
        in_lines.append(RawDay(raw.day, raw.timezone, lines=kept))
        in_files.append(RawDay(raw.day, raw.timezone, file=LocalRawFile(path, records, read)))
    python_reads: list[date] = []
    python_read = declarative._input_table

    def spy(days):
        python_reads.extend(raw.day for raw in days)
        return python_read(days)

    monkeypatch.setattr(declarative, "_input_table", spy)
    every_batch = dataclasses.replace(ORDER_SQL, min_sql_records=0)
    warehouse = WarehouseResource(url=f"duckdb:///{tmp_path}/odd.duckdb")
    warehouse.ensure_tables(ORDER_TABLES)
    reasons: list[str] = []
    with warehouse.connect() as conn:
        duck = duck_for(warehouse, conn)
        for raw in in_files:  # each file on its own, on the warehouse's connection, as the runner does
            with open_raw_input(every_batch, duck, [raw]) as raw_input, conn.begin():
                batch = stage_batch(every_batch, warehouse, conn, duck, TENANT, raw_input, _berlin_stage)
            reasons += [letter.reason for letters in batch.dead_letters.values() for letter in letters]
    # not UTF-8, a raw delimiter, a count that differs: Python's; line ends and blank lines: DuckDB's
    assert python_reads == [in_files[0].day, in_files[1].day, in_files[4].day]
    assert reasons == [
        "raw line 4 is not JSON (UnicodeDecodeError: 'utf-8' codec can't decode byte 0xff in position 19: "
        "invalid start byte)",
        "raw line 3 is not JSON (JSONDecodeError: Invalid control character at: line 1 column 21 (char 20))",
    ]
    from_files = _tables(warehouse)
    _clear(warehouse)
    with warehouse.transaction() as conn:  # the Python stager over the lines that are JSON
        for raw in in_lines:
            staged = _berlin_stage([json.loads(line) for line in raw.lines or []], raw.day)
            for spec in ORDER_TABLES:
                if rows := staged.rows.get(spec.name):
                    warehouse.insert_text(conn, spec, text_columns(rows, len(spec.column_names)))
    assert _tables(warehouse) == from_files
    assert len(from_files["stg_shopify_orders"]) == sum(len(raw.lines or []) for raw in in_lines)


def _berlin_stage(records: list[dict], day: date) -> staging.Staged:
    return staging.stage_orders(records, TENANT, day, ZoneInfo(BERLIN))
