"""Dagster's event log on PostgreSQL, holding its connections open.

Every event a run records (a step starting, each partition's planned and finished materialisation, each
check) is a few statements on the event log. ``dagster_postgres.PostgresEventLogStorage`` opens a new
connection for each (SQLAlchemy's ``NullPool``), so outside the webserver an event costs a connection
set-up on both sides: about 17 ms on this 2-core machine against 2.5 ms over a held connection. A
backfill of a year as one run records two events per asset and partition (planned, then materialised):
some 23,000 for Storehouse's graph, which is minutes of connection set-up.

``PooledPostgresEventLogStorage`` is that storage with a small connection pool per process (the daemon,
each run worker, the webserver), recycled hourly and checked before use so a restarted server costs one
retry, not a failed run. ``deploy/postgres/dagster.yaml`` names it as the instance's event log.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from dagster._serdes import ConfigurableClassData
from dagster_postgres.event_log import PostgresEventLogStorage
from dagster_postgres.utils import create_pg_engine, get_token_provider_from_config, pg_url_from_config

if TYPE_CHECKING:
    from dagster_postgres.auth import PgTokenProvider

#: Connections held per process: a run worker records events from one thread, the daemon from a few.
POOL_SIZE = 2
#: Extra connections a busy process may open beyond the pool (closed when returned).
POOL_MAX_OVERFLOW = 8
#: Seconds after which a held connection is replaced (servers and proxies close idle ones).
POOL_RECYCLE_SECONDS = 3600


class PooledPostgresEventLogStorage(PostgresEventLogStorage):
    """PostgreSQL event-log storage whose connections are pooled per process instead of opened per
    statement; configured exactly as ``PostgresEventLogStorage`` (``postgres_url`` or ``postgres_db``)."""

    def __init__(
        self,
        postgres_url: str,
        should_autocreate_tables: bool = True,
        inst_data: ConfigurableClassData | None = None,
        token_provider: PgTokenProvider | None = None,
    ) -> None:
        super().__init__(postgres_url, should_autocreate_tables, inst_data, token_provider)
        self._engine.dispose()
        self._engine = create_pg_engine(
            self.postgres_url,
            self._token_provider,
            isolation_level="AUTOCOMMIT",
            pool_size=POOL_SIZE,
            max_overflow=POOL_MAX_OVERFLOW,
            pool_recycle=POOL_RECYCLE_SECONDS,
            pool_pre_ping=True,
        )

    @classmethod
    def from_config_value(
        cls, inst_data: ConfigurableClassData | None, config_value: Mapping[str, Any]
    ) -> PooledPostgresEventLogStorage:
        return cls(
            inst_data=inst_data,
            postgres_url=pg_url_from_config(config_value),
            should_autocreate_tables=config_value.get("should_autocreate_tables", True),
            token_provider=get_token_provider_from_config(config_value),
        )
