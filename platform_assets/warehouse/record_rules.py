"""The staging tables' value rules, applied to one record's rows before they are written.

The blocking schema checks on staging (``checks/schemas.py``) enforce the same rules on whole
partitions, where one bad record would stop every tenant's downstream assets. Applied per record first,
a record that would break them becomes a dead letter naming the table, column and value, and every
other record flows on. The checks stay as the last guard for defects no record explains.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from platform_assets.warehouse.schema import TEXT, TableSpec

#: Key columns every staged row of one record shares; left out of the duplicate-key message.
_PARTITION_COLUMNS = {"tenant_id", "platform", "partition_date"}


@dataclass(frozen=True)
class _ColumnRule:
    index: int
    name: str
    nullable: bool
    ge: float | None
    isin: frozenset[str] | None
    pattern: re.Pattern[str] | None

    def violation(self, value: Any) -> str | None:
        if value is None:
            return None if self.nullable else "is missing"
        if self.ge is not None and value < self.ge:
            return f"is {value}: below {self.ge:g}"
        if self.isin is not None and value not in self.isin:
            return f"is {value!r}: not one of {', '.join(sorted(self.isin))}"
        if self.pattern is not None and not self.pattern.search(str(value)):
            return f"is {value!r}: does not match {self.pattern.pattern}"
        return None


def text_problem(value: str) -> str | None:
    """Why a text value cannot be stored identically on both warehouses, or None when it can.

    PostgreSQL's text cannot hold the NUL character, and an unpaired surrogate (which JSON's ``\\ud800``
    escapes can produce) is not a character in any encoding a database stores."""
    if "\x00" in value:
        return "contains the NUL character (U+0000), which PostgreSQL cannot store"
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            return f"contains an unpaired surrogate (U+{ord(value[exc.start]):04X}), which is not a character"
    return None


def storable(value: str) -> str:
    """``value`` itself when both warehouses store it, else its escaped form (``'a\\x00b'``): for the
    dead letters' own key and reason, which must be written whatever the record held."""
    return value if text_problem(value) is None else ascii(value)


class _TableRules:
    """One table's rules: its columns' value rules, text both warehouses store, and its grain (no two rows
    of a record share a key)."""

    def __init__(self, spec: TableSpec) -> None:
        self.name = spec.name
        self.columns = [
            _ColumnRule(
                index,
                column.name,
                column.nullable,
                column.ge,
                frozenset(column.isin) if column.isin is not None else None,
                re.compile(column.pattern) if column.pattern is not None else None,
            )
            for index, column in enumerate(spec.columns)
            if not column.nullable
            or column.ge is not None
            or column.isin is not None
            or column.pattern is not None
        ]
        self.texts = [(i, column.name) for i, column in enumerate(spec.columns) if column.type == TEXT]
        names = spec.column_names
        self.key = [(names.index(name), name) for name in spec.key if name not in _PARTITION_COLUMNS]

    def check(self, rows: Sequence[tuple]) -> None:
        for row in rows:
            for rule in self.columns:
                problem = rule.violation(row[rule.index])
                if problem is not None:
                    raise ValueError(f"{self.name}.{rule.name} {problem}")
            for index, name in self.texts:
                value = row[index]
                if type(value) is str and ("\x00" in value or not value.isascii()):
                    problem = text_problem(value)
                    if problem is not None:
                        raise ValueError(f"{self.name}.{name} {problem}")
        if len(rows) > 1 and self.key:
            seen: set[tuple] = set()
            for row in rows:
                key = tuple(row[index] for index, _ in self.key)
                if key in seen:
                    named = ", ".join(
                        f"{name} {value}" for (_, name), value in zip(self.key, key, strict=True)
                    )
                    raise ValueError(f"{self.name}: {named} appears more than once")
                seen.add(key)


class RecordRules:
    """The value rules and grains of a set of tables, checked on the rows staged from one record."""

    def __init__(self, specs: Iterable[TableSpec]) -> None:
        self._tables = {spec.name: _TableRules(spec) for spec in specs}

    def check(self, rows: Mapping[str, Sequence[tuple]]) -> None:
        """Raise ``ValueError`` naming the first broken rule (table.column and value, or the repeated key),
        tables in the order given (parents before children, so a repeated line id is named on its line)."""
        unknown = set(rows) - set(self._tables)
        if unknown:
            raise KeyError(f"no rules for tables {sorted(unknown)}")
        for table, rules in self._tables.items():
            table_rows = rows.get(table)
            if table_rows:
                rules.check(table_rows)
