"""Declarative staging: a source says in SQL what every staging column is, DuckDB types whole raw
partitions at once, and only the odd records go through the source's Python stager.

A source's staging is a :class:`SqlStaging`: its SQL files (DuckDB, over the relation ``raw_input`` of
``partition_date, ord, tz, line``: one raw JSON line per row) build one temporary table ``t_<table>`` per
staging table, with the table's columns by name (``tenant_id`` and ``partition_date`` excepted) plus the
record they came from (``_day``, ``_ord``), and three tables about the records: ``_rec`` (every record,
``sql_ok`` when SQL typed every value it reads exactly as the Python parsers would, and ``new_fields``, its
top-level fields the source does not know, from the engine's macro ``unknown_fields(line)``), ``_bad``
(records one of whose child values did not type cleanly) and ``_dup`` (records whose key another record of
the day shares).

The engine adds the warehouse's own value rules (from the :class:`TableSpec`: NOT NULL, ≥, one of, pattern,
one row per key within a record), so a record that breaks one is not written by SQL either. Every record
SQL did not type cleanly is re-staged by the Python stager, which stages it (if SQL was only stricter) or
names the field and value in its dead letter, exactly as before; the good records' rows never leave
DuckDB on a DuckDB warehouse (INSERT … SELECT in the same transaction), and reach PostgreSQL as CSV
(every value quoted, NULL the only unquoted field) through COPY.
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path

import duckdb
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from platform_assets.staging.staged import DeadLetter, Staged, unreadable_line
from platform_assets.warehouse.schema import TableSpec
from resources import fast_json
from resources.warehouse import COPY_CSV, WarehouseResource, text_columns

#: Columns every staging row gets from the partition, not from the SQL.
PARTITION_COLUMNS = ("tenant_id", "partition_date")
#: Columns of the SQL's per-record tables naming the record a row came from.
RECORD = ("_day", "_ord")


def _record() -> tuple[sa.ColumnClause, sa.ColumnClause]:
    return sa.column("_day"), sa.column("_ord")


def _python() -> sa.TableClause:
    return sa.table("_python", *_record())


#: DuckDB statements around the Core-built queries (DDL and COPY, which SQLAlchemy Core does not build).
CREATE_TEMP_TABLE = "CREATE OR REPLACE TEMP TABLE {name} AS {query}"
#: A raw line's top-level fields not in ``{known}`` (a list literal): a lambda, which Core does not build.
UNKNOWN_FIELDS_MACRO = (
    "CREATE OR REPLACE TEMP MACRO unknown_fields(line) AS "
    "list_filter(json_keys(line), lambda k: NOT list_contains({known}, k))"
)
TEMP_TABLES = "SELECT table_name FROM duckdb_tables() WHERE temporary"
DROP_TEMP_TABLE = 'DROP TABLE IF EXISTS temp."{name}"'
CREATE_TEMP_VIEW = "CREATE OR REPLACE TEMP VIEW {name} AS {query}"
DROP_TEMP_VIEW = 'DROP VIEW IF EXISTS temp."{name}"'
#: The temporary tables of a batch's raw lines read by DuckDB (one per day: RAW_LINES + its index).
RAW_LINES = "_raw_lines_"
#: A raw file's non-blank lines (as Python's bytes.strip() sees blank), in order (``rowid``), read by DuckDB:
#: one text column (no quoting; the delimiter is a control character JSON never holds raw, and a line that
#: holds one anyway is refused whole by the strict reader), gzip; a line that is refused, not UTF-8 or longer
#: than 64 MB is skipped, and the count of lines read shows it.
READ_RAW_LINES = (
    "CREATE OR REPLACE TEMP TABLE {name} AS SELECT line FROM read_csv({path}, "
    "columns = {{'line': 'VARCHAR'}}, header = false, delim = E'\\x01', quote = '', escape = '', "
    "compression = 'gzip', auto_detect = false, "
    "ignore_errors = true, max_line_size = 67108864) "
    "WHERE line IS NOT NULL AND NOT regexp_full_match(line, '[ \\t\\r\\x0b\\x0c]*')"
)
#: Every value quoted, NULL the only unquoted (empty) field: the CSV resources.warehouse sends to COPY.
COPY_TO_CSV = "COPY ({query}) TO '{path}' (HEADER false, FORCE_QUOTE *, NULLSTR '')"

PythonStager = Callable[[list[dict], date], Staged]


@dataclass(frozen=True)
class SqlStaging:
    """One raw entity's declarative staging: the SQL files that type it and the tables they fill."""

    entity: str
    sql_files: tuple[Path, ...]
    specs: tuple[TableSpec, ...]
    known_fields: frozenset[str]
    #: Batches with fewer records are staged by the Python stager alone (the same rows by construction):
    #: below it, the SQL's fixed cost per batch (some twenty statements) exceeds typing them in Python.
    min_sql_records: int = 0

    @cached_property
    def statements(self) -> list[str]:
        """The SQL files' statements, in order (statements end with ``;`` at the end of a line)."""
        text = "\n".join(path.read_text() for path in self.sql_files)
        return [s.strip() for s in text.split(";\n") if s.strip() and not _only_comments(s)]

    @cached_property
    def python_records_sql(self) -> str:
        """The records the Python stager must stage: not typed cleanly, a child not typed cleanly, a key
        shared with another record, or a row breaking its table's rules."""
        record = sa.table("_rec", *_record(), sa.column("sql_ok"))
        parts: list[sa.Select] = [
            sa.select(*record.c["_day", "_ord"]).where(sa.not_(sa.func.coalesce(record.c.sql_ok, False))),
            sa.select(*sa.table("_bad", *_record()).c),
            sa.select(*sa.table("_dup", *_record()).c),
        ]
        for spec in self.specs:
            parts += _rule_breaks(spec)
        return _sql(sa.union(*parts))

    def rows_query(self, spec: TableSpec, tenant_id: str) -> sa.Select:
        """A table's rows of the records SQL typed cleanly, in the spec's column order."""
        columns = [c for c in spec.column_names if c not in PARTITION_COLUMNS]
        source = sa.table(f"t_{spec.name}", *_record(), *(sa.column(c) for c in columns))
        python = sa.table("_python", *_record())
        query = sa.select(
            sa.literal(tenant_id, sa.Text).label("tenant_id"),
            source.c._day.label("partition_date"),
            *(source.c[c] for c in columns),
        ).where(~sa.exists().where(python.c._day == source.c._day, python.c._ord == source.c._ord))
        return query

    @cached_property
    def staged_sql(self) -> str:
        """How many records SQL staged itself, per day."""
        record = sa.table("_rec", *_record(), sa.column("sql_ok"))
        python = _python()
        return _sql(
            sa.select(record.c._day, sa.func.count())
            .where(record.c.sql_ok)
            .where(~sa.exists().where(python.c._day == record.c._day, python.c._ord == record.c._ord))
            .group_by(record.c._day)
        )

    @cached_property
    def unknown_fields_macro(self) -> str:
        """The macro ``unknown_fields(line)`` the source's SQL calls once per raw line (``_rec`` keeps that
        short list rather than the line): its top-level fields outside ``known_fields``, the schema drift."""
        known = sa.literal(sorted(self.known_fields), postgresql.ARRAY(sa.Text))
        return UNKNOWN_FIELDS_MACRO.format(known=_sql(known))

    @cached_property
    def new_fields_sql(self) -> str:
        """Top-level fields outside ``known_fields`` (schema drift) of the records SQL staged, per day."""
        record = sa.table("_rec", *_record(), sa.column("new_fields"), sa.column("sql_ok"))
        python = sa.table("_python", *_record())
        clean = (
            sa.select(record.c._day, sa.func.unnest(record.c.new_fields).label("field"))
            .where(record.c.sql_ok)
            .where(~sa.exists().where(python.c._day == record.c._day, python.c._ord == record.c._ord))
            .subquery()
        )
        return _sql(
            sa.select(clean.c._day, clean.c.field, sa.func.count()).group_by(clean.c._day, clean.c.field)
        )


