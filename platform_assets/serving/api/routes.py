"""The /api/v1 endpoints: one per question, each reading the warehouse once through the read layer
(:mod:`platform_assets.serving.queries`) and answering JSON or CSV (:mod:`~platform_assets.serving.api.
render`).

Every tenant's endpoint has the tenant in its path and depends on :func:`~platform_assets.serving.api.
access.readable_tenant`, so a key never reads another tenant's rows (tests/serving/test_access.py
walks every route)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel, create_model

from platform_assets.serving import kpis
from platform_assets.serving.api.access import Caller, Tenant
from platform_assets.serving.api.render import Format, record, respond
from platform_assets.serving.checks import FailingCheck
from platform_assets.serving.queries import customers, inventory, products, refunds, sales, status
from platform_assets.serving.queries.common import Page
from platform_assets.sources.registry import connection_types
from platform_assets.warehouse.tables import ALL_PLATFORMS

#: The longest range of days one request may ask for (a year, a leap one included).
MAX_DAYS = 366
#: Cohorts span longer: three years of first-order months.
MAX_COHORT_DAYS = 3 * 366
MAX_LIMIT = 1000

#: A platform name, or 'all': across platforms (daily and weekly sales), every platform (other endpoints).
Platform = StrEnum("Platform", {name: name for name in [ALL_PLATFORMS, *connection_types()]})
ALL = Platform(ALL_PLATFORMS)


@dataclass(frozen=True)
class TenantInfo:
    """A tenant the key may read: its id, name, platforms and timezone override (if any)."""

    id: str
    name: str
    platforms: str
    timezone: str | None


@dataclass(frozen=True)
class DateRange:
    """Validated ``start``..``end`` (inclusive business days)."""

    start: date
    end: date


def _problem(message: str, end: date) -> dict[str, Any]:
    """A validation error naming the ``end`` query parameter, in FastAPI's own shape."""
    return {"type": "value_error", "loc": ("query", "end"), "msg": message, "input": str(end)}


def _range(start: date, end: date, max_days: int) -> DateRange:
    if end < start:
        raise RequestValidationError([_problem("end must be on or after start", end)])
    if (end - start).days + 1 > max_days:
        message = f"the range start..end may span at most {max_days} days"
        raise RequestValidationError([_problem(message, end)])
    return DateRange(start, end)


def day_range(
    start: Annotated[date, Query(description="First business day (YYYY-MM-DD), inclusive.")],
    end: Annotated[date, Query(description=f"Last business day, inclusive; spans at most {MAX_DAYS} days.")],
) -> DateRange:
    return _range(start, end, MAX_DAYS)


def cohort_range(
    start: Annotated[date, Query(description="First day of the first-order months (YYYY-MM-DD).")],
    end: Annotated[date, Query(description=f"Last day; at most {MAX_COHORT_DAYS} days after start.")],
) -> DateRange:
    return _range(start, end, MAX_COHORT_DAYS)


@dataclass(frozen=True)
class Paging:
    offset: int
    limit: int


def paging(
    offset: Annotated[int, Query(ge=0, le=10_000_000, description="Rows to skip (offset pagination).")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"Rows per page, 1..{MAX_LIMIT}.")] = 100,
) -> Paging:
    return Paging(offset, limit)


Days = Annotated[DateRange, Depends(day_range)]
Cohorts = Annotated[DateRange, Depends(cohort_range)]
Pages = Annotated[Paging, Depends(paging)]
FormatQuery = Annotated[Format | None, Query(alias="format", description="json (default) or csv.")]
Currency = Annotated[str | None, Query(pattern=r"^[A-Z]{3}$", description="ISO 4217 code, e.g. EUR.")]
#: A platform's own id of a variant or location, as the warehouse keeps it.
PLATFORM_ID = r"^[A-Za-z0-9_.:-]{1,64}$"
VariantId = Annotated[
    str | None, Query(pattern=PLATFORM_ID, description="Only this variant (the platform's own id).")
]
LocationId = Annotated[
    str | None, Query(pattern=PLATFORM_ID, description="Only this location (the platform's own id).")
]
Sku = Annotated[
    str | None,
    Query(
        pattern=r"^[A-Za-z0-9 ._#/+-]{1,100}$",
        description="Only this SKU, matched trimmed and case-insensitively on every platform.",
    ),
]

router = APIRouter(prefix="/api/v1")


class PageInfo(BaseModel):
    """Where a page sits in the whole result (offset pagination)."""

    offset: int
    limit: int
    total: int
    next_offset: int | None


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"example": {"detail": description}}}}


