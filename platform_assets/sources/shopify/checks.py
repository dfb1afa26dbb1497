"""Shopify's own checks: its lines add up to its orders, each raw orders partition holds as many
orders as Shopify counts for the same window (through the tenant's API: REST's orders/count.json or
GraphQL's ordersCount), and
each tenant's Admin API version is not about to be retired, was served as asked and was not deprecated."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import dagster as dg

from platform_assets.clock import utc_now
from platform_assets.ingest.partitions import CHECK_PARTITIONS
from platform_assets.ingest.runs import TenantDays, describe_days, tenant_days
from platform_assets.quality.reconciliation import sql_check
from platform_assets.quality.source_counts import raw_orders_count_check
from platform_assets.sources.shopify import PLATFORM
from platform_assets.sources.shopify.connection import shopify_connection
from platform_assets.sources.shopify.raw_fetch import client_for
from platform_assets.tenants import TenantsResource
from resources.raw_store import RawStoreResource
from resources.shopify.versions import retirement_date

SQL_DIR = Path(__file__).parent / "sql"

order_lines_add_up = sql_check(
    "stg_shopify_order_lines",
    "order_lines_add_up",
    SQL_DIR / "order_line_totals.sql",
    "an order's lines add up to its total_line_items_price",
)


raw_orders_match_source_count = raw_orders_count_check(
    platform=PLATFORM,
    client_resource="shopify",
    description="The raw partition holds as many orders (distinct ids) as Shopify counts for the same "
    "updated_at window, through the tenant's API (REST orders/count.json, GraphQL ordersCount with an "
    "EXACT precision): a page lost while paging turns this red.",
    counted_by=lambda tenant: (
        "ordersCount" if shopify_connection(tenant).api == "graphql" else "orders/count.json"
    ),
    open_client=client_for,  # the tenant's API: a GraphQL tenant never reads REST
    reported_zone=lambda client: client.get_shop().get("iana_timezone"),
    # updated_at_max is inclusive: the last second of the local day.
    count_orders=lambda client, start, end: client.count_orders(start, end - timedelta(seconds=1)),
)


#: A configured version this close to its retirement (or past it) warns: time to move the tenant on.
RETIREMENT_WARNING_DAYS = 90


@dataclass
class VersionReadiness:
    """One tenant's Admin API version against Shopify's calendar and what the shop answered with.

    ``requested`` is the tenants file's ``api_version``; ``served`` and ``deprecated_reasons`` are what the
    raw partitions' sidecars recorded (distinct values; sidecars written before versions were recorded
    add nothing)."""

    tenant: str
    requested: str
    today: date
    served: list[str] = field(default_factory=list)
    deprecated_reasons: list[str] = field(default_factory=list)

    @property
    def retires_on(self) -> date | None:
        return retirement_date(self.requested)

    @property
    def days_left(self) -> int | None:
        retires = self.retires_on
        return None if retires is None else (retires - self.today).days

    def absorb(self, sidecar: dict[str, Any]) -> None:
        """Add what one raw partition's sidecar says the shop answered with."""
        for value in (sidecar.get("api_version_served") or "").split(", "):
            if value and value not in self.served:
                self.served.append(value)
        for value in (sidecar.get("api_deprecated_reason") or "").split(" | "):
            if value and value not in self.deprecated_reasons:
                self.deprecated_reasons.append(value)

    def problems(self) -> list[str]:
        """Why the tenant's version needs attention, one sentence each (none: ready)."""
        found = []
        days_left = self.days_left
        if days_left is not None and days_left <= RETIREMENT_WARNING_DAYS:
            when = (
                f"was retired on {self.retires_on} ({-days_left} days ago)"
                if days_left < 0
                else f"retires on {self.retires_on}, in {days_left} days"
            )
            found.append(
                f"API version {self.requested} {when} (warning from {RETIREMENT_WARNING_DAYS} days before)"
            )
        other = [value for value in self.served if value != self.requested]
        if other:
            found.append(f"asked for API version {self.requested}, served as {', '.join(other)}")
        if self.deprecated_reasons:
            reasons = " | ".join(self.deprecated_reasons)
            found.append(f"the shop sent X-Shopify-API-Deprecated-Reason: {reasons}")
        return found

    def metadata(self) -> dict[str, Any]:
        return {
            "api_version": self.requested,
            "retirement_date": self.retires_on.isoformat() if self.retires_on else None,
            "days_left": self.days_left,
            "served": self.served,
            "deprecated_reasons": self.deprecated_reasons,
            "problems": self.problems(),
        }


