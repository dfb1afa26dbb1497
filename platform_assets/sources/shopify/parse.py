"""Typed parsing of Shopify REST values: money strings (or the numbers some fields send), ISO timestamps
with the shop's UTC offset, tag strings. Every parser raises ``ValueError`` naming the field and value,
which makes the record a dead letter with that reason (see staging.py)."""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

#: The finest amount the warehouse keeps (MONEY is DECIMAL(18,4)); finer amounts are refused.
MONEY_DECIMALS = 4
#: Tax rates keep up to 6 decimal places (RATE is DECIMAL(12,6)), e.g. 0.08875.
RATE_DECIMALS = 6
_DECIMAL_TEXT = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


def _decimal(value: Any, field: str, places: int, kind: str) -> Decimal:
    """The exact Decimal of a JSON amount: a plain decimal string (``"12.50"``, ``"-5"``) or a JSON
    number. Exponents, padding, signs other than a leading minus, commas, NaN and Infinity, booleans
    and anything finer than ``places`` decimal places are refused, naming the field and the value."""
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
    """Money as an exact Decimal, with the precision it arrived with (up to 4 decimal places).

    Shopify sends decimal strings; a few fields (refund line subtotals) arrive as JSON numbers."""
    if value is None or value == "":
        if required:
            raise ValueError(f"{field} is missing")
        return None
    return _decimal(value, field, MONEY_DECIMALS, "an amount")


def rate(value: Any, field: str) -> Decimal | None:
    """A tax rate as a fraction (``0.19``), exact, up to 6 decimal places; None when absent."""
    if value is None or value == "":
        return None
    return _decimal(value, field, RATE_DECIMALS, "a rate")


def money0(value: Any, field: str) -> Decimal:
    """Money where absence means zero."""
    amount = money(value, field)
    return amount if amount is not None else Decimal("0.00")


def timestamp(value: Any, field: str, *, required: bool = False) -> datetime | None:
    """An ISO 8601 timestamp with offset, as naive UTC (the warehouse stores UTC)."""
    if value is None or value == "":
        if required:
            raise ValueError(f"{field} is missing")
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{field} is not a timestamp: {value!r}") from None
    if parsed.tzinfo is None:
        raise ValueError(f"{field} has no UTC offset: {value!r}")
    return parsed.astimezone(UTC).replace(tzinfo=None)


def business_date(utc_naive: datetime, timezone: ZoneInfo) -> date:
    """The tenant-local calendar day of a UTC instant."""
    return utc_naive.replace(tzinfo=UTC).astimezone(timezone).date()


def integer(value: Any, field: str, *, required: bool = False) -> int | None:
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


def tags(value: Any) -> list[str]:
    """Shopify tags: one comma-separated string; blanks dropped, duplicates removed, order kept."""
    if not value:
        return []
    seen: dict[str, None] = {}
    for tag in str(value).split(","):
        tag = tag.strip()
        if tag:
            seen.setdefault(tag, None)
    return list(seen)


def presentment(money_set: Any) -> Decimal | None:
    """The presentment amount of a Shopify ``*_set`` money bag, if present."""
    if isinstance(money_set, dict):
        bag = money_set.get("presentment_money") or {}
        return money(bag.get("amount"), "presentment_money.amount")
    return None
