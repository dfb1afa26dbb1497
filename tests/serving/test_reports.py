"""The report assets on a warehouse of known mart rows (tests/serving/conftest.py): called directly with
``build_asset_context`` (never the whole graph), the daily report reaches a loopback SMTP server with the
right figures in its HTML and CSV; without SMTP it is rendered, recorded and says it was not sent; a day
whose checks failed, or whose figures are provisional, is reported with the warning at the top; a failing
SMTP server fails the asset without quoting the password."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import dagster as dg
import pytest

from platform_assets.ingest.partitions import date_tenant_partitions
from platform_assets.serving.reports.assets import daily_report, weekly_report
from platform_assets.serving.reports.delivery import REPORT_KIND_HEADER
from platform_assets.tenants import TenantsResource
from resources import notifiers
from tests.serving.conftest import SUNDAY, TENANT, mark_provisional

PARTITION = f"{SUNDAY.isoformat()}|{TENANT}"
RECIPIENTS = ["owner@acme.test", "ops@acme.test"]
CSV_HEADER = (
    "platform,date,currency,orders,units,gross_sales,discounts,returns,net_sales,shipping,taxes,"
    "total_sales,average_order_value,customers,new_customers,returning_customers,is_complete,"
    "provisional_reason"
)
SUNDAY_ROWS = [
    "all,2026-12-06,USD,5,4,251.23,12.34,0.00,238.89,10.00,20.00,268.89,47.78,5,2,3,True,",
    "shopify,2026-12-06,USD,3,4,150.00,0.00,0.00,150.00,6.00,12.00,168.00,50.00,3,1,2,True,",
    "woocommerce,2026-12-06,USD,2,4,101.23,12.34,0.00,88.89,4.00,8.00,100.89,44.45,2,1,1,True,",
]
DAILY_FIGURES = {
    "USD": {
        "net_sales": {"value": "238.89", "previous": "170.00", "change": "68.89", "change_pct": "40.52"},
        "orders": {"value": "5", "previous": "4", "change": "1", "change_pct": "25.00"},
        "average_order_value": {
            "value": "47.78",
            "previous": "45.00",
            "change": "2.78",
            "change_pct": "6.18",
        },
        "new_customers": {"value": "2", "previous": "1", "change": "1", "change_pct": "100.00"},
        "returning_customers": {"value": "3", "previous": "3", "change": "0", "change_pct": "0.00"},
        "returns_rate": {"value": "0.00", "previous": "5.56", "change": "-5.56", "change_pct": None},
    }
}


def tenants(tmp_path: Path, reports: str | None = None) -> TenantsResource:
    lines = ["tenants:", f"  - id: {TENANT}", "    name: Acme Outdoor", "    start_date: 2026-11-01"]
    if reports is not None:
        lines.append(f"    reports: {reports}")
    path = tmp_path / "tenants.yaml"
    path.write_text("\n".join(lines) + "\n")
    return TenantsResource(tenants_file=str(path))


def materialise(
    asset, warehouse, tenants_resource, instance, partition: str = PARTITION
) -> dg.MaterializeResult:
    with dg.build_asset_context(
        partition_key=partition,
        resources={"warehouse": warehouse, "tenants": tenants_resource},
        instance=instance,
    ) as context:
        return asset(context)


def metadata_value(result: dg.MaterializeResult, key: str):
    value = result.metadata[key]
    return value.value if isinstance(value, dg.MetadataValue) else value


def test_the_daily_report_reaches_smtp_with_the_right_figures(duckdb_marts, smtp_env, instance, tmp_path):
    recipients = ", ".join(RECIPIENTS)
    result = materialise(daily_report, duckdb_marts, tenants(tmp_path, f"{{to: [{recipients}]}}"), instance)

    (message,) = smtp_env.messages
    assert smtp_env.envelopes == [("reports@storehouse.test", RECIPIENTS)]
    assert message["Subject"] == "Daily report Acme Outdoor: 2026-12-06"
    assert message[REPORT_KIND_HEADER] == "daily"
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    for shown in (
        "USD 238.89", "+68.89 (+40.52%)", "USD 170.00", "USD 47.78", "+2.78 (+6.18%)", "+1 (+25.00%)",
        "+1 (+100.00%)", "+0 (+0.00%)", "0.00%", "−5.56 pp", "<svg", "By platform",
    ):  # fmt: skip
        assert shown in html, shown
    assert 'id="report-warning"' not in html and "http" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "Net sales: USD 238.89 (+68.89 (+40.52%); previous USD 170.00)" in text
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == "acme-daily-2026-12-06.csv"
    assert attachment.get_content().splitlines() == [CSV_HEADER, *SUNDAY_ROWS]

    assert metadata_value(result, "sent") is True
    assert metadata_value(result, "delivery") == "sent to 2 recipient(s)"
    assert metadata_value(result, "figures") == DAILY_FIGURES
    assert metadata_value(result, "net_sales") == 238.89 and metadata_value(result, "orders") == 5
    assert metadata_value(result, "figures_trustworthy") is True
    assert "owner@acme.test" not in json.dumps({k: str(v) for k, v in result.metadata.items()})


def test_without_smtp_the_report_is_rendered_recorded_and_says_it_was_not_sent(
    duckdb_marts, report_env, instance, tmp_path
):
    result = materialise(daily_report, duckdb_marts, tenants(tmp_path, "{to: [owner@acme.test]}"), instance)

    assert metadata_value(result, "sent") is False
    assert metadata_value(result, "delivery") == (
        f"not sent: SMTP is not configured ({notifiers.SMTP_HOST_ENV} is unset)"
    )
    recorded = tmp_path / "data" / "reports" / TENANT
    assert metadata_value(result, "report_file") == str(recorded / "acme-daily-2026-12-06.html")
    assert "USD 238.89" in (recorded / "acme-daily-2026-12-06.html").read_text()
    assert (recorded / "acme-daily-2026-12-06.csv").read_text().splitlines() == [CSV_HEADER, *SUNDAY_ROWS]
    assert metadata_value(result, "figures") == DAILY_FIGURES


def test_a_tenant_without_recipients_gets_its_report_recorded_not_sent(
    duckdb_marts, smtp_env, instance, tmp_path
):
    result = materialise(daily_report, duckdb_marts, tenants(tmp_path), instance)
    assert smtp_env.messages == []
    assert metadata_value(result, "delivery") == (
        "not sent: no recipients (no reports.to for the tenant in the tenants file)"
    )


def test_the_weekly_report_compares_the_week_with_the_one_before(
    duckdb_marts, report_env, instance, tmp_path
):
    result = materialise(weekly_report, duckdb_marts, tenants(tmp_path), instance)

    figures = metadata_value(result, "figures")["USD"]
    assert {name: (f["value"], f["previous"], f["change_pct"]) for name, f in figures.items()} == {
        "net_sales": ("871.39", "555.00", "57.01"),
        "orders": ("24", "18", "33.33"),
        "average_order_value": ("37.25", "31.67", "17.62"),
        "new_customers": ("8", "6", "33.33"),
        "returning_customers": ("3", "2", "50.00"),
        "returns_rate": ("2.52", "2.63", None),
    }
    assert metadata_value(result, "period") == "2026-11-30 – 2026-12-06"
    recorded = tmp_path / "data" / "reports" / TENANT / "acme-weekly-2026-12-06.csv"
    rows = list(csv.DictReader(io.StringIO(recorded.read_text())))
    # 2026-11-30 … 2026-12-06 across platforms (one row a day), then Sunday's two platforms
    assert [(r["platform"], r["date"]) for r in rows] == [
        ("all", "2026-11-30"),
        *(("all", f"2026-12-0{day}") for day in range(1, 7)),
        ("shopify", "2026-12-06"),
        ("woocommerce", "2026-12-06"),
    ]


def test_provisional_figures_are_flagged_at_the_top(duckdb_marts, smtp_env, instance, tmp_path):
    mark_provisional(duckdb_marts, SUNDAY, "the day is not over yet")
    result = materialise(daily_report, duckdb_marts, tenants(tmp_path, "{to: [owner@acme.test]}"), instance)

    (message,) = smtp_env.messages
    assert message["Subject"] == "[CHECK FIGURES] Daily report Acme Outdoor: 2026-12-06"
    html = message.get_body(("html",)).get_content()
    body = html.split("<body", 1)[1].split(">", 1)[1]
    assert body.startswith('<div id="report-warning"')
    assert "Provisional figures for 2026-12-06 (USD): the day is not over yet" in body
    assert "must not be taken as correct" in body
    assert message.get_body(("plain",)).get_content().startswith("WARNING: these figures are not final")
    assert metadata_value(result, "figures_trustworthy") is False
    assert "the day is not over yet" in metadata_value(result, "warnings")


def _failing_check_on(instance: dg.DagsterInstance, partition: str, passed: bool) -> None:
    """A run recording an evaluation of agg_daily_sales' daily_sales_match_facts for ``partition``."""

    @dg.asset(name="agg_daily_sales", partitions_def=date_tenant_partitions)
    def stand_in() -> None:
        return None

    @dg.asset_check(asset=stand_in, name="daily_sales_match_facts")
    def match_facts() -> dg.AssetCheckResult:
        return dg.AssetCheckResult(
            passed=passed, severity=dg.AssetCheckSeverity.ERROR, description="orders differ from fact_orders"
        )

    result = dg.materialize(
        [stand_in, match_facts],
        partition_key=partition,
        instance=instance,
        raise_on_error=False,
    )
    assert result.success


