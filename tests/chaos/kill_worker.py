"""A run of the whole graph in a process of its own, for the kill scenario to SIGKILL or let finish.

    python -m tests.chaos.kill_worker FOLDER START END CLOCK

FOLDER holds the tenants file (written by the scenario, its shop URL the fault proxy's), and receives the
raw store (``raw/``) and the warehouse (``warehouse.duckdb``). The resources are the definitions' own
(``platform_assets.definitions.build_resources``, configured through the environment as in production).
The worker writes ``started`` (the wall time the materialisation began) and exits 0 after a successful run.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import date, datetime
from pathlib import Path

from platform_assets.tags import partition_range_tags

#: The variable holding the sandbox tenant's token in the worker's environment.
TOKEN_ENV = "CHAOS_KILL_SHOPIFY_TOKEN"


def configure(folder: Path) -> None:
    """Point the definitions' resources and tenants file at ``folder`` (before they are imported)."""
    os.environ["STOREHOUSE_TENANTS_FILE"] = str(folder / "tenants.yaml")
    os.environ["STOREHOUSE_RAW_STORE_URL"] = str(folder / "raw")
    os.environ["STOREHOUSE_WAREHOUSE_URL"] = f"duckdb:///{folder / 'warehouse.duckdb'}"


def main(folder: Path, tenant: str, start: date, end: date, clock: datetime) -> int:
    configure(folder)
    import dagster as dg

    from platform_assets import clock as pipeline_clock
    from platform_assets.definitions import ALL_ASSETS, ALL_CHECKS, build_resources
    from tests import ephemeral_instance

    ephemeral_instance.install()  # as in the suite's own processes (tests/ephemeral_instance.py)

    pipeline_clock.clock = lambda: clock  # the pipeline lives in the sandbox shop's world
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("tenant", [tenant])
    tags = partition_range_tags(f"{start.isoformat()}|{tenant}", f"{end.isoformat()}|{tenant}")
    (folder / "started").write_text(f"{time.time()}\n")
    result = dg.materialize(
        [*ALL_ASSETS, *ALL_CHECKS],
        instance=instance,
        resources=build_resources(),
        tags=tags,
        raise_on_error=False,
    )
    return 0 if result.success else 1


if __name__ == "__main__":
    folder_arg, tenant_arg, start_arg, end_arg, clock_arg = sys.argv[1:6]
    sys.exit(
        main(
            Path(folder_arg),
            tenant_arg,
            date.fromisoformat(start_arg),
            date.fromisoformat(end_arg),
            datetime.fromisoformat(clock_arg),
        )
    )
