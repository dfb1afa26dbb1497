"""Failing checks of a tenant, read from a Dagster instance: the newest evaluation of each check counts."""

from __future__ import annotations

import dagster as dg

from platform_assets.serving.checks import FailingCheck, InstanceCheckReader


def evaluation(check: str, partition: str, passed: bool) -> dg.AssetCheckEvaluation:
    return dg.AssetCheckEvaluation(
        asset_key=dg.AssetKey("agg_daily_sales"),
        check_name=check,
        passed=passed,
        severity=dg.AssetCheckSeverity.WARN,
        description=f"{check} on {partition}",
        partition=partition,
    )


def test_the_newest_evaluation_of_each_check_for_the_tenant_counts():
    with dg.DagsterInstance.ephemeral() as instance:
        for event in (
            evaluation("daily_sales_complete", "2026-11-01|acme", passed=False),
            evaluation("daily_sales_complete", "2026-11-02|acme", passed=True),  # fixed since
            evaluation("daily_sales_match_facts", "2026-11-02|acme", passed=False),
            evaluation("daily_sales_complete", "2026-11-02|globex", passed=False),
        ):
            instance.report_runless_asset_event(event)
        reader = InstanceCheckReader(instance)
        assert reader("acme") == [
            FailingCheck(
                "agg_daily_sales",
                "daily_sales_match_facts",
                "WARN",
                "2026-11-02|acme",
                "daily_sales_match_facts on 2026-11-02|acme",
                reader("acme")[0].run_id,
            )
        ]
        assert [check.partition for check in reader("globex")] == ["2026-11-02|globex"]
        assert reader("initech") == []


def test_an_unreadable_instance_is_unknown_not_an_error():
    class Broken:
        def get_event_records(self, *args, **kwargs):
            raise OSError("storage gone")

    assert InstanceCheckReader(Broken())("acme") is None  # type: ignore[arg-type]
