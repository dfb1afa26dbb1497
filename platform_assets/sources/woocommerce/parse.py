"""Typed parsing of WooCommerce REST values. Money arrives as 2-dp strings on totals but as a JSON number
on a line's ``price``; dates arrive twice, ``date_*`` in site time without an offset and ``date_*_gmt`` in
UTC without an offset: only the ``_gmt`` ones are read. Every parser raises ``ValueError`` naming the field
and the value, which makes the record a dead letter with that reason."""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

#: The finest amount the warehouse keeps (MONEY is DECIMAL(18,4)); finer amounts are refused.
MONEY_DECIMALS = 4
#: A line's ``price`` (line total ÷ quantity) is served with up to 6 decimals: kept as RATE (12,6).
PRICE_DECIMALS = 6
ZERO = Decimal("0")
#: Computed amounts (a unit price, a tax share) are kept to the warehouse's 4 decimal places.
ALLOCATION_STEP = Decimal("0.0001")
_DECIMAL_TEXT = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_GMT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}")


def _decimal(value: Any, field: str, places: int, kind: str) -> Decimal:
    """The exact Decimal of a JSON amount: a plain decimal string (``"12.50"``, ``"-5"``) or a JSON number.
    Exponents, padding, commas, NaN, Infinity, booleans and anything finer than ``places`` decimals are
    refused, naming the field and the value."""
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
    """Money as an exact Decimal (up to 4 decimal places); None when absent unless ``required``."""
    if value is None or value == "":
        if required:
            raise ValueError(f"{field} is missing")
        return None
    return _decimal(value, field, MONEY_DECIMALS, "an amount")


def money0(value: Any, field: str) -> Decimal:
    """Money where absence means zero."""
    amount = money(value, field)
    return amount if amount is not None else ZERO


def price(value: Any, field: str) -> Decimal | None:
    """A line's ``price``: a JSON number with up to 6 decimals (line total ÷ quantity)."""
    if value is None or value == "":
        return None
    return _decimal(value, field, PRICE_DECIMALS, "an amount")


def allocated(amount: Decimal) -> Decimal:
    """A computed amount to 4 decimal places, halves away from zero."""
    return amount.quantize(ALLOCATION_STEP, rounding=ROUND_HALF_UP)


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


def gmt(value: Any, field: str, *, required: bool = False) -> datetime | None:
    """A ``date_*_gmt`` value (``2026-02-20T14:03:11``, UTC without an offset) as naive UTC. The site-time
    ``date_*`` twin is never read: without an offset it is ambiguous around DST changes. An explicit
    offset or ``Z`` is accepted too."""
    if value is None or value == "":
        if required:
            raise ValueError(f"{field} is missing")
        return None
    text = str(value)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{field} is not a timestamp: {value!r}") from None
    if parsed.tzinfo is None:
        if not _GMT.match(text):
            raise ValueError(f"{field} is not a timestamp: {value!r}")
        return parsed
    return parsed.astimezone(UTC).replace(tzinfo=None)


def business_date(utc_naive: datetime, timezone: ZoneInfo) -> date:
    """The tenant-local calendar day of a UTC instant."""
    return utc_naive.replace(tzinfo=UTC).astimezone(timezone).date()


def flag(value: Any, field: str) -> bool | None:
    """A JSON boolean; None when absent."""
    if value is None:
        return None
    if not isinstance(value, bool):
        raise ValueError(f"{field} is not true or false: {value!r}")
    return value


def text(value: Any) -> str | None:
    """A text value; empty strings are None."""
    if value is None or value == "":
        return None
    return str(value)
