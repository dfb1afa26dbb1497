"""Table specifications: one definition per warehouse table.

A :class:`TableSpec` drives the DDL (through SQLAlchemy, for DuckDB and PostgreSQL alike), the bulk-load
column order and the column schema shown in the Dagster UI (with PII columns tagged), so a column is
described exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import dagster as dg
import sqlalchemy as sa

# The small type vocabulary every table uses. MONEY is an exact amount as the platform sent it or as
# computed from such amounts (up to 4 decimal places, never rounded); CENTS is a reported figure, rounded
# once to the cent (half away from zero) where it is computed.
TEXT, BIGINT, INT, MONEY, CENTS, RATE, PERCENT, BOOL, DATE, TIMESTAMP = (
    "text",
    "bigint",
    "int",
    "money",
    "cents",
    "rate",
    "percent",
    "bool",
    "date",
    "timestamp",
)

_SQLALCHEMY_TYPES = {
    TEXT: sa.Text(),
    BIGINT: sa.BigInteger(),
    INT: sa.Integer(),
    MONEY: sa.Numeric(18, 4),
    CENTS: sa.Numeric(18, 2),
    RATE: sa.Numeric(12, 6),
    # A change in percent, to the hundredth: unbounded (a week after a week of a few cents' sales).
    PERCENT: sa.Numeric(18, 2),
    BOOL: sa.Boolean(),
    DATE: sa.Date(),
    TIMESTAMP: sa.DateTime(),
}
_UI_TYPES = {
    MONEY: "decimal(18,4)",
    CENTS: "decimal(18,2)",
    RATE: "decimal(12,6)",
    PERCENT: "decimal(18,2)",
    TIMESTAMP: "timestamp (UTC)",
}


@dataclass(frozen=True)
class Column:
    """A warehouse column: its type, business meaning, and whether it holds personal data."""

    name: str
    type: str
    description: str
    pii: bool = False
    nullable: bool = True
    ge: float | None = None  # smallest allowed value
    isin: tuple[str, ...] | None = None  # the allowed values
    pattern: str | None = None  # a regular expression every value matches

    def dagster_column(self) -> dg.TableColumn:
        return dg.TableColumn(
            name=self.name,
            type=_UI_TYPES.get(self.type, self.type),
            description=self.description,
            constraints=dg.TableColumnConstraints(nullable=self.nullable),
            tags={"pii": ""} if self.pii else None,
        )


def col(
    name: str,
    type_: str,
    description: str,
    *,
    pii: bool = False,
    nullable: bool = True,
    ge: float | None = None,
    isin: tuple[str, ...] | None = None,
    pattern: str | None = None,
) -> Column:
    """A column; ``ge``, ``isin`` and ``pattern`` are value rules the data-quality checks enforce."""
    return Column(name, type_, description, pii, nullable, ge, isin, pattern)


@dataclass(frozen=True)
class TableSpec:
    """A table: its grain (the key), its columns and the indexes its partition writes filter on."""

    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    indexes: tuple[tuple[str, ...], ...] = field(default_factory=tuple)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def pii_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.pii]

    def sqlalchemy_table(self) -> sa.Table:
        metadata = sa.MetaData()
        table = sa.Table(
            self.name,
            metadata,
            *(sa.Column(c.name, _SQLALCHEMY_TYPES[c.type], nullable=c.nullable) for c in self.columns),
        )
        for position, columns in enumerate(self.indexes):
            sa.Index(f"ix_{self.name}_{position}", *(table.c[name] for name in columns))
        return table

    @property
    def table(self) -> sa.Table:
        """The table as SQLAlchemy Core sees it, made once per spec: what statements about it are built
        from (identifiers quoted by SQLAlchemy, values bound). :meth:`sqlalchemy_table` makes a new one."""
        return _shared_table(self)

    def dagster_schema(self) -> dg.TableSchema:
        return dg.TableSchema(columns=[c.dagster_column() for c in self.columns])

    def definition_metadata(self) -> dict:
        """Asset metadata: the column schema (PII tagged) and the table's grain."""
        return {
            "dagster/column_schema": self.dagster_schema(),
            "dagster/table_name": self.name,
            "grain": ", ".join(self.key),
            "pii_columns": ", ".join(self.pii_columns) or "none",
        }


@cache
def _shared_table(spec: TableSpec) -> sa.Table:
    return spec.sqlalchemy_table()
