"""The warehouse: a SQLAlchemy resource that runs the same asset code on DuckDB and PostgreSQL.

Embedded default: a DuckDB file under ``data/``. Production: ``postgresql+psycopg2://…``.
Every partition write happens inside :meth:`WarehouseResource.transaction` (one transaction), and bulk
loads use each engine's fast path (DuckDB scans a registered DataFrame, PostgreSQL uses COPY).

DuckDB lets one process write at a time and holds a file lock while a connection is open. Connections
are therefore opened per transaction (no pool) and opening retries with backoff while another process
holds the lock, so concurrent runs queue instead of failing.
"""

from __future__ import annotations

import io
import logging
import random
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd
import sqlalchemy as sa
from pydantic import PrivateAttr
from sqlalchemy.pool import NullPool

from platform_assets.warehouse.schema import TableSpec

DEFAULT_WAREHOUSE_URL = "duckdb:///data/warehouse.duckdb"
logger = logging.getLogger(__name__)


# money_ratio(amount, count): amount / count rounded to the cent, halves away from zero, computed exactly.
# DuckDB divides decimals in floating point, so it works in integer ten-thousandths there (the finest
# amount the warehouse keeps): round(a / n, 2) = floor((2 * a * 10^4 + 100 n) / (200 n)) / 100 for a >= 0.
MONEY_RATIO_FUNCTIONS = {
    "duckdb": (
        "CREATE OR REPLACE MACRO money_ratio(amount, divisor) AS "
        "SIGN(amount) * CAST((CAST(ABS(amount) * 10000 AS HUGEINT) * 2 + 100 * divisor) // (200 * divisor) "
        "AS DECIMAL(18, 0)) * 0.01"
    ),
    "postgresql": (
        "CREATE OR REPLACE FUNCTION money_ratio(amount NUMERIC, divisor BIGINT) RETURNS NUMERIC "
        "LANGUAGE SQL IMMUTABLE AS $$ SELECT ROUND(amount / divisor, 2) $$"
    ),
}


# The columns of a table in the connection's schema, with their decimal precision and scale.
COLUMNS_OF_TABLE = (
    "SELECT column_name, numeric_precision, numeric_scale FROM information_schema.columns "
    "WHERE table_name = :table AND table_schema = current_schema()"
)


def _is_lock_error(exc: BaseException) -> bool:
    text = str(exc)
    return "Could not set lock" in text or "Conflicting lock" in text


