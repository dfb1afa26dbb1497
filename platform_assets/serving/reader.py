"""How the serving layer reads the warehouse: never the tables a run is writing, always whole figures.

* **DuckDB**: the read snapshot the pipeline publishes after each run (:mod:`platform_assets.serving.
  snapshot`), opened read-only for one request. A snapshot replaced while a request reads keeps serving
  that request from the file it opened; the next request opens the new one (a new file: DuckDB shares
  one open database per path in a process, so the path must change for new figures to be seen).
* **PostgreSQL**: the live tables, each request in one ``READ ONLY`` transaction at ``REPEATABLE READ``, so
  every query of a request sees the same committed state and a run's open transaction is never seen.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from platform_assets.serving.snapshot import current_snapshot


class SnapshotMissingError(RuntimeError):
    """No read snapshot has been published yet (the pipeline has not finished a run on this warehouse)."""


class WarehouseReader:
    """Read-only access to the warehouse for one request at a time (thread-safe: a connection each)."""

    def __init__(self, warehouse_url: str, snapshot: Path | None) -> None:
        url = sa.engine.make_url(warehouse_url)
        self.dialect = url.get_backend_name()
        self.snapshot = snapshot
        self._lock = threading.Lock()
        self._snapshot_engines: dict[Path, sa.Engine] = {}
        if self.dialect == "duckdb":
            if snapshot is None:
                raise ValueError("a DuckDB warehouse is read from its snapshot: give its path")
            self._engine: sa.Engine | None = None
        else:
            self._engine = sa.create_engine(url, pool_pre_ping=True, pool_size=4, max_overflow=4)

    def _snapshot_engine(self) -> sa.Engine:
        """The engine of the snapshot published last (one per snapshot file: a new file, a new engine)."""
        assert self.snapshot is not None
        current = current_snapshot(self.snapshot)
        if current is None:
            raise SnapshotMissingError(str(self.snapshot))
        with self._lock:
            engine = self._snapshot_engines.get(current)
            if engine is None:
                # Connections to a snapshot stay pooled (opening the file costs more than most queries);
                # when a newer snapshot appears its engine replaces this one, whose pool is disposed (a
                # connection still in use closes when its request ends).
                engine = sa.create_engine(
                    sa.engine.URL.create("duckdb", database=str(current)),
                    pool_size=4,
                    max_overflow=8,
                    connect_args={"read_only": True},
                )
                for older in self._snapshot_engines.values():
                    older.dispose()
                self._snapshot_engines = {current: engine}
            return engine

    @contextmanager
    def read(self) -> Iterator[sa.Connection]:
        """A connection on which every query of one request reads the same complete figures."""
        if self._engine is None:
            with self._snapshot_engine().connect() as conn, conn.begin():
                yield conn
            return
        options = {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
        with self._engine.connect().execution_options(**options) as conn, conn.begin():
            yield conn

    def dispose(self) -> None:
        for engine in [self._engine, *self._snapshot_engines.values()]:
            if engine is not None:
                engine.dispose()
