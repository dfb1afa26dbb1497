"""The report assets: ``daily_report`` and ``weekly_report``, per tenant and business day (the marts'
date × tenant partitions).

A ``daily_report`` partition ``D|tenant`` is the tenant's report of day D against D−1; a
``weekly_report`` partition ``D|tenant`` reports the 7 days ending D against the 7 before. Keeping the
weekly report on the daily partitions (rather than a weekly partitions definition) keeps one partition
scheme per tenant's business days: it depends on exactly the marts' partitions of its days, a week may end
on any day, and a weekly report is re-rendered by materialising one key. The sensor in
``sensors/reports.py`` requests it for the Sunday that ends each week.

Neither has an automation condition, and neither is part of ``storehouse_job``: the marts refresh hourly
and the daily run rebuilds several days, and a report is an email, so it goes out once per day after the
tenant's morning run (``sensors/reports.py``), or when materialised by hand. A run covering one partition
sends its report; a ranged run (a backfill) renders and records each day's report but sends none.

Each materialisation renders the report from the marts, writes it under ``<data dir>/reports/<tenant>/``,
sends it when SMTP and recipients are configured, and records its figures, its warnings and whether it
was sent in the metadata. Without SMTP it is rendered and recorded, and says it was not sent."""

from datetime import date
from typing import Any

import dagster as dg
from dagster._core.errors import DagsterInvalidPropertyError

from platform_assets.ingest.backfill import BACKFILL_POLICY
from platform_assets.ingest.partitions import date_tenant_partitions
from platform_assets.ingest.runs import tenant_days
from platform_assets.marts.assets import agg_daily_sales, agg_weekly_trends
from platform_assets.serving.reports.checks import failed_checks
from platform_assets.serving.reports.content import (
    REPORT_KINDS,
    Report,
    ReportKind,
    build_report,
    report_period,
)
from platform_assets.serving.reports.delivery import (
    Delivery,
    RenderedReport,
    ReportDeliveryError,
    record,
    send,
)
from platform_assets.serving.reports.render import format_value
from platform_assets.tags import AFTER_RUN_STATUS_TAG, AFTER_RUN_TAG
from platform_assets.tenants import Tenant, TenantsResource
from platform_assets.warehouse.held import holding_warehouse
from platform_assets.warehouse.sql_assets import WAREHOUSE_POOL
from resources.warehouse import WarehouseResource

GROUP = "reports"
REPORTS_JOB_NAME = "storehouse_reports_job"


def _metadata(report: Report, delivery: Delivery, html_path: str, reports: int) -> dict[str, Any]:
    """What the Dagster UI shows: each KPI of the first currency (plotted over time), every figure as an
    exact string, the warnings, whether the report was sent, and where it was recorded. No address, no
    secret."""
    metadata: dict[str, Any] = {
        "tenant": report.tenant_id,
        "period": report.period.label(),
        "sent": dg.MetadataValue.bool(delivery.sent),
        "delivery": delivery.detail,
        "recipients": dg.MetadataValue.int(delivery.recipients),
        "figures_trustworthy": dg.MetadataValue.bool(report.trustworthy),
        "warnings": dg.MetadataValue.md("\n".join(f"- {w}" for w in report.warnings) or "none"),
        "figures": dg.MetadataValue.json(report.figures()),
        "report_file": dg.MetadataValue.path(html_path),
    }
    if reports > 1:
        metadata["reports_rendered"] = dg.MetadataValue.int(reports)
    if report.boards:
        board = report.boards[0]
        metadata["currency"] = board.currency
        for kpi in board.kpis.values():
            if kpi.value is not None:
                metadata[kpi.name] = (
                    dg.MetadataValue.int(int(kpi.value))
                    if kpi.unit == "count"
                    else dg.MetadataValue.float(float(kpi.value))
                )
        lines = ["| KPI | value | previous | change % |", "|---|---|---|---|"]
        lines += [
            f"| {kpi.label} | {format_value(kpi, kpi.value, board.currency)} | "
            f"{format_value(kpi, kpi.previous, board.currency)} | "
            f"{'–' if kpi.change_pct is None else kpi.change_pct} |"
            for kpi in board.kpis.values()
        ]
        metadata["kpis"] = dg.MetadataValue.md("\n".join(lines))
    return metadata


