"""pandera schemas generated from the table specifications, so a column's type, nullability and value
rules are written once (platform_assets/warehouse/tables.py) and enforced here.

Values are checked as the warehouse returns them (Decimal money, date objects, timestamps), element by
element, so the same schema holds on DuckDB and PostgreSQL."""

from datetime import date, datetime
from decimal import Decimal
from functools import cache
from numbers import Integral

import pandas as pd
import pandera.pandas as pa

from platform_assets.warehouse.schema import (
    BIGINT,
    BOOL,
    CENTS,
    DATE,
    INT,
    MONEY,
    PERCENT,
    RATE,
    TEXT,
    TIMESTAMP,
    Column,
    TableSpec,
)

CENT = Decimal("0.01")
MONEY_STEP = Decimal("0.0001")


def _is_integer(value: object) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool)


def _is_decimal_to(step: Decimal):
    """A predicate: an exact, finite Decimal with no digits below ``step``."""

    def predicate(value: object) -> bool:
        return isinstance(value, Decimal) and value.is_finite() and value == value.quantize(step)

    return predicate


_is_money = _is_decimal_to(MONEY_STEP)
_is_cents = _is_decimal_to(CENT)


def _is_date(value: object) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)


_TYPE_CHECKS = {
    TEXT: ("a string", lambda v: isinstance(v, str)),
    BIGINT: ("an integer", _is_integer),
    INT: ("an integer", _is_integer),
    MONEY: ("an amount to 4 decimal places", _is_money),
    CENTS: ("an amount in cents", _is_cents),
    RATE: ("a decimal", lambda v: isinstance(v, Decimal) and v.is_finite()),
    PERCENT: ("a percentage to the hundredth", _is_cents),
    BOOL: ("true or false", lambda v: isinstance(v, bool) or type(v).__name__ == "bool"),
    DATE: ("a date", _is_date),
    TIMESTAMP: ("a timestamp", lambda v: isinstance(v, datetime)),
}


def _column_schema(column: Column) -> pa.Column:
    kind, predicate = _TYPE_CHECKS[column.type]
    checks = [pa.Check(lambda s, p=predicate: s.map(p), element_wise=False, error=f"is {kind}", name="type")]
    if column.ge is not None:
        checks.append(
            pa.Check(lambda s, ge=column.ge: s.map(lambda v: v >= ge), error=f">= {column.ge}", name="ge")
        )
    if column.isin is not None:
        checks.append(pa.Check.isin(list(column.isin)))
    if column.pattern is not None:
        checks.append(pa.Check.str_matches(column.pattern))
    return pa.Column(dtype=None, checks=checks, nullable=column.nullable, required=True)


@cache
def schema_for(spec: TableSpec) -> pa.DataFrameSchema:
    """The pandera schema of a table: every column typed and ruled, the grain (key) unique."""
    return pa.DataFrameSchema(
        {column.name: _column_schema(column) for column in spec.columns},
        unique=list(spec.key),
        strict=True,
        name=spec.name,
    )


def failure_cases(schema: pa.DataFrameSchema, frame: pd.DataFrame) -> pd.DataFrame:
    """Validate lazily; the failure cases (column, check, failing value, row index), empty when valid."""
    try:
        schema.validate(frame.reset_index(drop=True), lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
        return cases[["column", "check", "failure_case", "index"]].astype(str)
    return pd.DataFrame(columns=["column", "check", "failure_case", "index"])