def version_readiness(
    tenant: str, requested: str, today: date, sidecars: Iterable[dict[str, Any]]
) -> VersionReadiness:
    """A tenant's :class:`VersionReadiness` from its configured version and its raw sidecars."""
    readiness = VersionReadiness(tenant, requested, today)
    for sidecar in sidecars:
        readiness.absorb(sidecar)
    return readiness


def version_check_result(readiness: list[VersionReadiness], days: list[date]) -> dg.AssetCheckResult:
    """Pass when every tenant's version is ready; else a warning naming the first problems."""
    metadata: dict[str, Any] = {
        "tenants": dg.MetadataValue.json({r.tenant: r.metadata() for r in readiness}),
        "dates_checked": describe_days(sorted(set(days))),
    }
    if len(readiness) == 1:  # one tenant: its figures at the top, as the UI shows them first
        only = readiness[0].metadata()
        metadata["api_version"] = dg.MetadataValue.text(only["api_version"])
        if only["retirement_date"] is not None:  # unstable has none
            metadata["retirement_date"] = dg.MetadataValue.text(only["retirement_date"])
        if only["days_left"] is not None:
            metadata["days_left"] = dg.MetadataValue.int(only["days_left"])
        if only["deprecated_reasons"]:
            metadata["deprecated_reason"] = dg.MetadataValue.text(" | ".join(only["deprecated_reasons"]))
    flagged = [(r.tenant, problem) for r in readiness for problem in r.problems()]
    if not flagged:
        return dg.AssetCheckResult(passed=True, metadata=metadata)
    tenants = len({tenant for tenant, _ in flagged})
    shown = "; ".join(f"{tenant}: {problem}" for tenant, problem in flagged[:3])
    more = f"; and {len(flagged) - 3} more" if len(flagged) > 3 else ""
    return dg.AssetCheckResult(
        passed=False,
        severity=dg.AssetCheckSeverity.WARN,
        description=f"{tenants} tenants need an Admin API version change: {shown}{more}",
        metadata=metadata,
    )


@dg.asset_check(
    partitions_def=CHECK_PARTITIONS,
    asset=dg.AssetKey("raw_shopify_orders"),
    name="api_version_ready",
    blocking=False,
    description="The tenant's Shopify Admin API version is more than "
    f"{RETIREMENT_WARNING_DAYS} days from its retirement (Shopify's rule: a YYYY-MM version is supported "
    "12 months from its release, so it retires on the first of the same month a year later), the shop "
    "served the run's orders as that version, and sent no X-Shopify-API-Deprecated-Reason. Warns "
    "otherwise; never blocks.",
    required_resource_keys={"raw_store", "tenants"},
)
def api_version_ready(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
    tenants: TenantsResource = context.resources.tenants
    return assess_versions(context.resources.raw_store, tenant_days(context, tenants), utc_now().date())


def assess_versions(
    raw_store: RawStoreResource, runs: Iterable[TenantDays], today: date
) -> dg.AssetCheckResult:
    """The ``api_version_ready`` result for the run's tenants and days, on the pipeline clock's ``today``:
    each Shopify tenant's configured version against the raw orders sidecars of its days."""
    readiness, days = [], []
    for td in runs:
        if td.tenant.connection(PLATFORM) is None:
            continue
        sidecars = []
        for day in td.days:
            if raw_store.exists(PLATFORM, "orders", td.tenant.id, day):
                sidecars.append(raw_store.read_meta(PLATFORM, "orders", td.tenant.id, day))
                days.append(day)
        requested = shopify_connection(td.tenant).api_version
        readiness.append(version_readiness(td.tenant.id, requested, today, sidecars))
    return version_check_result(readiness, days)


SHOPIFY_CHECKS = [order_lines_add_up, raw_orders_match_source_count, api_version_ready]
