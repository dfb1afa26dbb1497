"""The code location of the crash-recovery test: two warehouse-pool assets in their own jobs. One holds
the pool's slot the way a long warehouse step does (worker pools started, then busy) until it is killed;
the other is a quick warehouse write that needs the slot after it."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import dagster as dg

from platform_assets.warehouse.sql_assets import WAREHOUSE_POOL
from resources.page_encoding import PageEncoder

#: Folder where the holding step writes its pid ("holding") once it has the slot and its workers.
MARKER_DIR_ENV = "STOREHOUSE_CRASH_TEST_DIR"


@dg.asset(pool=WAREHOUSE_POOL)
def held_warehouse_write() -> dg.MaterializeResult:
    """Holds the warehouse slot until the run is killed, with page workers running as in a real fetch."""
    encoder = PageEncoder(workers=1, min_pool_bytes=0)
    encoder.encode(json.dumps({"orders": [{"id": 1}]}).encode(), "orders")
    (Path(os.environ[MARKER_DIR_ENV]) / "holding").write_text(str(os.getpid()))
    time.sleep(600)
    return dg.MaterializeResult()


@dg.asset(pool=WAREHOUSE_POOL)
def quick_warehouse_write() -> dg.MaterializeResult:
    """A warehouse write that takes no time once it has the slot."""
    return dg.MaterializeResult(metadata={"rows": 1})


hold_job = dg.define_asset_job("hold_warehouse", [held_warehouse_write], executor_def=dg.in_process_executor)
quick_job = dg.define_asset_job(
    "quick_warehouse", [quick_warehouse_write], executor_def=dg.in_process_executor
)

defs = dg.Definitions(assets=[held_warehouse_write, quick_warehouse_write], jobs=[hold_job, quick_job])
