"""The code location the daemon test loads: the real job with the exported schedule and sensor, the built-in
sandbox registered (the code server is a process of its own)."""

import dagster as dg

from demo.wiring import install
from platform_assets.definitions import ALL_ASSETS, build_resources, storehouse_job
from sensors.late_changes import LATE_CHANGE_SENSORS
from sensors.schedules import SCHEDULES

install()

defs = dg.Definitions(
    assets=ALL_ASSETS,
    jobs=[storehouse_job],
    schedules=SCHEDULES,
    sensors=LATE_CHANGE_SENSORS,
    resources=build_resources(),
)
