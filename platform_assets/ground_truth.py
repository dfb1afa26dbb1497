"""Reconciling agg_daily_sales with a source's independently computed daily figures (the sandbox's
ground truth): every figure, to the cent."""

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


def compare_with_ground_truth(rows: list[dict], truth: list) -> list[str]:
    """Differences between agg_daily_sales rows and ground-truth figures; empty when every figure agrees."""
    by_day = {row["date"]: row for row in rows}
    diffs = []
    truth_days = set()
    for figures in truth:
        expected = figures if isinstance(figures, dict) else figures.__dict__
        day = expected["date"]
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