def _only_comments(statement: str) -> bool:
    return all(not line.strip() or line.strip().startswith("--") for line in statement.splitlines())


def _sql(statement: sa.ClauseElement) -> str:
    """SQLAlchemy Core as DuckDB SQL text (PostgreSQL's syntax, which DuckDB speaks), values inlined."""
    return str(statement.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))


def _rule_breaks(spec: TableSpec) -> list[sa.Select]:
    """Selects of the records whose rows in ``spec``'s SQL table break its value rules or its grain (a key
    twice within one record), as :class:`platform_assets.warehouse.record_rules.RecordRules` checks."""
    names = [c for c in spec.column_names if c not in PARTITION_COLUMNS]
    table = sa.table(f"t_{spec.name}", *_record(), *(sa.column(c) for c in names))
    oks: list[sa.ColumnElement[bool]] = []
    for column in spec.columns:
        if column.name in PARTITION_COLUMNS:
            continue
        value = table.c[column.name]
        if not column.nullable:
            oks.append(value.is_not(None))
        if column.ge is not None:
            oks.append(sa.or_(value.is_(None), value >= column.ge))
        if column.isin is not None:
            oks.append(sa.or_(value.is_(None), value.in_(column.isin)))
        if column.pattern is not None:
            oks.append(sa.or_(value.is_(None), sa.func.regexp_matches(value, column.pattern)))
    breaks: list[sa.Select] = []
    if oks:
        breaks.append(sa.select(*table.c["_day", "_ord"]).where(sa.not_(sa.and_(*oks))))
    key = [table.c[name] for name in spec.key if name not in PARTITION_COLUMNS]
    if key:
        breaks.append(
            sa.select(*table.c["_day", "_ord"])
            .group_by(table.c._day, table.c._ord, *key)
            .having(sa.func.count() > 1)
        )
    return breaks


