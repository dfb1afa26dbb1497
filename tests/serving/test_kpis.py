"""The KPI read layer (platform_assets/serving/kpis.py) on a warehouse of known mart rows: every tile, its
previous period and its change to the cent, on DuckDB and PostgreSQL.

The arithmetic (tests/serving/conftest.py has the rows):

Sunday 2026-12-06 ('all'): 5 orders, gross 251.23, discounts 12.34, returns 0 → net 238.89, AOV 47.78
(the mart's), new 2, returning 3, returns rate 0.00 %. Saturday: 4 orders, gross 200, discounts 20,
returns 10 → net 170.00, AOV 45.00, new 1, returning 3, returns rate 10 × 100 / 180 = 5.56 %.
Changes: net +68.89 (68.89 × 100 / 170 = 40.5235… → 40.52 %), orders +1 (25.00 %), AOV +2.78
(2.78 × 100 / 45 = 6.177… → 6.18 %), new +1 (100.00 %), returning 0 (0.00 %), returns rate −5.56 pp.

The week ending Sunday: 5 plain days (3 orders, net 92.50, gross − discounts 95.00, returns 2.50, new 1,
returning 2: the regulars r1 and r2) + Saturday + Sunday: orders 24, net 871.39, AOV 893.89 / 24 =
37.2454… → 37.25, new 8, returns rate 22.50 × 100 / 893.89 = 2.517… → 2.52. Returning: the distinct
people of the week who are not new in it, r1, r2 (every day) and r3 (Saturday on Shopify, Sunday on
WooCommerce): 3, not the days' sum 16. The week before has 6 plain days (2026-11-25 had no sales):
orders 18, net 555.00, AOV 570 / 18 = 31.67, new 6, returning 2 (r1, r2; the days' sum would be 12),
returns rate 15 × 100 / 570 = 2.63. Changes: net +316.39 (57.01 %), orders +6 (33.33 %), AOV +5.58
(5.58 × 100 / 31.67 = 17.619… → 17.62 %), new +2 (33.33 %), returning +1 (50.00 %), returns −0.11 pp.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from platform_assets.serving.kpis import (
    KPIS,
    Period,
    daily_figures,
    kpi_boards,
    percent_change,
    platforms,
)
from tests.serving.conftest import DAY_WITHOUT_SALES, SATURDAY, SUNDAY, TENANT

D = Decimal


def tiles(board) -> dict[str, tuple]:
    return {name: (kpi.value, kpi.previous, kpi.change, kpi.change_pct) for name, kpi in board.kpis.items()}


def test_daily_kpis_and_their_change_against_the_day_before_to_the_cent(marts):
    with marts.connect() as conn:
        (board,) = kpi_boards(conn, TENANT, Period.day(SUNDAY))
    assert (board.platform, board.currency, board.period, board.previous_period) == (
        "all", "USD", Period(SUNDAY, SUNDAY), Period(SATURDAY, SATURDAY),
    )  # fmt: skip
    assert tiles(board) == {
        "net_sales": (D("238.89"), D("170.00"), D("68.89"), D("40.52")),
        "orders": (5, 4, 1, D("25.00")),
        "average_order_value": (D("47.78"), D("45.00"), D("2.78"), D("6.18")),
        "new_customers": (2, 1, 1, D("100.00")),
        "returning_customers": (3, 3, 0, D("0.00")),
        "returns_rate": (D("0.00"), D("5.56"), D("-5.56"), None),
    }
    assert list(board.kpis) == list(KPIS)
    assert str(board.kpi("net_sales").value) == "238.89"  # exact Decimals, never floats
    assert board.complete and [day.date for day in board.trend] == [SUNDAY]


def test_weekly_kpis_against_the_seven_days_before_to_the_cent(marts):
    with marts.connect() as conn:
        (board,) = kpi_boards(conn, TENANT, Period.week_ending(SUNDAY))
    assert board.period == Period(date(2026, 11, 30), SUNDAY)
    assert board.previous_period == Period(date(2026, 11, 23), date(2026, 11, 29))
    assert tiles(board) == {
        "net_sales": (D("871.39"), D("555.00"), D("316.39"), D("57.01")),
        "orders": (24, 18, 6, D("33.33")),
        "average_order_value": (D("37.25"), D("31.67"), D("5.58"), D("17.62")),
        "new_customers": (8, 6, 2, D("33.33")),
        "returning_customers": (3, 2, 1, D("50.00")),
        "returns_rate": (D("2.52"), D("2.63"), D("-0.11"), None),
    }


def test_a_returning_customer_buying_on_several_days_and_platforms_counts_once(marts):
    """Saturday–Sunday: r1 and r2 buy both days, r3 on Saturday on Shopify and on Sunday on WooCommerce.
    The days' returning customers add up to 3 + 3 = 6; the weekend has 3 returning people (and 3 new).
    Each platform counts its own people: Shopify has r1, r2 (both days) and r3 (Saturday), WooCommerce
    only r3 (Sunday); the daily figures, the trend, are unchanged."""
    weekend = Period.between(SATURDAY, SUNDAY)
    with marts.connect() as conn:
        (everywhere,) = kpi_boards(conn, TENANT, weekend)
        (woo,) = kpi_boards(conn, TENANT, weekend, "woocommerce")
    assert [day.returning_customers for day in everywhere.trend] == [3, 3]
    assert (everywhere.kpi("new_customers").value, everywhere.kpi("returning_customers").value) == (3, 3)
    # the two days before (Thursday, Friday): new 1 + 1, returning r1, r2
    assert everywhere.kpi("returning_customers").previous == 2
    assert (woo.kpi("new_customers").value, woo.kpi("returning_customers").value) == (1, 1)


def test_the_trend_has_every_day_and_a_day_without_sales_is_zero(marts):
    with marts.connect() as conn:
        (board,) = kpi_boards(conn, TENANT, Period.week_ending(SUNDAY))
    previous = {day.date: day for day in board.previous_trend}
    assert len(board.trend) == len(board.previous_trend) == 7
    quiet = previous[DAY_WITHOUT_SALES]
    assert (quiet.has_row, quiet.orders, quiet.net_sales, quiet.average_order_value) == (
        False,
        0,
        D("0"),
        None,
    )
    assert not quiet.provisional
    assert [(day.date, day.net_sales) for day in board.trend[-2:]] == [
        (SATURDAY, D("170.00")),
        (SUNDAY, D("238.89")),
    ]


def test_each_platform_has_its_own_board_and_the_platforms_are_listed_all_first(marts):
    with marts.connect() as conn:
        assert platforms(conn, TENANT, Period.day(SUNDAY)) == ["all", "shopify", "woocommerce"]
        (shopify,) = kpi_boards(conn, TENANT, Period.day(SUNDAY), "shopify")
        (woo,) = kpi_boards(conn, TENANT, Period.day(SUNDAY), "woocommerce")
        rows = daily_figures(conn, TENANT, SUNDAY, SUNDAY, "woocommerce")
    assert tiles(shopify)["net_sales"] == (
        D("150.00"),
        D("0.00"),
        D("150.00"),
        None,
    )  # nothing the day before
    assert tiles(woo)["average_order_value"] == (D("44.45"), None, None, None)
    assert tiles(woo)["returns_rate"] == (D("0.00"), None, None, None)
    assert [(r.gross_sales, r.discounts, r.net_sales, r.total_sales) for r in rows] == [
        (D("101.23"), D("12.34"), D("88.89"), D("100.89"))
    ]


def test_a_tenant_without_rows_has_no_board(marts):
    with marts.connect() as conn:
        assert kpi_boards(conn, "nobody", Period.day(SUNDAY)) == []
        assert kpi_boards(conn, TENANT, Period.day(date(2025, 1, 1))) == []


def test_periods():
    assert Period.day(SUNDAY).previous() == Period.day(SATURDAY)
    assert Period.week_ending(SUNDAY).previous() == Period(date(2026, 11, 23), date(2026, 11, 29))
    assert Period.between(date(2026, 11, 1), date(2026, 11, 30)).previous() == Period(
        date(2026, 10, 2), date(2026, 10, 31)
    )
    assert Period.week_ending(SUNDAY).label() == "2026-11-30 – 2026-12-06"
    with pytest.raises(ValueError, match="ends"):
        Period(SUNDAY, SATURDAY)


def test_percent_change_rounds_halves_away_from_zero_like_the_warehouse():
    assert percent_change(D("1.005"), D("1")) == D("0.50")
    assert percent_change(D("0.99995"), D("1")) == D("-0.01")  # -0.005 → -0.01
    assert percent_change(D("-5"), D("-10")) == D("-50.00")  # (−5 − −10) × 100 / −10, as agg_weekly_trends
    assert percent_change(3, 0) is None