def test_a_day_whose_checks_failed_still_goes_out_and_says_so_at_the_top(duckdb_marts, smtp_env, tmp_path):
    resource = tenants(tmp_path, "{to: [owner@acme.test]}")
    with dg.instance_for_test() as own_instance:
        own_instance.add_dynamic_partitions("tenant", [TENANT])
        _failing_check_on(own_instance, PARTITION, passed=False)
        failed = materialise(daily_report, duckdb_marts, resource, own_instance)
        _failing_check_on(own_instance, PARTITION, passed=True)  # fixed: the newest evaluation passes
        fixed = materialise(daily_report, duckdb_marts, resource, own_instance)

    first, second = smtp_env.messages
    body = first.get_body(("html",)).get_content().split("<body", 1)[1].split(">", 1)[1]
    assert body.startswith('<div id="report-warning"')
    assert (
        "Check failed: agg_daily_sales › daily_sales_match_facts (ERROR) on 2026-12-06: orders differ from "
        "fact_orders" in body
    )
    assert first["Subject"].startswith("[CHECK FIGURES] ")
    assert metadata_value(failed, "sent") is True and metadata_value(failed, "figures_trustworthy") is False
    assert 'id="report-warning"' not in second.get_body(("html",)).get_content()
    assert metadata_value(fixed, "figures_trustworthy") is True


