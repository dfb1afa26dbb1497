"""The tenants file's ``reports:`` block: who receives a tenant's reports and which ones; errors name the
tenant and the field."""

from __future__ import annotations

from datetime import date

import pytest

from platform_assets.tenants import ReportRecipients, TenantConfigError, load_tenants

TODAY = date(2026, 12, 7)


def tenants_file(tmp_path, reports: str | None) -> str:
    lines = ["tenants:", "  - id: acme", "    start_date: 2026-01-01"]
    if reports is not None:
        lines += ["    reports:", *(f"      {line}" for line in reports.splitlines())]
    path = tmp_path / "tenants.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def error(tmp_path, reports: str) -> str:
    with pytest.raises(TenantConfigError) as info:
        load_tenants(tenants_file(tmp_path, reports), today=TODAY)
    return str(info.value)


def test_a_reports_block_is_read_with_daily_and_weekly_on_by_default(tmp_path):
    tenant = load_tenants(tenants_file(tmp_path, "to: [owner@acme.test, ' ops@acme.test ']"), today=TODAY)[
        "acme"
    ]
    assert tenant.reports == ReportRecipients(
        to=("owner@acme.test", "ops@acme.test"), daily=True, weekly=True
    )
    assert tenant.reports.wants("daily") and tenant.reports.wants("weekly")


def test_weekly_can_be_turned_off_and_one_address_may_be_a_string(tmp_path):
    tenant = load_tenants(tenants_file(tmp_path, "to: owner@acme.test\nweekly: false"), today=TODAY)["acme"]
    assert tenant.reports == ReportRecipients(to=("owner@acme.test",), daily=True, weekly=False)
    assert not tenant.reports.wants("weekly")


def test_without_a_reports_block_nobody_receives_them(tmp_path):
    tenant = load_tenants(tenants_file(tmp_path, None), today=TODAY)["acme"]
    assert tenant.reports == ReportRecipients()
    assert not tenant.reports.wants("daily")


@pytest.mark.parametrize(
    ("reports", "message"),
    [
        ("daily: true", "tenant acme: reports.to must be a non-empty list of email addresses"),
        ("to: []", "tenant acme: reports.to must be a non-empty list of email addresses"),
        (
            "to: [owner@acme.test, not-an-address]",
            "tenant acme: reports.to[1] is not an email address (name@example.com)",
        ),
        (
            "to: ['Owner <owner@acme.test>']",
            "tenant acme: reports.to[0] is not an email address (name@example.com)",
        ),
        ("to: [42]", "tenant acme: reports.to[0] is not an email address (name@example.com)"),
        ("to: [owner@acme.test]\ndaily: 'yes'", "tenant acme: reports.daily must be true or false"),
        ("to: [owner@acme.test]\nweekly: 1", "tenant acme: reports.weekly must be true or false"),
        (
            "to: [owner@acme.test]\ncc: [boss@acme.test]",
            "tenant acme: reports: unknown key 'cc'; allowed keys: to, daily, weekly",
        ),
        ("[owner@acme.test]", "tenant acme: reports must be a mapping of to, daily, weekly"),
    ],
)
def test_a_bad_reports_block_names_the_tenant_and_the_field(tmp_path, reports, message):
    assert error(tmp_path, reports) == message
