"""Reconciling agg_daily_sales with a source's independently computed daily figures (the sandbox's
ground truth): every figure, to the cent.

A store's ground truth is its platform's figures, so it is compared with that platform's rows of
agg_daily_sales only, never with the rows across platforms (platform 'all') nor the sum of every row."""

from datetime import date, datetime
from decimal import Decimal

DEMO_COLUMNS = [
    "date",
    "orders",
    "units",
    "gross_sales",
    "discounts",
    "returns",
    "net_sales",
    "shipping",
    "taxes",
    "total_sales",
    "average_order_value",
    "customers",
    "new_customers",
    "returning_customers",
]


def business_day(value: object) -> object:
    """A day as a ``date``, whether it comes as one, as a timestamp or as ISO text ("2026-05-01"): a
    simulator may send its days as text, the warehouse returns dates."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value


def compare_with_ground_truth(rows: list[dict], truth: list, *, platform: str) -> list[str]:
    """Differences between the ``platform`` rows of agg_daily_sales and that platform's ground-truth
    figures; empty when every figure agrees. Rows of other platforms and the rows across platforms are
    left out: the caller says which platform the truth is of."""
    diffs = []
    by_day: dict = {}
    for row in rows:
        if row["platform"] != platform:
            continue
        day = business_day(row["date"])
        if day in by_day:
            diffs.append(f"{day}: more than one {platform} row in agg_daily_sales")
        by_day[day] = row
    truth_days = set()
    for figures in truth:
        expected = figures if isinstance(figures, dict) else figures.__dict__
        day = business_day(expected["date"])
        truth_days.add(day)
        row = by_day.get(day)
        if row is None:
            diffs.append(f"{day}: missing from agg_daily_sales")
            continue
        for column in DEMO_COLUMNS[1:] + ["currency"]:
            want, got = expected[column], row[column]
            if want is None or got is None:
                same = want is None and (got is None or got != got)
            elif isinstance(want, Decimal | int):
                same = Decimal(str(got)) == Decimal(str(want))
            else:
                same = str(got) == str(want)
            if not same:
                diffs.append(f"{day} {column}: pipeline {got} ≠ ground truth {want}")
    diffs.extend(
        f"{day}: in agg_daily_sales but not in the ground truth" for day in by_day if day not in truth_days
    )
    return diffs
