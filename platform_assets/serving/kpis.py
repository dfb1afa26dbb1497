"""KPI tiles and trends for a tenant over a period, read from the marts: the one read layer behind the
scheduled reports and the dashboard, so both show the warehouse's figures by the one definition
(docs/metrics.md, "KPIs over a period").

A :class:`Period` is a day, a week (the 7 days ending a day) or any date range, both ends included. For
each currency of the tenant's rows on a platform (or across platforms, ``platform='all'``, the default),
:func:`kpi_boards` gives a :class:`KpiBoard`: the KPIs of the period, each with its value over the
previous period of equal length (the days just before) and the change, plus the daily trend, every day of
the period. Money is :class:`~decimal.Decimal` to the cent, exactly as the marts hold it; counts are
``int``; rates are percentages to the hundredth. Nothing is computed in floating point.

Returning customers over a period are *distinct people*: a regular buying on five days of a week is one
returning customer of the week, not five. The marts keep days, so the period's people are counted from the
counted orders of fact_orders (the rows agg_daily_sales counts its ``customers`` from), once per period,
and the returning customers are those people less the period's new ones (docs/metrics.md).

The functions take an open SQLAlchemy connection (DuckDB or PostgreSQL) and only read; the queries are
SQLAlchemy Core over the tables' specifications (``platform_assets/warehouse/tables.py``).

    with warehouse.connect() as conn:
        for board in kpi_boards(conn, "acme", Period.week_ending(date(2026, 12, 6))):
            board.kpi("net_sales").value, board.kpi("net_sales").change_pct, board.trend[-1].orders
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

import sqlalchemy as sa

from platform_assets.serving.queries.common import round_half_away
from platform_assets.warehouse import tables as t

ALL_PLATFORMS = t.ALL_PLATFORMS
Unit = Literal["money", "count", "percent"]

#: The KPIs of a board, in display order: name -> (label, unit).
KPIS: dict[str, tuple[str, Unit]] = {
    "net_sales": ("Net sales", "money"),
    "orders": ("Orders", "count"),
    "average_order_value": ("Average order value", "money"),
    "new_customers": ("New customers", "count"),
    "returning_customers": ("Returning customers", "count"),
    "returns_rate": ("Returns rate", "percent"),
}

_DAILY = t.AGG_DAILY_SALES.sqlalchemy_table()
_ORDERS = t.FACT_ORDERS.sqlalchemy_table()


def percent_change(now: Decimal | int, before: Decimal | int) -> Decimal | None:
    """``(now − before) × 100 / before`` to the hundredth, halves away from zero; None when ``before`` is 0
    (the definition of agg_weekly_trends' ``*_change_pct``)."""
    if before == 0:
        return None
    return round_half_away(Decimal(now - before) * 100 / Decimal(before))


# ---------------------------------------------------------------------------------------------------------
# Periods
# ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Period:
    """Business days ``start``…``end`` (tenant-local, both included)."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"period ends ({self.end}) before it starts ({self.start})")

    @classmethod
    def day(cls, day: date) -> Period:
        """One business day."""
        return cls(day, day)

    @classmethod
    def week_ending(cls, day: date) -> Period:
        """The 7 days ending ``day`` (the window of agg_weekly_trends' row for ``day``)."""
        return cls(day - timedelta(days=6), day)

    @classmethod
    def between(cls, start: date, end: date) -> Period:
        """Any range of days."""
        return cls(start, end)

    @property
    def length(self) -> int:
        """Number of days."""
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of equal length just before this one (the day before; the 7 days before)."""
        return Period(self.start - timedelta(days=self.length), self.start - timedelta(days=1))

    def dates(self) -> list[date]:
        """Every day of the period, in order."""
        return [self.start + timedelta(days=n) for n in range(self.length)]

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    def label(self) -> str:
        """``2026-12-06`` or ``2026-11-30 – 2026-12-06``."""
        if self.start == self.end:
            return self.start.isoformat()
        return f"{self.start.isoformat()} – {self.end.isoformat()}"


# ---------------------------------------------------------------------------------------------------------
# Rows
# ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DailyFigures:
    """One day of agg_daily_sales for a platform (or 'all') and currency, as the mart holds it.

    A day without a row had no counted order and no refund: its figures are zero, ``average_order_value``
    None and ``has_row`` False (the mart says nothing about its completeness)."""

    date: date
    currency: str
    orders: int = 0
    units: int = 0
    gross_sales: Decimal = Decimal("0.00")
    discounts: Decimal = Decimal("0.00")
    returns: Decimal = Decimal("0.00")
    net_sales: Decimal = Decimal("0.00")
    shipping: Decimal = Decimal("0.00")
    taxes: Decimal = Decimal("0.00")
    total_sales: Decimal = Decimal("0.00")
    average_order_value: Decimal | None = None
    customers: int = 0
    new_customers: int = 0
    returning_customers: int = 0
    is_complete: bool = True
    provisional_reason: str | None = None
    has_row: bool = False

    #: The figures a CSV of daily figures carries, in order.
    CSV_FIELDS = (
        "date", "currency", "orders", "units", "gross_sales", "discounts", "returns", "net_sales",
        "shipping", "taxes", "total_sales", "average_order_value", "customers", "new_customers",
        "returning_customers", "is_complete", "provisional_reason",
    )  # fmt: skip

    @property
    def sales_before_returns(self) -> Decimal:
        """``gross_sales − discounts``: the numerator of AOV and the denominator of the returns rate."""
        return self.gross_sales - self.discounts

    @property
    def provisional(self) -> bool:
        """The mart says the day's figures may still change (docs/metrics.md#completeness)."""
        return self.has_row and not self.is_complete


_FIGURE_COLUMNS = [name for name in DailyFigures.CSV_FIELDS if name != "date"]


def daily_figures(
    conn: sa.Connection, tenant_id: str, start: date, end: date, platform: str = ALL_PLATFORMS
) -> list[DailyFigures]:
    """The tenant's agg_daily_sales rows of ``platform`` (a source's name, or 'all': across platforms)
    from ``start`` through ``end``, every currency, ordered by date and currency. Only days with a row."""
    query = (
        sa.select(_DAILY.c.date, *(_DAILY.c[name] for name in _FIGURE_COLUMNS))
        .where(
            _DAILY.c.tenant_id == tenant_id,
            _DAILY.c.platform == platform,
            _DAILY.c.date.between(start, end),
        )
        .order_by(_DAILY.c.date, _DAILY.c.currency)
    )
    figures = []
    for row in conn.execute(query).mappings():
        values = dict(row)
        for name in ("orders", "units", "customers", "new_customers", "returning_customers"):
            values[name] = int(values[name])
        for name in ("gross_sales", "discounts", "returns", "net_sales", "shipping", "taxes", "total_sales"):
            values[name] = _money(values[name])
        aov = values["average_order_value"]
        values["average_order_value"] = None if aov is None else _money(aov)
        values["is_complete"] = bool(values["is_complete"])
        figures.append(DailyFigures(**values, has_row=True))
    return figures


def _money(value: object) -> Decimal:
    """An amount of the mart as a Decimal to the cent (DECIMAL columns arrive as Decimals already)."""
    return round_half_away(value if isinstance(value, Decimal) else Decimal(str(value)))


def platforms(conn: sa.Connection, tenant_id: str, period: Period) -> list[str]:
    """The platforms with rows in the period, 'all' first, then the sources by name (for a platform
    split or a platform picker)."""
    query = (
        sa.select(_DAILY.c.platform)
        .where(_DAILY.c.tenant_id == tenant_id, _DAILY.c.date.between(period.start, period.end))
        .distinct()
    )
    found = {row[0] for row in conn.execute(query)}
    return sorted(found, key=lambda name: (name != ALL_PLATFORMS, name))


# ---------------------------------------------------------------------------------------------------------
# KPIs
# ---------------------------------------------------------------------------------------------------------
Value = Decimal | int | None


@dataclass(frozen=True)
class Kpi:
    """One tile: the KPI over the period, over the previous period of equal length, and the change.

    ``change`` is ``value − previous`` (for a rate: in percentage points); ``change_pct`` is the change in
    percent of ``previous`` to the hundredth, None when ``previous`` is zero or missing, and for rates
    (a change of a percentage is given in points only)."""

    name: str
    label: str
    unit: Unit
    value: Value
    previous: Value
    change: Value
    change_pct: Decimal | None


def _kpi(name: str, value: Value, previous: Value) -> Kpi:
    label, unit = KPIS[name]
    change = value - previous if value is not None and previous is not None else None
    change_pct = None
    if unit != "percent" and value is not None and previous is not None:
        change_pct = percent_change(value, previous)
    return Kpi(name, label, unit, value, previous, change, change_pct)


@dataclass(frozen=True)
class PeriodTotals:
    """Sums of a period's daily figures (one platform or 'all', one currency) and the KPIs over them.

    ``customers`` is the number of distinct people with a counted order in the period (on the platform,
    or on any platform for 'all', in the currency), from :func:`period_customers`; None only for a single
    day, whose row already counts its people once."""

    days: tuple[DailyFigures, ...]
    customers: int | None = None

    def _sum(self, name: str) -> Decimal | int:
        start: Decimal | int = Decimal("0.00") if name in _MONEY else 0
        return sum((getattr(day, name) for day in self.days), start)

    @property
    def net_sales(self) -> Decimal:
        """Σ net sales."""
        return self._sum("net_sales")  # type: ignore[return-value]

    @property
    def orders(self) -> int:
        """Σ counted orders."""
        return self._sum("orders")  # type: ignore[return-value]

    @property
    def new_customers(self) -> int:
        """Σ new customers: a person's first order is on one day only, so the sum counts each once."""
        return self._sum("new_customers")  # type: ignore[return-value]

    @property
    def returning_customers(self) -> int:
        """Distinct people of the period who are not new in it: ``customers − new_customers``, so a
        returning person buying on several days (or platforms) of the period counts once."""
        if self.customers is None:
            if len(self.days) != 1:
                raise ValueError(
                    f"returning customers over {len(self.days)} days need the period's distinct customers"
                )
            return self.days[0].returning_customers
        return self.customers - self.new_customers

    @property
    def average_order_value(self) -> Decimal | None:
        """One day: the mart's AOV (from the exact sums). Longer: Σ(gross − discounts) / Σ orders of the
        days' rounded figures, to the cent, halves away from zero (agg_weekly_trends' definition). None
        without orders."""
        rows = [day for day in self.days if day.has_row]
        if len(rows) == 1 and len({day.date for day in self.days}) == 1:
            return rows[0].average_order_value
        if self.orders == 0:
            return None
        return round_half_away(self._sum("sales_before_returns") / Decimal(self.orders))

    @property
    def returns_rate(self) -> Decimal | None:
        """Σ returns × 100 / Σ(gross − discounts), a percentage to the hundredth, halves away from zero;
        None when there were no sales."""
        base = self._sum("sales_before_returns")
        if base == 0:
            return None
        return round_half_away(self._sum("returns") * 100 / Decimal(base))

    def value(self, name: str) -> Value:
        """The KPI ``name`` (one of :data:`KPIS`)."""
        return getattr(self, name)


_MONEY = {"gross_sales", "discounts", "returns", "net_sales", "shipping", "taxes", "total_sales",
          "sales_before_returns"}  # fmt: skip


@dataclass(frozen=True)
class KpiBoard:
    """A tenant's KPI tiles for a period on one platform (or 'all') in one currency, with the daily trend.

    ``trend`` has every day of the period (days without a row as zeros); ``previous_trend`` every day of
    the previous period."""

    tenant_id: str
    platform: str
    currency: str
    period: Period
    trend: tuple[DailyFigures, ...]
    previous_trend: tuple[DailyFigures, ...]
    kpis: dict[str, Kpi] = field(default_factory=dict)
    customers: int | None = None

    def kpi(self, name: str) -> Kpi:
        """The tile ``name`` (one of :data:`KPIS`)."""
        return self.kpis[name]

    @property
    def previous_period(self) -> Period:
        return self.period.previous()

    @property
    def provisional_days(self) -> list[DailyFigures]:
        """Days of the period whose figures the mart marks provisional (they may still change)."""
        return [day for day in self.trend if day.provisional]

    @property
    def complete(self) -> bool:
        """No day of the period is provisional."""
        return not self.provisional_days

    @property
    def totals(self) -> PeriodTotals:
        return PeriodTotals(self.trend, self.customers)


def _filled(rows: Iterable[DailyFigures], period: Period, currency: str) -> tuple[DailyFigures, ...]:
    by_day = {row.date: row for row in rows if row.currency == currency and row.date in period}
    return tuple(by_day.get(day) or DailyFigures(date=day, currency=currency) for day in period.dates())


def build_board(
    tenant_id: str,
    platform: str,
    currency: str,
    period: Period,
    rows: Sequence[DailyFigures],
    customers: tuple[int, int] | None = None,
) -> KpiBoard:
    """The board of ``currency`` from daily rows covering the period and the previous one, and the
    distinct customers of the period and of the previous one (pure: no database; :func:`kpi_boards`
    reads both). ``customers`` may be None for a one-day period only."""
    trend = _filled(rows, period, currency)
    previous_trend = _filled(rows, period.previous(), currency)
    now_people, before_people = customers if customers is not None else (None, None)
    now, before = PeriodTotals(trend, now_people), PeriodTotals(previous_trend, before_people)
    kpis = {name: _kpi(name, now.value(name), before.value(name)) for name in KPIS}
    return KpiBoard(tenant_id, platform, currency, period, trend, previous_trend, kpis, now_people)


def period_customers(
    conn: sa.Connection, tenant_id: str, period: Period, platform: str = ALL_PLATFORMS
) -> dict[str, tuple[int, int]]:
    """Per currency, the distinct people with a counted order in ``period`` and in the previous period
    of equal length, on ``platform`` ('all': on any platform, a person counted once): the customer
    identity of agg_daily_sales (``customer_key``; orders without one have no customer). One query."""
    previous = period.previous()
    in_period = _ORDERS.c.business_date.between(period.start, period.end)
    in_previous = _ORDERS.c.business_date.between(previous.start, previous.end)
    person = _ORDERS.c.customer_key
    query = (
        sa.select(
            _ORDERS.c.currency,
            sa.func.count(sa.distinct(sa.case((in_period, person)))),
            sa.func.count(sa.distinct(sa.case((in_previous, person)))),
        )
        .where(
            _ORDERS.c.tenant_id == tenant_id,
            _ORDERS.c.is_counted,
            person.is_not(None),
            _ORDERS.c.business_date.between(previous.start, period.end),
        )
        .group_by(_ORDERS.c.currency)
    )
    if platform != ALL_PLATFORMS:
        query = query.where(_ORDERS.c.platform == platform)
    return {currency: (int(now), int(before)) for currency, now, before in conn.execute(query)}


def kpi_boards(
    conn: sa.Connection, tenant_id: str, period: Period, platform: str = ALL_PLATFORMS
) -> list[KpiBoard]:
    """The tenant's KPI boards for ``period`` on ``platform`` ('all': across platforms), one per currency
    with rows in the period or the previous one, by currency. Empty when neither has a row."""
    previous = period.previous()
    rows = daily_figures(conn, tenant_id, previous.start, period.end, platform)
    currencies = sorted({row.currency for row in rows})
    if not currencies:
        return []
    if period.length == 1:  # a day's row counts its people once already: no need to read the facts
        return [build_board(tenant_id, platform, currency, period, rows) for currency in currencies]
    people = period_customers(conn, tenant_id, period, platform)
    return [
        build_board(tenant_id, platform, currency, period, rows, people.get(currency, (0, 0)))
        for currency in currencies
    ]