#: The errors every endpoint may answer, for the OpenAPI page (docs/serving.md#keys-and-access).
ERRORS: dict[int | str, dict[str, Any]] = {
    401: _error("missing or invalid API key"),
    404: _error("tenant not found"),
    429: _error("rate limit exceeded: 600/minute"),
    503: _error("no read snapshot published yet: run the pipeline (make demo) first"),
}


def listing(row_type: type) -> dict[str, Any]:
    """The route's documented answer: JSON ``{"data": [row_type...], "page"}`` or CSV, and the errors."""
    envelope = create_model(
        f"{row_type.__name__}List",
        tenant_id=(str | None, None),
        data=(list[row_type], ...),  # type: ignore[valid-type]
        page=(PageInfo | None, None),
    )
    return {
        "response_model": envelope,
        "responses": {**ERRORS, 200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
    }


def _all_or(platform: Platform) -> str | None:
    return None if platform.value == ALL_PLATFORMS else platform.value


@router.get("/tenants", summary="Tenants the key may read", **listing(TenantInfo))
def list_tenants(request: Request, key: Caller, format: FormatQuery = None) -> Response:
    """Every tenant for an admin key; the key's own tenant for a tenant key."""
    known: dict[str, TenantInfo] = request.app.state.tenants()
    rows = [info for tenant_id, info in known.items() if key.may_read(tenant_id)]
    return respond(request, format, TenantInfo, rows)


@router.get(
    "/tenants/{tenant_id}/sales/daily", summary="Daily sales (agg_daily_sales)", **listing(sales.DailySales)
)
def daily_sales(
    request: Request,
    tenant_id: Tenant,
    days: Days,
    pages: Pages,
    platform: Annotated[
        Platform, Query(description="A platform, or 'all': the rows across platforms.")
    ] = ALL,
    currency: Currency = None,
    format: FormatQuery = None,
) -> Response:
    """The tenant's daily sales figures, exactly as the marts hold them (docs/metrics.md)."""
    with request.app.state.reader.read() as conn:
        page = sales.daily_sales(
            conn, tenant_id, days.start, days.end, platform.value, currency, pages.offset, pages.limit
        )
    return respond(request, format, sales.DailySales, page.rows, page, {"tenant_id": tenant_id})


@router.get(
    "/tenants/{tenant_id}/sales/weekly",
    summary="Weekly trends (agg_weekly_trends)",
    **listing(sales.WeeklyTrend),
)
def weekly_trends(
    request: Request,
    tenant_id: Tenant,
    days: Days,
    pages: Pages,
    platform: Annotated[
        Platform, Query(description="A platform, or 'all': the rows across platforms.")
    ] = ALL,
    currency: Currency = None,
    format: FormatQuery = None,
) -> Response:
    """Trailing 7-day windows ending on each day of the range, against the 7 days before."""
    with request.app.state.reader.read() as conn:
        page = sales.weekly_trends(
            conn, tenant_id, days.start, days.end, platform.value, currency, pages.offset, pages.limit
        )
    return respond(request, format, sales.WeeklyTrend, page.rows, page, {"tenant_id": tenant_id})


@router.get(
    "/tenants/{tenant_id}/products/top", summary="Top products or variants", **listing(products.TopProduct)
)
def top_products(
    request: Request,
    tenant_id: Tenant,
    days: Days,
    pages: Pages,
    by: Annotated[
        products.Measure, Query(description="Rank by net_sales or units.")
    ] = products.Measure.net_sales,
    grain: Annotated[products.Grain, Query(description="product or variant.")] = products.Grain.product,
    platform: Annotated[Platform, Query(description="A platform, or 'all': every platform.")] = ALL,
    format: FormatQuery = None,
) -> Response:
    """Products (or variants) ranked by net sales (gross − discounts, tax excluded) or units sold."""
    with request.app.state.reader.read() as conn:
        page = products.top_products(
            conn, tenant_id, days.start, days.end, _all_or(platform), grain, by, pages.offset, pages.limit
        )
    return respond(request, format, products.TopProduct, page.rows, page, {"tenant_id": tenant_id})


@router.get("/tenants/{tenant_id}/refunds", summary="Refunds per day", **listing(refunds.DailyRefunds))
def daily_refunds(
    request: Request,
    tenant_id: Tenant,
    days: Days,
    pages: Pages,
    platform: Annotated[Platform, Query(description="A platform, or 'all': every platform.")] = ALL,
    format: FormatQuery = None,
) -> Response:
    """Refunds created on each day, per platform: returns as agg_daily_sales counts them, shipping and
    taxes given back."""
    with request.app.state.reader.read() as conn:
        page = refunds.daily_refunds(
            conn, tenant_id, days.start, days.end, _all_or(platform), pages.offset, pages.limit
        )
    return respond(request, format, refunds.DailyRefunds, page.rows, page, {"tenant_id": tenant_id})


@router.get(
    "/tenants/{tenant_id}/customers/segments", summary="Customer segments", **listing(customers.Segment)
)
def customer_segments(request: Request, tenant_id: Tenant, format: FormatQuery = None) -> Response:
    """Customers per segment: prospect (no order), new (1), returning (2-4), loyal (5+), with their
    lifetime orders and spend."""
    with request.app.state.reader.read() as conn:
        rows = customers.segments(conn, tenant_id)
    return respond(request, format, customers.Segment, rows, None, {"tenant_id": tenant_id})


@router.get(
    "/tenants/{tenant_id}/customers/cohorts",
    summary="First-order cohorts: retention by month",
    **listing(customers.CohortMonth),
)
def customer_cohorts(
    request: Request, tenant_id: Tenant, days: Cohorts, pages: Pages, format: FormatQuery = None
) -> Response:
    """For each month of first orders in the range, the share of its customers ordering in each later
    month."""
    with request.app.state.reader.read() as conn:
        page = customers.cohort_retention(conn, tenant_id, days.start, days.end, pages.offset, pages.limit)
    return respond(request, format, customers.CohortMonth, page.rows, page, {"tenant_id": tenant_id})


@router.get(
    "/tenants/{tenant_id}/customers/lifetime-value",
    summary="Lifetime value by first-order cohort",
    **listing(customers.CohortValue),
)
def customer_lifetime_value(
    request: Request, tenant_id: Tenant, days: Cohorts, format: FormatQuery = None
) -> Response:
    """What each first-order month's customers have spent to date, in total and per customer."""
    with request.app.state.reader.read() as conn:
        rows = customers.lifetime_value(conn, tenant_id, days.start, days.end)
    return respond(request, format, customers.CohortValue, rows, None, {"tenant_id": tenant_id})


@router.get(
    "/tenants/{tenant_id}/inventory/levels",
    summary="Stock levels on a day (fact_inventory_snapshots)",
    **listing(inventory.StockLevel),
)
def stock_levels(
    request: Request,
    tenant_id: Tenant,
    pages: Pages,
    day: Annotated[
        date | None,
        Query(
            alias="date",
            description="Business day of the snapshot (YYYY-MM-DD); default: the newest day with one.",
        ),
    ] = None,
    grain: Annotated[
        inventory.LevelGrain,
        Query(description="level (variant at a location), variant (its locations added up) or location."),
    ] = inventory.LevelGrain.level,
    order: Annotated[
        inventory.LevelOrder, Query(description="most (default) or fewest units first.")
    ] = inventory.LevelOrder.most,
    platform: Annotated[Platform, Query(description="A platform, or 'all': every platform.")] = ALL,
    variant_id: VariantId = None,
    sku: Sku = None,
    location_id: LocationId = None,
    format: FormatQuery = None,
) -> Response:
    """Units available per variant and location in the day's last snapshot, most (or fewest) units first,
    with the totals over every page (JSON ``totals``; CSV headers X-Total-Available and X-Total-Levels).
    ``available`` may be negative (oversold); levels whose stock is not tracked count as ``untracked``."""
    with request.app.state.reader.read() as conn:
        chosen = day or inventory.newest_snapshot_day(conn, tenant_id, _all_or(platform))
        if chosen is None:  # no snapshot yet
            page = Page[inventory.StockLevel]([], pages.offset, pages.limit, 0)
            totals = inventory.StockTotals(0, 0, 0)
        else:
            page, totals = inventory.stock_levels(
                conn,
                tenant_id,
                chosen,
                _all_or(platform),
                grain,
                variant_id,
                sku,
                location_id,
                pages.offset,
                pages.limit,
                order,
            )
    extra = {
        "tenant_id": tenant_id,
        "date": chosen.isoformat() if chosen else None,
        "totals": record(totals),
    }
    headers = {"X-Total-Available": str(totals.available), "X-Total-Levels": str(totals.levels)}
    return respond(request, format, inventory.StockLevel, page.rows, page, extra, headers)


@router.get(
    "/tenants/{tenant_id}/inventory/history",
    summary="Daily stock history (fact_inventory_snapshots)",
    **listing(inventory.StockDay),
)
def stock_history(
    request: Request,
    tenant_id: Tenant,
    days: Days,
    pages: Pages,
    platform: Annotated[Platform, Query(description="A platform, or 'all': every platform.")] = ALL,
    variant_id: VariantId = None,
    sku: Sku = None,
    location_id: LocationId = None,
    format: FormatQuery = None,
) -> Response:
    """Units available on each day of the range with a snapshot, per platform: the tenant's whole stock, or
    a variant's, a SKU's or a location's. Oldest day first."""
    with request.app.state.reader.read() as conn:
        page = inventory.stock_history(
            conn,
            tenant_id,
            days.start,
            days.end,
            _all_or(platform),
            variant_id,
            sku,
            location_id,
            pages.offset,
            pages.limit,
        )
    return respond(request, format, inventory.StockDay, page.rows, page, {"tenant_id": tenant_id})


@dataclass(frozen=True)
class KpiTile:
    """One KPI tile of a tenant over ``start``..``end`` on a platform (or 'all') in one currency: its value,
    its value over the previous period of equal length (``previous_start``..``previous_end``), the change
    (percentage points for a rate) and the change in percent (None when the previous value is 0 or missing,
    and for rates). ``complete`` is false when a day of the period is provisional. Read by
    :mod:`platform_assets.serving.kpis`, the layer behind the reports and the dashboard."""

    currency: str
    platform: str
    start: date
    end: date
    previous_start: date
    previous_end: date
    name: str
    label: str
    unit: str
    value: Decimal | int | None
    previous: Decimal | int | None
    change: Decimal | int | None
    change_pct: Decimal | None
    complete: bool


def kpi_tiles(board: kpis.KpiBoard) -> list[KpiTile]:
    """A board's tiles, in display order (docs/metrics.md, "KPIs over a period")."""
    previous = board.previous_period
    return [
        KpiTile(
            board.currency,
            board.platform,
            board.period.start,
            board.period.end,
            previous.start,
            previous.end,
            kpi.name,
            kpi.label,
            kpi.unit,
            kpi.value,
            kpi.previous,
            kpi.change,
            kpi.change_pct,
            board.complete,
        )
        for kpi in board.kpis.values()
    ]


@router.get("/tenants/{tenant_id}/kpis", summary="KPI tiles with their change", **listing(KpiTile))
def kpi_board(
    request: Request,
    tenant_id: Tenant,
    days: Days,
    platform: Annotated[
        Platform, Query(description="A platform, or 'all': the rows across platforms.")
    ] = ALL,
    format: FormatQuery = None,
) -> Response:
    """Net sales, orders, AOV, new and returning customers and the returns rate over start..end, each
    against the period of equal length just before, one set per currency (the dashboard's tiles)."""
    period = kpis.Period(days.start, days.end)
    with request.app.state.reader.read() as conn:
        boards = kpis.kpi_boards(conn, tenant_id, period, platform.value)
    rows = [tile for board in boards for tile in kpi_tiles(board)]
    return respond(request, format, KpiTile, rows, None, {"tenant_id": tenant_id})


@router.get(
    "/tenants/{tenant_id}/status", summary="Data status: can these figures be trusted now?", responses=ERRORS
)
def data_status(request: Request, tenant_id: Tenant) -> dict[str, Any]:
    """Freshness, failing checks, dead letters and provisional days of the tenant (JSON only)."""
    with request.app.state.reader.read() as conn:
        found = status.data_status(conn, tenant_id, ALL_PLATFORMS)
    failing: list[FailingCheck] | None = request.app.state.check_reader(tenant_id)
    trusted = (
        failing == []
        and not found.dead_letters
        and found.provisional_days_count == 0
        and found.newest_sales_day is not None
    )
    return {
        "tenant_id": tenant_id,
        "trusted": trusted,
        "newest_sales_day": found.newest_sales_day.isoformat() if found.newest_sales_day else None,
        "freshness": [record(row) for row in found.freshness],
        "failing_checks": None if failing is None else [record(check) for check in failing],
        "dead_letters": {
            "total": sum(row.records for row in found.dead_letters),
            "by_entity": [record(row) for row in found.dead_letters],
        },
        "provisional_days": {
            "count": found.provisional_days_count,
            "days": [record(row) for row in found.provisional_days],
        },
    }


def tenant_info(tenant_id: str, name: str, platforms: list[str], timezone: str | None) -> TenantInfo:
    """A tenant's public description (its platforms comma-separated, so it fits a CSV cell)."""
    return TenantInfo(tenant_id, name, ",".join(platforms), timezone)
