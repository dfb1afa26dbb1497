"""Typed parsing of WooCommerce REST values. Money arrives as 2-dp strings on totals but as a JSON number
on a line's ``price``; dates arrive twice, ``date_*`` in site time without an offset and ``date_*_gmt`` in
UTC without an offset: only the ``_gmt`` ones are read. Every parser raises ``ValueError`` naming the field
and the value, which makes the record a dead letter with that reason. Amounts, whole numbers and business
dates are the shared ``platform_assets.staging.parse``."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from platform_assets.staging.parse import decimal_value, money

#: A line's ``price`` (line total ÷ quantity) is kept to 6 decimals as RATE (12,6).
PRICE_DECIMALS = 6
PRICE_STEP = Decimal(1).scaleb(-PRICE_DECIMALS)
ZERO = Decimal("0")
#: Computed amounts (a unit price, a tax share) are kept to the warehouse's 4 decimal places.
ALLOCATION_STEP = Decimal("0.0001")
_GMT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}")


def money0(value: Any, field: str) -> Decimal:
    """Money where absence means zero."""
    amount = money(value, field)
    return amount if amount is not None else ZERO


def price(value: Any, field: str) -> Decimal | None:
    """A line's ``price``: the line total ÷ quantity as a JSON number (a float, unrounded on the wire),
    rounded to 6 decimals, halves away from zero. Informational: figures come from the line totals."""
    if value is None or value == "":
        return None
    if isinstance(value, float) and math.isfinite(value):
        return Decimal(repr(value)).quantize(PRICE_STEP, rounding=ROUND_HALF_UP)
    return decimal_value(value, field, PRICE_DECIMALS, "an amount")


def allocated(amount: Decimal) -> Decimal:
    """A computed amount to 4 decimal places, halves away from zero."""
    return amount.quantize(ALLOCATION_STEP, rounding=ROUND_HALF_UP)


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