@dataclass(frozen=True)
class LocalRawFile:
    """A raw partition as the local file the raw store wrote (gzipped JSON lines), which DuckDB reads
    itself, and how many records the store wrote to it."""

    path: str
    records: int
    read_lines: Callable[[], Iterable[bytes]]


@dataclass
class RawDay:
    """One raw partition and the tenant's timezone that day: its lines (bytes, one JSON record each) in
    memory, or the local file holding them."""

    day: date
    timezone: str
    lines: Sequence[bytes] | None = None
    file: LocalRawFile | None = None

    def read_lines(self) -> list[bytes]:
        """The partition's non-blank lines, in order (numbered as ``ord`` in ``raw_input``)."""
        if self.lines is not None:
            return [line for line in self.lines if line.strip()]
        if self.file is None:
            return []
        return [line for line in self.file.read_lines() if line.strip()]


@dataclass
class StagedBatch:
    """What a batch of days became: rows written per table, and per day its dead letters, schema drift and
    how many records were staged."""

    written: dict[str, int]
    dead_letters: dict[date, list[DeadLetter]] = field(default_factory=dict)
    new_fields: dict[date, Counter[str]] = field(default_factory=dict)
    staged: dict[date, int] = field(default_factory=dict)


def _input_table(days: Sequence[RawDay]) -> tuple[pd.DataFrame, set[tuple[date, int]]]:
    """The raw lines as the ``raw_input`` relation, and the lines that are not UTF-8 (Python's)."""
    dates: list[date] = []
    ords: list[int] = []
    zones: list[str] = []
    texts: list[str | None] = []
    undecodable: set[tuple[date, int]] = set()
    for raw in days:
        lines = raw.read_lines()
        for index, line in enumerate(lines):
            try:
                texts.append(line.decode("utf-8"))
            except UnicodeDecodeError:
                texts.append(None)
                undecodable.add((raw.day, index))
        dates += [raw.day] * len(lines)
        ords += range(len(lines))
        zones += [raw.timezone] * len(lines)
    frame = pd.DataFrame(
        {
            "partition_date": pd.Series(dates, dtype=object),
            "ord": pd.Series(ords, dtype="int64"),
            "tz": pd.Series(zones, dtype=object),
            "line": pd.Series(texts, dtype=object),
        }
    )
    return frame, undecodable