def test_a_failing_smtp_server_fails_the_asset_without_quoting_the_password(
    duckdb_marts, smtp_env, monkeypatch, instance, tmp_path
):
    password = "smtp-Pa55word-reports"
    monkeypatch.setenv(notifiers.SMTP_USER_ENV, "reports-user")
    monkeypatch.setenv(notifiers.SMTP_PASSWORD_ENV, password)
    with pytest.raises(dg.Failure) as info:  # the loopback server offers no AUTH: the login fails
        materialise(daily_report, duckdb_marts, tenants(tmp_path, "{to: [owner@acme.test]}"), instance)

    assert "rendered and recorded" in str(info.value) and "report not sent" in str(info.value)
    assert password not in str(info.value) + repr(info.value.metadata)
    assert (tmp_path / "data" / "reports" / TENANT / "acme-daily-2026-12-06.html").exists()
    assert smtp_env.messages == []


def test_after_a_failed_morning_run_the_report_says_so_in_a_real_run(
    duckdb_marts, report_env, instance, tmp_path
):
    """Materialised as the sensor's run would be (tags of the failed morning run), through Dagster's
    executor: the materialisation event carries the figures and the warning."""
    result = dg.materialize(
        [daily_report],
        partition_key=PARTITION,
        resources={"warehouse": duckdb_marts, "tenants": tenants(tmp_path)},
        instance=instance,
        tags={"storehouse/after_run": "run-42", "storehouse/after_run_status": "FAILURE"},
    )
    (materialisation,) = result.asset_materializations_for_node("daily_report")
    assert materialisation.partition == PARTITION
    metadata = {key: value.value for key, value in materialisation.metadata.items()}
    assert metadata["figures"] == DAILY_FIGURES and metadata["figures_trustworthy"] is False
    assert "The morning run run-42 failed" in metadata["warnings"]
    html = (tmp_path / "data" / "reports" / TENANT / "acme-daily-2026-12-06.html").read_text()
    assert html.split("<body", 1)[1].split(">", 1)[1].startswith('<div id="report-warning"')


def test_a_ranged_run_records_each_days_report_and_sends_none(duckdb_marts, smtp_env, instance, tmp_path):
    with dg.build_asset_context(
        partition_key_range=dg.PartitionKeyRange(f"2026-12-05|{TENANT}", PARTITION),
        resources={"warehouse": duckdb_marts, "tenants": tenants(tmp_path, "{to: [owner@acme.test]}")},
        instance=instance,
    ) as context:
        result = daily_report(context)

    assert smtp_env.messages == []
    assert metadata_value(result, "reports_rendered") == 2 and metadata_value(result, "sent") is False
    assert (
        metadata_value(result, "delivery")
        == "not sent: a ranged run (backfill) records its reports without sending"
    )
    recorded = sorted(path.name for path in (tmp_path / "data" / "reports" / TENANT).iterdir())
    assert recorded == [f"acme-daily-2026-12-0{day}.{ext}" for day in (5, 6) for ext in ("csv", "html")]
