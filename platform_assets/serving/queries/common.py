"""What every query shares: exact rounding to the cent and a page of rows."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Generic, TypeVar

import sqlalchemy as sa

Row = TypeVar("Row")
CENT = Decimal("0.01")


def round_half_away(value: Decimal, quantum: Decimal = CENT) -> Decimal:
    """``value`` rounded to ``quantum``, halves away from zero (the warehouse's rounding; ROUND_HALF_UP
    rounds magnitudes)."""
    return value.quantize(quantum, rounding=ROUND_HALF_UP)


def cents(value: Decimal | int | None) -> Decimal | None:
    """An exact amount rounded to the cent, halves away from zero."""
    if value is None:
        return None
    return round_half_away(Decimal(value))


def ratio(amount: Decimal | None, divisor: int | None) -> Decimal | None:
    """``amount / divisor`` to the cent (exact division, then rounded once); None without a divisor."""
    if amount is None or not divisor:
        return None
    return cents(Decimal(amount) / Decimal(divisor))


@dataclass(frozen=True)
class Page(Generic[Row]):
    """One page of an ordered result: its rows, the offset it starts at and the total number of rows."""

    rows: list[Row]
    offset: int
    limit: int
    total: int

    @property
    def next_offset(self) -> int | None:
        """Offset of the next page, None on the last page."""
        following = self.offset + len(self.rows)
        return following if following < self.total else None


def paged(conn: sa.Connection, statement: sa.Select, offset: int, limit: int) -> tuple[list, int]:
    """The page's rows of an ordered SELECT, and how many rows the whole SELECT has."""
    total = conn.execute(sa.select(sa.func.count()).select_from(statement.order_by(None).subquery())).scalar()
    rows = conn.execute(statement.offset(offset).limit(limit)).all()
    return rows, int(total or 0)
