"""The suite's ephemeral Dagster instances keep their in-memory SQLite connections open.

Every in-process run of the tests (``dg.materialize``, the harnesses' ``Pipeline.materialise``) records its
events in ``DagsterInstance.ephemeral()``'s in-memory event log: each asset partition's planned and
finished materialisation, each check, each step. Dagster's ``InMemoryEventLogStorage`` opens a new SQLite
connection for every statement (``NullPool``: some five per event, each with two PRAGMAs) and reflects
the ``asset_keys`` table's columns again on every asset event, although an in-memory database's schema
never changes. A whole-graph run of the test shop records about 2,000 events, so that bookkeeping was a
fifth of the CPU of the suite's in-process runs.

:func:`install` (called by ``tests/conftest.py`` in every pytest process) makes
``DagsterInstance.ephemeral()`` build its storages from the subclasses below: the same tables, statements
and transactions (one per ``_connect``, committed at its end, under Dagster's own lock), but over one held
connection per thread, and the schema reflected once. What gets recorded, and what a run or a test reads
back, is unchanged (tests/test_ephemeral_instance.py compares both storages' records event by event).
Deployed instances (SQLite under DAGSTER_HOME, PostgreSQL) and the processes the tests start are untouched.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from dagster._core.instance import factory
from dagster._core.storage.event_log.in_memory import InMemoryEventLogStorage
from dagster._core.storage.runs.in_memory import InMemoryRunStorage

_PLAIN_FACTORY = factory.create_ephemeral_instance


class _HeldConnections:
    """One open connection per thread to an in-memory database (a SQLite connection may only be used by
    the thread that made it); each ``transaction()`` is one transaction on it, committed at its end."""

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine
        self._local = threading.local()

    @contextmanager
    def transaction(self) -> Iterator[sa.Connection]:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._engine.connect()
            conn.execute(sa.text("PRAGMA foreign_keys=ON;")).close()  # per connection, as Dagster's do
            conn.commit()
            self._local.conn = conn
        if conn.in_transaction():  # asked again inside its own transaction: a connection of its own, as
            with self._engine.connect() as nested, nested.begin():  # Dagster's storages always do
                nested.execute(sa.text("PRAGMA foreign_keys=ON;")).close()
                yield nested
            return
        with conn.begin():
            yield conn

    def close(self) -> None:
        """Close this thread's connection (the others close with their threads)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


class HeldEventLogStorage(InMemoryEventLogStorage):
    """Dagster's in-memory event log over held connections, its ``asset_keys`` columns reflected once."""

    def __init__(self, inst_data=None) -> None:
        super().__init__(inst_data=inst_data)
        self._connections = _HeldConnections(self._engine)
        self._asset_key_columns: dict[str, bool] = {}
        self._tables: set[str] = set()

    @contextmanager
    def _connect(self) -> Iterator[sa.Connection]:
        with self._db_lock, self._connections.transaction() as conn:
            yield conn

    def has_table(self, table_name: str) -> bool:
        if table_name not in self._tables and super().has_table(table_name):
            self._tables.add(table_name)  # an in-memory database never drops a table
        return table_name in self._tables

    def _has_asset_key_col_on_connection(self, conn: sa.Connection, column_name: str) -> bool:
        if column_name not in self._asset_key_columns:
            self._asset_key_columns[column_name] = super()._has_asset_key_col_on_connection(conn, column_name)
        return self._asset_key_columns[column_name]

    def dispose(self) -> None:
        self._connections.close()
        super().dispose()


class HeldRunStorage(InMemoryRunStorage):
    """Dagster's in-memory run storage over held connections."""

    def __init__(self) -> None:
        super().__init__()
        self._connections = _HeldConnections(self._engine)

    @contextmanager
    def connect(self) -> Iterator[sa.Connection]:
        with self._connections.transaction() as conn:
            yield conn

    def dispose(self) -> None:
        self._connections.close()
        super().dispose()


def create_ephemeral_instance(tempdir=None, preload=None, settings=None):
    """``DagsterInstance.ephemeral()``, its event log and run storage over held connections (Dagster's own
    instance when asked to preload debug payloads, which the suite never does)."""
    if preload:
        return _PLAIN_FACTORY(tempdir=tempdir, preload=preload, settings=settings)
    from dagster._core.instance.instance import DagsterInstance
    from dagster._core.instance.types import InstanceType
    from dagster._core.launcher.sync_in_memory_run_launcher import SyncInMemoryRunLauncher
    from dagster._core.run_coordinator import DefaultRunCoordinator
    from dagster._core.storage.noop_compute_log_manager import NoOpComputeLogManager
    from dagster._core.storage.root import LocalArtifactStorage, TemporaryLocalArtifactStorage

    return DagsterInstance(
        instance_type=InstanceType.EPHEMERAL,
        local_artifact_storage=LocalArtifactStorage(tempdir) if tempdir else TemporaryLocalArtifactStorage(),
        run_storage=HeldRunStorage(),
        event_storage=HeldEventLogStorage(),
        compute_log_manager=NoOpComputeLogManager(),
        run_coordinator=DefaultRunCoordinator(),
        run_launcher=SyncInMemoryRunLauncher(),
        settings=settings,
    )


def install() -> None:
    """Make ``DagsterInstance.ephemeral()`` (which ``dg.materialize`` uses when given no instance) build
    :func:`create_ephemeral_instance`'s instances in this process."""
    factory.create_ephemeral_instance = create_ephemeral_instance


def uninstall() -> None:
    """Dagster's own ephemeral instances again (tests/test_ephemeral_instance.py compares the two)."""
    factory.create_ephemeral_instance = _PLAIN_FACTORY
