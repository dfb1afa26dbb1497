"""The naive baseline the transform benchmark compares with: what tutorials do.

Per raw day: ``json.loads`` every line, ``pandas.json_normalize`` the orders, their line items, refunds and
refund lines (lists left in a cell become their ``str``, as to_sql cannot store them), then
``DataFrame.to_sql(if_exists="append")`` with the default ``method=None`` (row inserts through SQLAlchemy's
executemany) into a fresh SQLite file; at the end one ``GROUP BY`` builds daily sales. No staging types, no
dimensions, no idempotence: less work than the pipeline does, so the ratio flatters the baseline.
"""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

DAILY_SALES = """
CREATE TABLE naive_daily_sales AS
SELECT substr(processed_at, 1, 10) AS day, COUNT(*) AS orders,
       SUM(CAST(total_line_items_price AS REAL)) AS gross_sales,
       SUM(CAST(total_discounts AS REAL)) AS discounts, SUM(CAST(total_tax AS REAL)) AS taxes,
       SUM(CAST(total_price AS REAL)) AS total_sales
FROM orders WHERE test = 0 GROUP BY 1
"""


@dataclass(frozen=True)
class NaiveResult:
    seconds: float
    orders: int
    rows: int
    days: int


def _records(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def _flat(frame: pd.DataFrame) -> pd.DataFrame:
    """Cells holding lists or dicts become their text: to_sql cannot store them."""
    for column in frame.columns:
        if frame[column].map(lambda v: isinstance(v, list | dict)).any():
            frame[column] = frame[column].map(lambda v: str(v) if isinstance(v, list | dict) else v)
    return frame


def _tables(orders: list[dict]) -> dict[str, pd.DataFrame]:
    refunds = [refund for order in orders for refund in order.get("refunds") or []]
    return {
        "orders": pd.json_normalize(orders, sep="_"),
        "order_lines": pd.json_normalize(
            orders, record_path="line_items", meta=["id"], record_prefix="line_"
        ),
        "refunds": pd.json_normalize(refunds, sep="_"),
        "refund_lines": pd.json_normalize(
            refunds, record_path="refund_line_items", meta=["id", "order_id"], record_prefix="item_"
        ),
    }


def naive_load(raw_orders_dir: Path, days: Sequence[date], sqlite_path: Path) -> NaiveResult:
    """Load the orders of ``days`` the naive way into a fresh SQLite file; wall seconds for all of it."""
    sqlite_path.unlink(missing_ok=True)
    engine = sa.create_engine(f"sqlite:///{sqlite_path}")
    started = time.perf_counter()
    orders = rows = 0
    known: dict[str, list[str]] = {}
    for day in days:
        path = raw_orders_dir / f"{day.isoformat()}.jsonl.gz"
        if not path.exists():
            continue
        records = _records(path)
        orders += len(records)
        for name, frame in _tables(records).items():
            if frame.empty:
                continue
            frame = _flat(frame)
            # later days may bring columns the table lacks: keep the first day's columns (as tutorials do)
            frame = frame.reindex(columns=known.setdefault(name, list(frame.columns)))
            frame.to_sql(name, engine, if_exists="append", index=False)
            rows += len(frame)
    with engine.begin() as conn:
        conn.execute(sa.text(DAILY_SALES))
    engine.dispose()
    return NaiveResult(time.perf_counter() - started, orders, rows, len(days))