class WarehouseResource(dg.ConfigurableResource):
    """SQL warehouse (DuckDB file or PostgreSQL) holding staging, dimension, fact and aggregate tables."""

    url: str = DEFAULT_WAREHOUSE_URL
    lock_timeout_seconds: float = 600.0

    _engine: sa.Engine | None = PrivateAttr(default=None)
    _ensured: set[str] = PrivateAttr(default_factory=set)

    # ---- connection management -------------------------------------------------------------
    @property
    def dialect(self) -> str:
        return sa.engine.make_url(self.url).get_backend_name()

    def engine(self) -> sa.Engine:
        if self._engine is None:
            url = sa.engine.make_url(self.url)
            if url.get_backend_name() == "duckdb" and url.database and url.database != ":memory:":
                Path(url.database).parent.mkdir(parents=True, exist_ok=True)
                self._engine = sa.create_engine(url, poolclass=NullPool)
            else:
                self._engine = sa.create_engine(url, pool_pre_ping=True)
        return self._engine

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    @contextmanager
    def connect(self) -> Iterator[sa.Connection]:
        """A connection for one step: run each partition's write in ``with conn.begin():`` on it.

        On DuckDB, opening it waits (with backoff, up to ``lock_timeout_seconds``) while another process
        holds the single-writer lock, and closing it releases the lock for the next step."""
        deadline = time.monotonic() + self.lock_timeout_seconds
        delay = 0.05
        while True:
            try:
                conn = self.engine().connect()
                break
            except sa.exc.DBAPIError as exc:
                if not _is_lock_error(exc) or time.monotonic() > deadline:
                    raise
                if delay == 0.05:
                    logger.info("waiting for the DuckDB write lock, held by another process")
                time.sleep(delay * (0.5 + random.random()))
                delay = min(delay * 2, 2.0)
        try:
            yield conn
        finally:
            conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sa.Connection]:
        """A connection with one transaction open: committed on success, rolled back on error."""
        with self.connect() as conn, conn.begin():
            yield conn

    # ---- schema ------------------------------------------------------------------------------
    def ensure_tables(self, specs: Sequence[TableSpec]) -> None:
        """Create, in one transaction, the tables (and indexes) not created yet by this resource, and the
        SQL functions the models use. Call it once per step, before the partition transactions."""
        missing = [spec for spec in specs if spec.name not in self._ensured]
        if not missing:
            return
        with self.transaction() as conn:
            # DuckDB has one writer, so its macro is always replaced (a warehouse made by an older version
            # gets the current one); PostgreSQL's function is the same in every version.
            if self.dialect == "duckdb" or not self._functions_ready(conn):
                conn.execute(sa.text(MONEY_RATIO_FUNCTIONS[self.dialect]))
            for spec in missing:
                table = spec.sqlalchemy_table()
                conn.execute(sa.schema.CreateTable(table, if_not_exists=True))
                self._upgrade_columns(conn, spec, table)
                for index in table.indexes:
                    conn.execute(sa.schema.CreateIndex(index, if_not_exists=True))
        self._ensured.update(spec.name for spec in missing)

    def _upgrade_columns(self, conn: sa.Connection, spec: TableSpec, table: sa.Table) -> None:
        """Bring a table made by an older version up to its spec: add the columns it lacks (nullable: rows
        staged before have none, so re-materialise those partitions to fill them) and widen decimal
        columns to the spec's precision (money went from 2 to 4 decimal places). Nothing is dropped."""
        present = {
            name: (precision, scale)
            for name, precision, scale in conn.execute(
                sa.text(COLUMNS_OF_TABLE), {"table": spec.name}
            ).fetchall()
        }
        indexes_dropped = False
        for column in table.columns:
            type_sql = column.type.compile(dialect=conn.dialect)
            if column.name not in present:
                logger.warning("warehouse: adding column %s.%s (%s)", spec.name, column.name, type_sql)
                conn.execute(sa.text(f"ALTER TABLE {spec.name} ADD COLUMN {column.name} {type_sql}"))
            elif isinstance(column.type, sa.Numeric) and not isinstance(column.type, sa.Integer):
                wanted = (column.type.precision, column.type.scale)
                if present[column.name] != wanted:
                    if not indexes_dropped:  # DuckDB alters no column of an indexed table; they are remade
                        for index in table.indexes:
                            conn.execute(sa.schema.DropIndex(index, if_exists=True))
                        indexes_dropped = True
                    logger.warning("warehouse: changing %s.%s to %s", spec.name, column.name, type_sql)
                    conn.execute(
                        sa.text(f"ALTER TABLE {spec.name} ALTER COLUMN {column.name} TYPE {type_sql}")
                    )

    def _functions_ready(self, conn: sa.Connection) -> bool:
        catalog = {
            "duckdb": "SELECT COUNT(*) FROM duckdb_functions() WHERE function_name = 'money_ratio'",
            "postgresql": "SELECT COUNT(*) FROM pg_proc WHERE proname = 'money_ratio'",
        }
        return bool(conn.execute(sa.text(catalog[self.dialect])).scalar())

    # ---- reads and writes --------------------------------------------------------------------

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        with self.connect() as conn:
            return self.query_in(conn, sql, params)

    def query_in(
        self, conn: sa.Connection, sql: str, params: Mapping[str, Any] | None = None
    ) -> pd.DataFrame:
        result = conn.execute(sa.text(sql), dict(params or {}))
        # object dtype keeps values exact: NULLs must not turn integer ids into floats
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()), dtype=object)

    def insert_rows(self, conn: sa.Connection, spec: TableSpec, rows: Sequence[Sequence[Any]]) -> int:
        """Bulk-insert rows in the spec's column order (str, int, Decimal, date, datetime or None)."""
        if not rows:
            return 0
        if self.dialect not in ("duckdb", "postgresql"):
            columns = spec.column_names
            conn.execute(spec.sqlalchemy_table().insert(), [dict(zip(columns, r, strict=True)) for r in rows])
            return len(rows)
        return self.insert_text(conn, spec, text_columns(rows, len(spec.column_names)))

    def insert_text(self, conn: sa.Connection, spec: TableSpec, texts: Sequence[Sequence[str | None]]) -> int:
        """Bulk-insert rows given as text columns (:func:`text_columns`) through the engine's fast path:
        DuckDB scans a registered DataFrame and casts, PostgreSQL COPYs CSV."""
        count = len(texts[0]) if texts else 0
        if count == 0:
            return 0
        columns = spec.column_names
        if self.dialect == "postgresql":
            _copy_text(conn, spec.name, columns, texts)
        elif self.dialect == "duckdb":
            frame = pd.DataFrame(dict(zip(columns, texts, strict=True)), dtype=object)
            raw = conn.connection.driver_connection
            view = f"_load_{spec.name}"
            raw.register(view, frame)
            casts = ", ".join(f"CAST({c.name} AS {c.cast_type})" for c in spec.columns)
            conn.execute(
                sa.text(f"INSERT INTO {spec.name} ({', '.join(columns)}) SELECT {casts} FROM {view}")
            )
            raw.unregister(view)
        else:
            rows = [dict(zip(columns, values, strict=True)) for values in zip(*texts, strict=True)]
            conn.execute(spec.sqlalchemy_table().insert(), rows)
        return count

    def replace_rows(
        self, conn: sa.Connection, spec: TableSpec, where: Mapping[str, Any], rows: Sequence[Sequence[Any]]
    ) -> int:
        """Delete the rows matching ``where`` (column = value), insert ``rows``: a partition replaced."""
        condition = " AND ".join(f"{column} = :{column}" for column in where)
        conn.execute(sa.text(f"DELETE FROM {spec.name} WHERE {condition}"), dict(where))
        return self.insert_rows(conn, spec, rows)

    def analyze(self, specs: Sequence[TableSpec]) -> None:
        """Refresh the planner statistics of tables just loaded in bulk (PostgreSQL; DuckDB needs none).

        Without them PostgreSQL plans a freshly loaded table as a few rows (autovacuum analyses later),
        and a backfill's set SQL over millions of rows degrades into nested loops."""
        if self.dialect != "postgresql":
            return
        with self.transaction() as conn:
            for spec in specs:
                conn.execute(sa.text(f"ANALYZE {spec.name}"))

    def delete_partitions(
        self, conn: sa.Connection, spec: TableSpec, tenant_id: str, days: Sequence[Any]
    ) -> None:
        """Delete a tenant's rows of the given partition dates (one statement for a whole batch of days)."""
        statement = sa.text(
            f"DELETE FROM {spec.name} WHERE tenant_id = :tenant_id AND partition_date IN :days"
        ).bindparams(sa.bindparam("days", expanding=True))
        conn.execute(statement, {"tenant_id": tenant_id, "days": list(days)})


