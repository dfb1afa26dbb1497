"""Typed parsing of Shopify REST values: money strings (or the numbers some fields send), ISO timestamps
with the shop's UTC offset, tag strings; amounts, whole numbers and business dates are the shared
``platform_assets.staging.parse``. Every parser raises ``ValueError`` naming the field and value,
which makes the record a dead letter with that reason (see staging.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from platform_assets.staging.parse import decimal_value, money

#: Tax rates keep up to 6 decimal places (RATE is DECIMAL(12,6)), e.g. 0.08875.
RATE_DECIMALS = 6


def rate(value: Any, field: str) -> Decimal | None:
    """A tax rate as a fraction (``0.19``), exact, up to 6 decimal places; None when absent."""
    if value is None or value == "":
        return None
    return decimal_value(value, field, RATE_DECIMALS, "a rate")


def money0(value: Any, field: str) -> Decimal:
    """Money where absence means zero (Shopify's zero keeps its two decimal places)."""
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
