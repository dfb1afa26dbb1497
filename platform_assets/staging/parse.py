"""Typed parsing of JSON values every source's staging reads the same way: exact decimal amounts, whole
numbers and the business date of an instant. Every parser raises ``ValueError`` naming the field and the
value, which makes the record a dead letter with that reason. A source's own formats (its timestamps, its
tag strings, its money bags) stay in its ``parse`` module, built on these."""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

#: The finest amount the warehouse keeps (MONEY is DECIMAL(18,4)); finer amounts are refused.
MONEY_DECIMALS = 4
_DECIMAL_TEXT = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


def decimal_value(value: Any, field: str, places: int, kind: str) -> Decimal:
    """The exact Decimal of a JSON amount: a plain decimal string (``"12.50"``, ``"-5"``) or a JSON
    number. Exponents, padding, signs other than a leading minus, commas, NaN and Infinity, booleans
    and anything finer than ``places`` decimal places are refused, naming the field and the value
    (``kind`` says what it should have been: "an amount", "a rate")."""
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise ValueError(f"{field} is not {kind}: {value!r}")
    if isinstance(value, str) and not _DECIMAL_TEXT.fullmatch(value):
        raise ValueError(f"{field} is not {kind}: {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{field} is not {kind}: {value!r}")
    try:
        amount = Decimal(repr(value) if isinstance(value, float) else value)
    except InvalidOperation:
        raise ValueError(f"{field} is not {kind}: {value!r}") from None
    if not amount.is_finite():
        raise ValueError(f"{field} is not {kind}: {value!r}")
    if amount != amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN):
        raise ValueError(f"{field} has more than {places} decimal places: {value!r}")
    return amount


def money(value: Any, field: str, *, required: bool = False) -> Decimal | None:
    """Money as an exact Decimal, with the precision it arrived with (up to 4 decimal places): a decimal
    string or a JSON number; None when absent unless ``required``."""
    if value is None or value == "":
        if required:
            raise ValueError(f"{field} is missing")
        return None
    return decimal_value(value, field, MONEY_DECIMALS, "an amount")


def integer(value: Any, field: str, *, required: bool = False) -> int | None:
    """A whole number (JSON number or digit string); None when absent unless ``required``."""
    if value is None or value == "":
        if required:
            raise ValueError(f"{field} is missing")
        return None
    if isinstance(value, bool):
        raise ValueError(f"{field} is not an integer: {value!r}")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"{field} is not an integer: {value!r}") from None
    if isinstance(value, float) and number != value:
        raise ValueError(f"{field} is not an integer: {value!r}")
    return number


def business_date(utc_naive: datetime, timezone: ZoneInfo) -> date:
    """The tenant-local calendar day of a UTC instant."""
    return utc_naive.replace(tzinfo=UTC).astimezone(timezone).date()