def _read_in_duckdb(duck: duckdb.DuckDBPyConnection, days: Sequence[RawDay]) -> bool:
    """Read the days' local raw files into DuckDB as the ``raw_input`` view, without Python touching a
    line; False (and nothing left behind) unless every day is a local file and DuckDB read exactly the
    records the raw store wrote to each: a line that is not UTF-8 or too long is skipped by the reader,
    and then the count tells, and Python reads the batch instead."""
    files = [raw.file for raw in days]
    if not days or any(file is None for file in files):
        return False
    parts: list[sa.Select] = []
    for index, (raw, file) in enumerate(zip(days, files, strict=True)):
        assert file is not None
        name = f"{RAW_LINES}{index}"
        try:
            duck.execute(READ_RAW_LINES.format(name=name, path=_sql(sa.literal(file.path))))
            (count,) = duck.execute(_sql(sa.select(sa.func.count()).select_from(sa.table(name)))).fetchone()
        except duckdb.Error:  # a file its CSV reader cannot split into lines (stray carriage returns)
            count = None
        if count != file.records:
            _drop_raw_lines(duck, index + 1)
            return False
        lines = sa.table(name, sa.column("rowid"), sa.column("line"))
        parts.append(
            sa.select(
                sa.cast(sa.literal(raw.day.isoformat()), sa.Date).label("partition_date"),
                lines.c.rowid.label("ord"),
                sa.literal(raw.timezone, sa.Text).label("tz"),
                lines.c.line,
            )
        )
    duck.execute(CREATE_TEMP_VIEW.format(name="raw_input", query=_sql(sa.union_all(*parts))))
    return True


def _drop_raw_lines(duck: duckdb.DuckDBPyConnection, count: int) -> None:
    for index in range(count):
        duck.execute(DROP_TEMP_TABLE.format(name=f"{RAW_LINES}{index}"))


@dataclass(frozen=True)
class RawInput:
    """A batch's raw days as DuckDB's ``raw_input`` relation (``partition_date, ord, tz, line``), and the
    lines Python read that are not UTF-8 (those go to the Python stager)."""

    days: Sequence[RawDay]
    undecodable: frozenset[tuple[date, int]] = frozenset()


@contextmanager
def open_raw_input(
    staging: SqlStaging, duck: duckdb.DuckDBPyConnection, days: Sequence[RawDay]
) -> Iterator[RawInput]:
    """The batch's ``raw_input`` on ``duck`` while the block runs. Open it *before* the batch's transaction
    on a DuckDB warehouse: DuckDB reads the local raw files itself, and a file its reader refuses must not
    abort the transaction (Python reads that batch instead)."""
    if sum(_records(raw) for raw in days) < max(staging.min_sql_records, 1):
        yield RawInput(days)  # staged by Python alone
        return
    in_duckdb = _read_in_duckdb(duck, days)
    undecodable: set[tuple[date, int]] = set()
    if not in_duckdb:
        inputs, undecodable = _input_table(days)
        duck.register("raw_input", inputs)
    try:
        yield RawInput(days, frozenset(undecodable))
    finally:
        if in_duckdb:
            duck.execute(DROP_TEMP_VIEW.format(name="raw_input"))
            _drop_raw_lines(duck, len(days))
        else:
            duck.unregister("raw_input")


def _records(raw: RawDay) -> int:
    """How many records a raw day holds (a local file's as the raw store counted them)."""
    if raw.lines is not None:
        return len(raw.lines)
    return raw.file.records if raw.file is not None else 0


def stage_batch(
    staging: SqlStaging,
    warehouse: WarehouseResource,
    conn: sa.Connection,
    duck: duckdb.DuckDBPyConnection,
    tenant_id: str,
    raw_input: RawInput,
    python_stage: PythonStager,
) -> StagedBatch:
    """Stage a batch of one tenant's raw days (opened as ``raw_input`` by :func:`open_raw_input`) into the
    staging tables, inside ``conn``'s open transaction (the caller deleted the days' rows before). ``duck``
    is the DuckDB connection that types the records: the warehouse's own (``conn``'s) on a DuckDB
    warehouse, an in-memory one otherwise."""
    days = raw_input.days
    batch = StagedBatch(written={spec.name: 0 for spec in staging.specs})
    for raw in days:
        batch.dead_letters[raw.day] = []
        batch.new_fields[raw.day] = Counter()
        batch.staged[raw.day] = 0
    if not any(_records(raw) for raw in days):
        return batch
    if sum(_records(raw) for raw in days) < staging.min_sql_records:
        _stage_in_python(batch, staging, warehouse, conn, days, python_stage, None)
        return batch
    try:
        duck.execute(staging.unknown_fields_macro)
        for statement in staging.statements:
            duck.execute(statement)
        duck.execute(CREATE_TEMP_TABLE.format(name="_python", query=staging.python_records_sql))
        python = {(day, index) for day, index in duck.execute(_sql(sa.select(*_python().c))).fetchall()}
        python |= raw_input.undecodable
        for day, name, count in duck.execute(staging.new_fields_sql).fetchall():
            batch.new_fields[day][name] += count
        for day, count in duck.execute(staging.staged_sql).fetchall():
            batch.staged[day] += count
        for spec in staging.specs:
            batch.written[spec.name] += _write_sql_rows(
                warehouse, conn, duck, staging.rows_query(spec, tenant_id), spec
            )
    finally:
        _drop_temp_tables(duck, keep=RAW_LINES)
    _stage_in_python(batch, staging, warehouse, conn, days, python_stage, python)
    return batch


