"""The code location the daemon test loads: the real job with the exported schedule and sensor."""

import dagster as dg

from platform_assets.definitions import ALL_ASSETS, build_resources, storehouse_job
from sensors.late_changes import LATE_CHANGE_SENSORS
from sensors.schedules import SCHEDULES

defs = dg.Definitions(
    assets=ALL_ASSETS,
    jobs=[storehouse_job],
    schedules=SCHEDULES,
    sensors=LATE_CHANGE_SENSORS,
    resources=build_resources(),
)