def after_failed_run(context: dg.AssetExecutionContext) -> tuple[str, ...]:
    """A warning when the report was requested after a morning run that failed (sensors/reports.py): its
    days may not have been rebuilt."""
    try:
        tags = context.run.tags
    except DagsterInvalidPropertyError:  # invoked directly (tests): no run
        return ()
    if tags.get(AFTER_RUN_STATUS_TAG) != dg.DagsterRunStatus.FAILURE.value:
        return ()
    return (
        f"The morning run {tags.get(AFTER_RUN_TAG, '')} failed: its days may not have been rebuilt, so "
        "these figures may be out of date.",
    )


def produce_report(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    kind: ReportKind,
    tenant: Tenant,
    day_key: str,
    deliver: bool,
) -> tuple[Report, Delivery, str]:
    """Render, record and (when ``deliver``) send one tenant's report for the period ending ``day_key``."""
    day = date.fromisoformat(day_key)
    failures = failed_checks(context.instance, tenant.id, report_period(kind, day))
    with warehouse.connect() as conn:
        report = build_report(conn, kind, tenant, day, failures, after_failed_run(context))
    rendered = RenderedReport.of(report)
    html_path = record(rendered)
    if not deliver:
        delivery = Delivery(False, "not sent: a ranged run (backfill) records its reports without sending")
    elif not tenant.reports.to:
        delivery = Delivery(
            False, "not sent: no recipients (no reports.to for the tenant in the tenants file)"
        )
    elif not getattr(tenant.reports, kind):
        delivery = Delivery(False, f"not sent: {kind} reports are off for this tenant (reports.{kind})")
    else:
        try:
            delivery = send(rendered, tenant.reports.to)
        except ReportDeliveryError as exc:
            raise dg.Failure(
                f"{kind} report of tenant {tenant.id} for {report.period.label()} rendered and recorded "
                f"({html_path}) but {exc}",
                metadata={"report_file": dg.MetadataValue.path(str(html_path))},
            ) from None
    context.log.info(
        f"{kind} report of tenant {tenant.id} for {report.period.label()}: {delivery.detail}"
        + ("" if report.trustworthy else f"; {len(report.warnings)} warning(s) at the top")
    )
    return report, delivery, str(html_path)


def _report_asset(kind: ReportKind, description: str) -> dg.AssetsDefinition:
    @dg.asset(
        name=f"{kind}_report",
        description=description,
        partitions_def=date_tenant_partitions,
        deps=[agg_daily_sales, agg_weekly_trends],
        group_name=GROUP,
        kinds={"python", "email"},
        owners=["team:data-platform"],
        pool=WAREHOUSE_POOL,
        backfill_policy=BACKFILL_POLICY,
    )
    @holding_warehouse
    def _asset(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource, tenants: TenantsResource
    ) -> dg.MaterializeResult:
        deliver = len(context.partition_keys) == 1
        produced = [
            produce_report(context, warehouse, kind, td.tenant, day.isoformat(), deliver)
            for td in tenant_days(context, tenants)
            for day in td.days
        ]
        report, delivery, html_path = produced[-1]
        return dg.MaterializeResult(metadata=_metadata(report, delivery, html_path, len(produced)))

    return _asset


daily_report = _report_asset(
    "daily",
    "The tenant's daily report of the partition's day: net sales, orders, AOV, new and returning "
    "customers and returns rate across platforms, each against the day before, a 14-day trend and the "
    "day's figures as CSV, emailed to the tenant's reports.to after its morning run. A warning heads it "
    "when a check failed or a figure is provisional.",
)
weekly_report = _report_asset(
    "weekly",
    "The tenant's weekly report of the 7 days ending the partition's day (requested for Sundays): the "
    "KPIs against the 7 days before, the trend and the week's daily figures as CSV, emailed to the "
    "tenant's reports.to. A warning heads it when a check failed or a figure is provisional.",
)

REPORT_ASSETS = [daily_report, weekly_report]
#: The report asset of each kind.
REPORT_ASSET_BY_KIND: dict[ReportKind, dg.AssetsDefinition] = dict(
    zip(REPORT_KINDS, REPORT_ASSETS, strict=True)
)

reports_job = dg.define_asset_job(
    REPORTS_JOB_NAME,
    selection=dg.AssetSelection.assets(*REPORT_ASSETS),
    partitions_def=date_tenant_partitions,
    executor_def=dg.in_process_executor,
    description="A tenant's daily (and, on Sundays, weekly) report, requested after its morning run.",
)