def _stage_in_python(
    batch: StagedBatch,
    staging: SqlStaging,
    warehouse: WarehouseResource,
    conn: sa.Connection,
    days: Sequence[RawDay],
    python_stage: PythonStager,
    records: set[tuple[date, int]] | None,
) -> None:
    """Stage the given records of each day (all of them when ``records`` is None) with the Python stager
    and bulk-load its rows: the odd records' exact staging or dead letter."""
    for raw in days:
        if records is not None and not any(day == raw.day for day, _ in records):
            continue
        parsed: list[dict] = []
        unreadable: list[DeadLetter] = []
        for index, line in enumerate(raw.read_lines()):
            if records is None or (raw.day, index) in records:
                try:
                    parsed.append(fast_json.loads(line))
                except ValueError as error:  # not JSON, or not UTF-8: kept aside, the others go on
                    unreadable.append(unreadable_line(index, line, error))
        if not parsed and not unreadable:
            continue
        staged = python_stage(parsed, raw.day) if parsed else Staged()
        batch.dead_letters[raw.day] = [*unreadable, *staged.dead_letters]
        batch.new_fields[raw.day].update(staged.new_fields)
        batch.staged[raw.day] += staged.staged
        for spec in staging.specs:
            rows = staged.rows.get(spec.name) or []
            if rows:
                batch.written[spec.name] += warehouse.insert_text(
                    conn, spec, text_columns(rows, len(spec.column_names))
                )


def _write_sql_rows(
    warehouse: WarehouseResource,
    conn: sa.Connection,
    duck: duckdb.DuckDBPyConnection,
    query: sa.Select,
    spec: TableSpec,
) -> int:
    """Write a query's rows (in the spec's column order) to the warehouse table: INSERT … SELECT on the
    warehouse's own DuckDB, COPY of DuckDB-written CSV on PostgreSQL."""
    if warehouse.dialect == "duckdb":
        insert = sa.insert(spec.sqlalchemy_table()).from_select(spec.column_names, query)
        result = duck.execute(_sql(insert)).fetchone()
        return int(result[0]) if result else 0
    handle, path = tempfile.mkstemp(suffix=".csv", prefix=f"storehouse_{spec.name}_")
    os.close(handle)
    try:
        # Every value quoted, NULL the only unquoted (empty) field: what resources.warehouse sends.
        result = duck.execute(COPY_TO_CSV.format(query=_sql(query), path=path)).fetchone()
        count = int(result[0]) if result else 0
        if count:
            cursor = conn.connection.driver_connection.cursor()
            with open(path, encoding="utf-8") as csv:
                columns = ", ".join(spec.column_names)
                cursor.copy_expert(COPY_CSV.format(table=spec.name, columns=columns), csv)
        return count
    finally:
        os.unlink(path)


def _drop_temp_tables(duck: duckdb.DuckDBPyConnection, keep: str) -> None:
    """Free the batch's temporary tables but the raw lines (named ``keep``…, :func:`open_raw_input`'s):
    on the warehouse's connection they would live until it closes."""
    for (name,) in duck.execute(TEMP_TABLES).fetchall():
        if not name.startswith(keep):
            duck.execute(DROP_TEMP_TABLE.format(name=name))


def duck_for(warehouse: WarehouseResource, conn: sa.Connection) -> duckdb.DuckDBPyConnection:
    """The DuckDB connection that types records: the warehouse's own, or a new in-memory one."""
    if warehouse.dialect == "duckdb":
        return conn.connection.driver_connection  # type: ignore[return-value]
    return duckdb.connect()


@contextmanager
def closing_duck(warehouse: WarehouseResource, conn: sa.Connection) -> Iterator[duckdb.DuckDBPyConnection]:
    """:func:`duck_for`, closed afterwards when it is an in-memory one of its own."""
    duck = duck_for(warehouse, conn)
    try:
        yield duck
    finally:
        if warehouse.dialect != "duckdb":
            duck.close()
