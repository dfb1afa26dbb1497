"""Declarative automation over simulated time: the hourly cron refreshes every tenant's current days in
the raw layer and everything downstream follows in the same tick; nothing more until the next tick."""

from datetime import UTC, datetime

import dagster as dg
import pytest

from platform_assets.definitions import ALL_ASSETS, build_resources, defs
from platform_assets.serving.reports.assets import REPORT_ASSETS

#: The reports are emails, requested once per tenant and day by the report sensors after the morning run
#: (sensors/reports.py): no automation condition, no freshness policy (docs/serving.md).
REPORT_KEYS = {key for asset in REPORT_ASSETS for key in asset.keys}


def automated_keys() -> list[dg.AssetKey]:
    """Every asset the hourly automation drives: all but the reports."""
    return [key for key in defs.resolve_asset_graph().get_all_asset_keys() if key not in REPORT_KEYS]


CURRENT = ["2026-05-31", "2026-06-01", "2026-06-02"]  # at 10:05 UTC on 1 June it is 2 June in UTC+14


@pytest.fixture
def instance():
    with dg.instance_for_test() as test_instance:
        test_instance.add_dynamic_partitions("tenant", ["acme", "globex"])
        yield test_instance


def evaluate(instance, when: datetime, cursor=None):
    return dg.evaluate_automation_conditions(
        defs=dg.Definitions(assets=ALL_ASSETS, resources=build_resources()),
        instance=instance,
        evaluation_time=when,
        cursor=cursor,
    )


def test_hourly_tick_requests_the_current_days_of_every_asset_and_tenant(instance):
    before = evaluate(instance, datetime(2026, 6, 1, 9, 55, tzinfo=UTC))
    assert before.total_requested == 0, "nothing runs before the first cron tick"

    tick = evaluate(instance, datetime(2026, 6, 1, 10, 5, tzinfo=UTC), before.cursor)
    expected = {f"{day}|{tenant}" for day in CURRENT for tenant in ("acme", "globex")}
    for key in automated_keys():
        assert set(tick.get_requested_partitions(key)) == expected, key.to_user_string()
    # 43 assets of Shopify and the shared layers, 17 of WooCommerce (5 raw, 12 staging tables): a tenant
    # not connected to a platform gets its assets requested too (they fetch and stage nothing for it).
    assert tick.total_requested == (43 + 17) * 6

    later = evaluate(instance, datetime(2026, 6, 1, 10, 20, tzinfo=UTC), tick.cursor)
    assert later.total_requested == 0, "requested partitions are not requested again before the next tick"


def test_every_asset_has_an_automation_condition_and_a_freshness_policy():
    graph = defs.resolve_asset_graph()
    for key in automated_keys():
        node = graph.get(key)
        assert node.automation_condition is not None, key.to_user_string()
        assert node.freshness_policy is not None, key.to_user_string()
    for key in REPORT_KEYS:
        assert graph.get(key).automation_condition is None, f"{key.to_user_string()} is sent by its sensor"


def test_the_projects_automation_sensor_runs_by_default():
    sensor = defs.get_sensor_def("storehouse_automation_sensor")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