#: Types whose text form is ``str(value)`` (bool is not one of them: it is written true/false).
_PLAIN_TYPES = (int, Decimal)


def text_columns(rows: Sequence[Sequence[Any]], width: int) -> list[list[str | None]]:
    """The rows' values as text, column by column (None stays None): what every bulk load sends.

    The same text as :func:`_to_text` value by value; strings and NULLs (most values) pass through and
    ints and Decimals skip the generic dispatch."""
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in range(width)]
    plain = _PLAIN_TYPES
    return [
        [v if v is None or type(v) is str else str(v) if type(v) in plain else _to_text(v) for v in column]
        for column in columns
    ]


def _copy_text(
    conn: sa.Connection, table: str, columns: Sequence[str], texts: Sequence[Sequence[str | None]]
) -> None:
    """PostgreSQL COPY of text columns as CSV in which no text can be taken for NULL.

    Every value is quoted and NULL is the one unquoted field, the empty one (COPY's CSV default), so a
    string ``\\N``, an empty string, a quote, a comma or a line break loads exactly as it was."""
    buffer = io.StringIO(_csv_text(texts))
    cursor = conn.connection.driver_connection.cursor()
    cursor.copy_expert(COPY_CSV.format(table=table, columns=", ".join(columns)), buffer)


#: COPY's CSV format with its defaults spelled out: NULL is an unquoted empty field, quotes double.
COPY_CSV = "COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv, NULL '', QUOTE '\"')"


def _csv_text(texts: Sequence[Sequence[str | None]]) -> str:
    """Text columns as CSV lines: each value quoted (inner quotes doubled), each NULL an empty field."""
    quoted = [["" if v is None else '"' + v.replace('"', '""') + '"' for v in column] for column in texts]
    return "".join(",".join(row) + "\n" for row in zip(*quoted, strict=True))


def _to_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
    return str(value)
