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


# The SQL functions the models use, by name and dialect. Both are exact and round halves away from zero on
# both engines (PostgreSQL's round(double precision) rounds halves to even, DuckDB's away from zero).
#
# money_ratio(amount, count): amount / count rounded to the cent, halves away from zero, computed exactly.
# DuckDB divides decimals in floating point, so it works in integer ten-thousandths there (the finest
# amount the warehouse keeps): round(a / n, 2) = floor((2 * a * 10^4 + 100 n) / (200 n)) / 100 for a >= 0.
#
# percent_change(now, before): (now − before) × 100 / before, a percentage rounded to the hundredth, halves
# away from zero, computed exactly. On DuckDB in integer ten-thousandths x = (now − before) × 10^4 and
# b = before × 10^4: round(100 x / b, 2) = sign(x b) floor((2 |x| 10^4 + |b|) / (2 |b|)) / 100.
SQL_FUNCTIONS: dict[str, dict[str, str]] = {
    "money_ratio": {
        "duckdb": (
            "CREATE OR REPLACE MACRO money_ratio(amount, divisor) AS "
            "SIGN(amount) * CAST((CAST(ABS(amount) * 10000 AS HUGEINT) * 2 + 100 * divisor) "
            "// (200 * divisor) AS DECIMAL(18, 0)) * 0.01"
        ),
        "postgresql": (
            "CREATE OR REPLACE FUNCTION money_ratio(amount NUMERIC, divisor BIGINT) RETURNS NUMERIC "
            "LANGUAGE SQL IMMUTABLE AS $$ SELECT ROUND(amount / divisor, 2) $$"
        ),
    },
    "percent_change": {
        "duckdb": (
            "CREATE OR REPLACE MACRO percent_change(now_value, before_value) AS "
            "SIGN(now_value - before_value) * SIGN(before_value) * CAST("
            "(ABS(CAST((now_value - before_value) * 10000 AS HUGEINT)) * 20000 "
            "+ ABS(CAST(before_value * 10000 AS HUGEINT))) "
            "// (2 * ABS(CAST(before_value * 10000 AS HUGEINT))) AS DECIMAL(38, 0)) * 0.01"
        ),
        "postgresql": (
            "CREATE OR REPLACE FUNCTION percent_change(now_value NUMERIC, before_value NUMERIC) "
            "RETURNS NUMERIC LANGUAGE SQL IMMUTABLE AS "
            "$$ SELECT ROUND((now_value - before_value) * 100 / before_value, 2) $$"
        ),
    },
}
#: The SQL functions PostgreSQL has (a warehouse made by an older version may lack the newer ones).
FUNCTIONS_PRESENT = {
    "duckdb": "SELECT DISTINCT function_name FROM duckdb_functions() WHERE function_name IN :names",
    "postgresql": "SELECT DISTINCT proname FROM pg_proc WHERE proname IN :names",
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
            if self._engine_is_file_duckdb():
                Path(str(url.database)).parent.mkdir(parents=True, exist_ok=True)
                self._engine = sa.create_engine(url, poolclass=NullPool)
            else:
                self._engine = sa.create_engine(url, pool_pre_ping=True)
        return self._engine

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    @contextmanager
    def held(self) -> Iterator[None]:
        """Keep a DuckDB file open while one step works (an asset's or a check's body): the step's many
        short connections then share the open database (under a millisecond each, against ~20 ms to open
        the file again), and the single-writer lock is released when the step ends, as before. PostgreSQL
        pools its connections: nothing to hold."""
        if self._engine_is_file_duckdb():
            with self.connect():
                yield
        else:
            yield

    def _engine_is_file_duckdb(self) -> bool:
        url = sa.engine.make_url(self.url)
        return url.get_backend_name() == "duckdb" and bool(url.database) and url.database != ":memory:"

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
            # DuckDB has one writer, so its macros are always replaced (a warehouse made by an older version
            # gets the current ones); PostgreSQL's functions are the same in every version, so only the
            # missing ones are created.
            present = set() if self.dialect == "duckdb" else self._functions_present(conn)
            for name, by_dialect in SQL_FUNCTIONS.items():
                if name not in present:
                    conn.execute(sa.text(by_dialect[self.dialect]))
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

        def quote(column: sa.Column) -> str:
            return conn.dialect.identifier_preparer.format_column(column)

        for column in table.columns:
            type_sql = column.type.compile(dialect=conn.dialect)
            if column.name not in present:
                logger.warning("warehouse: adding column %s.%s (%s)", spec.name, column.name, type_sql)
                conn.execute(
                    sa.DDL(
                        "ALTER TABLE %(table)s ADD COLUMN %(column)s %(type)s",
                        {"column": quote(column), "type": type_sql},
                    ).against(table)
                )
            elif isinstance(column.type, sa.Numeric) and not isinstance(column.type, sa.Integer):
                wanted = (column.type.precision, column.type.scale)
                if present[column.name] != wanted:
                    if not indexes_dropped:  # DuckDB alters no column of an indexed table; they are remade
                        for index in table.indexes:
                            conn.execute(sa.schema.DropIndex(index, if_exists=True))
                        indexes_dropped = True
                    logger.warning("warehouse: changing %s.%s to %s", spec.name, column.name, type_sql)
                    conn.execute(
                        sa.DDL(
                            "ALTER TABLE %(table)s ALTER COLUMN %(column)s TYPE %(type)s",
                            {"column": quote(column), "type": type_sql},
                        ).against(table)
                    )

    def _functions_present(self, conn: sa.Connection) -> set[str]:
        """The names of :data:`SQL_FUNCTIONS` the warehouse already has."""
        statement = sa.text(FUNCTIONS_PRESENT[self.dialect]).bindparams(sa.bindparam("names", expanding=True))
        return set(conn.execute(statement, {"names": list(SQL_FUNCTIONS)}).scalars())

    # ---- reads and writes --------------------------------------------------------------------

    def query(self, sql: str | sa.Executable, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        """Rows of ``sql`` (text with ``:name`` parameters, or a SQLAlchemy Core statement)."""
        with self.connect() as conn:
            return self.query_in(conn, sql, params)

    def query_in(
        self, conn: sa.Connection, sql: str | sa.Executable, params: Mapping[str, Any] | None = None
    ) -> pd.DataFrame:
        statement = sa.text(sql) if isinstance(sql, str) else sql
        result = conn.execute(statement, dict(params or {}))
        # object dtype keeps values exact: NULLs must not turn integer ids into floats
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()), dtype=object)

    def insert_rows(self, conn: sa.Connection, spec: TableSpec, rows: Sequence[Sequence[Any]]) -> int:
        """Bulk-insert rows in the spec's column order (str, int, Decimal, date, datetime or None)."""
        if not rows:
            return 0
        if self.dialect not in ("duckdb", "postgresql"):
            columns = spec.column_names
            conn.execute(spec.table.insert(), [dict(zip(columns, r, strict=True)) for r in rows])
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
            _copy_text(conn, spec.table, texts)
        elif self.dialect == "duckdb":
            frame = pd.DataFrame(dict(zip(columns, texts, strict=True)), dtype=object)
            raw = conn.connection.driver_connection
            view = f"_load_{spec.name}"
            raw.register(view, frame)
            table = spec.table
            loaded = sa.table(view, *(sa.column(name) for name in columns))
            casts = sa.select(*(sa.cast(loaded.c[c.name], table.c[c.name].type) for c in table.columns))
            conn.execute(table.insert().from_select(columns, casts))
            raw.unregister(view)
        else:
            rows = [dict(zip(columns, values, strict=True)) for values in zip(*texts, strict=True)]
            conn.execute(spec.table.insert(), rows)
        return count

    def replace_rows(
        self, conn: sa.Connection, spec: TableSpec, where: Mapping[str, Any], rows: Sequence[Sequence[Any]]
    ) -> int:
        """Delete the rows matching ``where`` (column = value), insert ``rows``: a partition replaced."""
        table = spec.table
        conn.execute(sa.delete(table).where(*(table.c[column] == value for column, value in where.items())))
        return self.insert_rows(conn, spec, rows)

    def analyze(self, specs: Sequence[TableSpec]) -> None:
        """Refresh the planner statistics of tables just loaded in bulk (PostgreSQL; DuckDB needs none).

        Without them PostgreSQL plans a freshly loaded table as a few rows (autovacuum analyses later),
        and a backfill's set SQL over millions of rows degrades into nested loops."""
        if self.dialect != "postgresql":
            return
        with self.transaction() as conn:
            for spec in specs:
                conn.execute(sa.DDL("ANALYZE %(table)s").against(spec.table))

    def delete_partitions(
        self, conn: sa.Connection, spec: TableSpec, tenant_id: str, days: Sequence[Any]
    ) -> None:
        """Delete a tenant's rows of the given partition dates (one statement for a whole batch of days)."""
        table = spec.table
        conn.execute(
            sa.delete(table).where(table.c.tenant_id == tenant_id, table.c.partition_date.in_(list(days)))
        )


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


def _copy_text(conn: sa.Connection, table: sa.Table, texts: Sequence[Sequence[str | None]]) -> None:
    """PostgreSQL COPY of text columns as CSV in which no text can be taken for NULL.

    Every value is quoted and NULL is the one unquoted field, the empty one (COPY's CSV default), so a
    string ``\\N``, an empty string, a quote, a comma or a line break loads exactly as it was."""
    buffer = io.StringIO(_csv_text(texts))
    cursor = conn.connection.driver_connection.cursor()
    quoted = conn.dialect.identifier_preparer
    columns = ", ".join(quoted.format_column(column) for column in table.columns)
    cursor.copy_expert(COPY_CSV.format(table=quoted.format_table(table), columns=columns), buffer)


#: COPY's CSV format with its defaults spelled out: NULL is an unquoted empty field, quotes double. The
#: table and column names are filled in quoted by SQLAlchemy's identifier preparer.
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
