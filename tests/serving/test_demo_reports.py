"""The daily report of each demo tenant, from the demo's own warehouse (tests/regression/demo_warehouse.py:
the whole graph for demo-ny and demo-berlin, pinned clock), reaches a loopback SMTP server with the
warehouse's figures: its CSV attachment is the day's agg_daily_sales rows, its net sales and orders those
of the tenant's total. Runs on the worker that builds the demo warehouse for tests/regression (one build)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import dagster as dg
import pytest

from platform_assets.serving.reports.assets import daily_report
from platform_assets.tenants import TenantsResource
from platform_assets.warehouse.tables import ALL_PLATFORMS
from resources.warehouse import WarehouseResource
from tests.regression.demo_warehouse import DEMO_TENANTS, DEMO_TODAY

#: The demo warehouse's worker (tests/conftest.py groups a module's tests by the module's name).
pytestmark = pytest.mark.xdist_group("tests.regression.test_demo_warehouse")

DAY = DEMO_TODAY - timedelta(days=1)
RECIPIENT = {"demo-ny": "owner@demo-ny.test", "demo-berlin": "inhaber@demo-berlin.test"}


def _tenants(tmp_path) -> TenantsResource:
    lines = ["tenants:"]
    for tenant, _, timezone in DEMO_TENANTS:
        lines += [f"  - id: {tenant}", f"    name: {tenant}", "    start_date: 2026-05-01"]
        lines += [f"    timezone: {timezone}"] if timezone else []
        lines.append(f"    reports: {{to: [{RECIPIENT[tenant]}]}}")
    path = tmp_path / "tenants.yaml"
    path.write_text("\n".join(lines) + "\n")
    return TenantsResource(tenants_file=str(path))


@pytest.mark.parametrize("tenant", [tenant for tenant, _, _ in DEMO_TENANTS])
def test_each_demo_tenants_daily_report_reaches_smtp_with_the_warehouses_figures(
    tenant, demo_warehouse, smtp_env, tmp_path
):
    warehouse = WarehouseResource(url=demo_warehouse.url)
    rows = warehouse.query(
        "SELECT * FROM agg_daily_sales WHERE tenant_id = :t AND date = :d ORDER BY platform",
        {"t": tenant, "d": DAY},
    ).to_dict("records")
    total = next(row for row in rows if row["platform"] == ALL_PLATFORMS)
    assert total["orders"] > 0

    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("tenant", [tenant])
        with dg.build_asset_context(
            partition_key=f"{DAY.isoformat()}|{tenant}",
            resources={"warehouse": warehouse, "tenants": _tenants(tmp_path)},
            instance=instance,
        ) as context:
            result = daily_report(context)

    (message,) = smtp_env.messages
    assert smtp_env.envelopes == [("reports@storehouse.test", [RECIPIENT[tenant]])]
    assert message["Subject"] == f"Daily report {tenant}: {DAY.isoformat()}"
    (attachment,) = list(message.iter_attachments())
    sent = list(csv.DictReader(io.StringIO(attachment.get_content())))
    assert [(r["platform"], r["orders"], r["net_sales"], r["gross_sales"], r["returns"]) for r in sent] == [
        (
            r["platform"],
            str(r["orders"]),
            f"{r['net_sales']:.2f}",
            f"{r['gross_sales']:.2f}",
            f"{r['returns']:.2f}",
        )
        for r in sorted(rows, key=lambda r: (r["platform"] != ALL_PLATFORMS, r["platform"]))
    ]
    html = message.get_body(("html",)).get_content()
    currency = total["currency"]
    assert f"{currency} {total['net_sales']:,.2f}" in html
    assert result.metadata["orders"].value == total["orders"]
    assert Decimal(str(result.metadata["net_sales"].value)) == total["net_sales"]
