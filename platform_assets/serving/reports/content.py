"""What a report says: its period, the KPI boards read from the marts, the days not to be trusted yet
(failed checks, provisional figures) and the figures recorded in the asset's metadata. Rendering is
``render.py``'s; this module decides the content only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

import sqlalchemy as sa

from platform_assets.serving.kpis import (
    ALL_PLATFORMS,
    DailyFigures,
    KpiBoard,
    Period,
    Value,
    daily_figures,
    kpi_boards,
    platforms,
)
from platform_assets.tenants import Tenant

ReportKind = Literal["daily", "weekly"]
REPORT_KINDS: tuple[ReportKind, ...] = ("daily", "weekly")
#: Days shown in a report's trend: the period and the days before it, up to two weeks.
TREND_DAYS = 14


@dataclass(frozen=True)
class FailedCheck:
    """An asset check whose latest evaluation covering the report's tenant and a day of its period did not
    pass."""

    asset: str
    check: str
    severity: str
    day: date | None
    description: str = ""

    def text(self) -> str:
        when = f" on {self.day.isoformat()}" if self.day else ""
        what = f": {self.description}" if self.description else ""
        return f"{self.asset} › {self.check} ({self.severity}){when}{what}"


def report_period(kind: ReportKind, day: date) -> Period:
    """The daily report's period is the day; the weekly report's the 7 days ending it."""
    return Period.day(day) if kind == "daily" else Period.week_ending(day)


@dataclass(frozen=True)
class Report:
    """One tenant's report of ``kind`` for ``period``: the boards across platforms ('all', one per
    currency), each platform's boards, a trend board (the last :data:`TREND_DAYS` days), every row of
    the period (the CSV) and what makes the figures untrustworthy."""

    kind: ReportKind
    tenant_id: str
    tenant_name: str
    period: Period
    boards: tuple[KpiBoard, ...]
    platform_boards: dict[str, tuple[KpiBoard, ...]]
    trend_boards: tuple[KpiBoard, ...]
    rows: tuple[tuple[str, DailyFigures], ...]
    failed_checks: tuple[FailedCheck, ...] = ()
    extra_warnings: tuple[str, ...] = field(default=())

    @property
    def provisional_days(self) -> list[DailyFigures]:
        """Days of the period the mart marks provisional (across platforms), by date and currency."""
        return [day for board in self.boards for day in board.provisional_days]

    @property
    def warnings(self) -> list[str]:
        """Why the figures cannot be trusted as final, shown at the top of the report; empty when they can."""
        lines = [f"Check failed: {check.text()}" for check in self.failed_checks]
        lines += [
            f"Provisional figures for {day.date.isoformat()} ({day.currency}): {day.provisional_reason}"
            for day in self.provisional_days
        ]
        lines += list(self.extra_warnings)
        return lines

    @property
    def trustworthy(self) -> bool:
        """No check failed and no day of the period is provisional."""
        return not self.warnings

    @property
    def subject(self) -> str:
        flag = "" if self.trustworthy else "[CHECK FIGURES] "
        title = "Daily report" if self.kind == "daily" else "Weekly report"
        return f"{flag}{title} {self.tenant_name}: {self.period.label()}"

    def figures(self) -> dict[str, dict[str, dict[str, str | None]]]:
        """Every KPI of every 'all' board as exact strings: ``{currency: {kpi: {value, previous, change,
        change_pct}}}`` (recorded in the asset's metadata and checked by the tests)."""
        return {
            board.currency: {
                kpi.name: {
                    "value": _text(kpi.value),
                    "previous": _text(kpi.previous),
                    "change": _text(kpi.change),
                    "change_pct": _text(kpi.change_pct),
                }
                for kpi in board.kpis.values()
            }
            for board in self.boards
        }


def _text(value: Value) -> str | None:
    return None if value is None else str(value)


def build_report(
    conn: sa.Connection,
    kind: ReportKind,
    tenant: Tenant,
    day: date,
    failed_checks: tuple[FailedCheck, ...] = (),
    notes: tuple[str, ...] = (),
) -> Report:
    """Read the report's figures from the marts: the period ending ``day``, the previous period of equal
    length, each platform, and the trend. ``notes`` are further warnings (a failed morning run)."""
    period = report_period(kind, day)
    boards = tuple(kpi_boards(conn, tenant.id, period))
    sources = _sources(conn, tenant.id, period)
    platform_boards = {name: tuple(kpi_boards(conn, tenant.id, period, name)) for name in sources}
    trend = Period(day - timedelta(days=TREND_DAYS - 1), day)
    trend_boards = tuple(kpi_boards(conn, tenant.id, trend))
    rows = tuple(
        (name, row)
        for name in (ALL_PLATFORMS, *sources)
        for row in daily_figures(conn, tenant.id, period.start, period.end, name)
    )
    extra = notes
    if not boards:
        extra += (f"No sales figures in the warehouse for {period.label()} or the period before.",)
    return Report(
        kind=kind,
        tenant_id=tenant.id,
        tenant_name=tenant.name,
        period=period,
        boards=boards,
        platform_boards=platform_boards,
        trend_boards=trend_boards,
        rows=rows,
        failed_checks=failed_checks,
        extra_warnings=extra,
    )


def _sources(conn: sa.Connection, tenant_id: str, period: Period) -> list[str]:
    """The platforms with rows in the period or the one before (not 'all')."""
    both = Period(period.previous().start, period.end)
    return [name for name in platforms(conn, tenant_id, both) if name != ALL_PLATFORMS]


def money(value: Decimal | None, currency: str) -> str:
    """``USD 1,234.50``; an en dash when there is no value."""
    return "–" if value is None else f"{currency} {value:,.2f}"
