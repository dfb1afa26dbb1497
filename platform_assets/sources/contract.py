"""The source contract: what a platform gives the rest of Storehouse.

A :class:`Source` is everything the shared layers need to know about one platform: its raw and staging
assets, the client resource they use, the checks that belong to it, its contribution to each conformed
table, how to read the tenant's timezone from its data and how to ask it what changed recently. The
registry (``platform_assets/sources/registry.py``) lists the sources; the Definitions, the conformed
layer, the checks, the schedule and the sensors are assembled from it, so adding a platform is a folder
here, a client in ``resources/<platform>/``, a simulator in ``sandbox/<platform>/`` and one registry line
(docs/adding-a-source.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import dagster as dg

from platform_assets.tenants import Connection, Tenant
from platform_assets.warehouse.schema import TableSpec
from resources.raw_store import RawStoreResource


@dataclass(frozen=True)
class ConformedModel:
    """A source's contribution to one conformed (platform-neutral) table.

    ``sql_file`` runs per tenant and day range with :platform, :tenant_id, :start_date and :end_date: it
    deletes the source's own rows of the range (``platform = :platform``) and inserts them again from the
    source's staging tables, which are its ``deps``. Another source's rows are never touched."""

    table: TableSpec
    sql_file: Path
    deps: tuple[dg.AssetKey, ...]


@dataclass(frozen=True)
class ChangedOrder:
    """An order whose last change the platform reports: its business moment (when it was placed or
    processed, which decides its business day) and when it changed."""

    id: int
    processed_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class ChangeProbe:
    """What a platform answered to "which orders changed in (since, now]?": the orders, and the timezone
    the platform reports for the shop right now (None when it says nothing), the fallback when the
    tenants file sets none."""

    changed: list[ChangedOrder]
    platform_timezone: str | None


#: Reads the timezone the platform recorded for a tenant in its raw data: from the snapshot of ``day``, or
#: from the newest snapshot when ``day`` is None. Returns (timezone name, where it was read) or None.
TimezoneReader = Callable[[RawStoreResource, str, "date | None"], "tuple[str, str] | None"]
#: Asks the platform, with the tenant's connection, for the orders changed in (since, now]; the last
#: argument is a client resource to use instead of the source's default (tests), or None.
ChangeProber = Callable[
    [Tenant, Connection, datetime, datetime, "dg.ConfigurableResource | None"], ChangeProbe
]
#: The retry budget of a change prober's default client (its client resource's settings): a failing store
#: must not hold a sensor evaluation for minutes.
SENSOR_CLIENT_BUDGET: Mapping[str, float] = {
    "max_attempts": 3,
    "connect_timeout": 5.0,
    "read_timeout": 15.0,
    "backoff_base_seconds": 0.5,
    "backoff_max_seconds": 2.0,
}


@dataclass(frozen=True)
class Source:
    """One platform, as the rest of the system sees it."""

    platform: str
    #: The tenant's connection settings for this platform (pydantic; validated when the tenants file loads).
    connection: type[Connection]
    #: Resource key → resource instance for its API client, keyed as its assets name it.
    resources: Mapping[str, dg.ConfigurableResource]
    raw_assets: Sequence[dg.AssetsDefinition]
    staging_assets: Sequence[dg.AssetsDefinition]
    #: Every stg_<platform>_* table, as the staging assets write them.
    staging_tables: Sequence[TableSpec]
    #: Its contribution to the conformed tables, by table.
    conformed: Sequence[ConformedModel]
    #: Checks on its own assets: dead letters, raw against the API's counts, staging consistency.
    checks: Sequence[dg.AssetChecksDefinition]
    timezone: TimezoneReader
    changes_since: ChangeProber
    #: Which raw entity holds the orders (the late-change sensor and the raw-completeness checks).
    orders_entity: str = "orders"
    #: Those of its staging assets that also call the platform's API (e.g. order deletions, which ask the
    #: store which orders are gone). A run from stored raw files alone (a transform-only backfill with no
    #: token at hand) leaves them out along with the raw assets.
    api_assets: Sequence[dg.AssetsDefinition] = ()

    def conformed_for(self, table: TableSpec) -> ConformedModel | None:
        """Its contribution to ``table``, if it has one."""
        return next((model for model in self.conformed if model.table.name == table.name), None)
