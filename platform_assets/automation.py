"""When assets materialise by themselves: raw assets refresh the current days on a cron (hourly by
default, for near real-time figures), everything downstream follows eagerly, and every asset carries a
freshness policy. The project's own automation-condition sensor runs them, RUNNING by default.

"Current days" are the latest three date partitions: date keys are laid out in UTC+14, so every tenant's
own today (UTC−12 to UTC+14) is one of them. Days that have not begun for a tenant are skipped by the raw
assets, so the extra partition costs one empty request per entity."""

from datetime import timedelta

import dagster as dg

from platform_assets.settings import settings

CURRENT_DAYS = timedelta(days=3)


def raw_refresh_cron() -> str:
    """The UTC cron of the raw refresh (``STOREHOUSE_RAW_REFRESH_CRON``, hourly)."""
    return settings().raw_refresh_cron


def _current_days() -> dg.AutomationCondition:
    return dg.AutomationCondition.in_latest_time_window(lookback_delta=CURRENT_DAYS)


def raw_refresh() -> dg.AutomationCondition:
    """Raw assets: refresh every tenant's current days on each tick of the refresh cron."""
    return dg.AutomationCondition.on_cron(raw_refresh_cron(), "UTC").replace(
        "in_latest_time_window", _current_days()
    )


def follow_upstream() -> dg.AutomationCondition:
    """Everything downstream: materialise as soon as the partitions it depends on are updated."""
    return dg.AutomationCondition.eager().replace("in_latest_time_window", _current_days())


# Raw data is refreshed hourly: warn after 2 hours without an update, fail after 3. Derived tables follow
# within minutes of their inputs, so they get one more hour.
RAW_FRESHNESS = dg.FreshnessPolicy.time_window(fail_window=timedelta(hours=3), warn_window=timedelta(hours=2))
DERIVED_FRESHNESS = dg.FreshnessPolicy.time_window(
    fail_window=timedelta(hours=4), warn_window=timedelta(hours=3)
)

RAW_AUTOMATION = {"automation_condition": raw_refresh(), "freshness_policy": RAW_FRESHNESS}
DERIVED_AUTOMATION = {"automation_condition": follow_upstream(), "freshness_policy": DERIVED_FRESHNESS}

automation_sensor = dg.AutomationConditionSensorDefinition(
    "storehouse_automation_sensor",
    target=dg.AssetSelection.all(),
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
    description="Evaluates every asset's automation condition: the raw refresh cron and eager downstream.",
)
