"""Typed parsing of Shopify REST values: money strings (or the numbers some fields send), ISO timestamps
with the shop's UTC offset, tag strings. Every parser raises ``ValueError`` naming the field and value."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

CENT = Decimal("0.01")


def money(value: Any, field: str, *, required: bool = False) -> Decimal | None:
    """Money as an exact Decimal (Shopify sends strings; refund line subtotals arrive as JSON numbers)."""
    if value is None or value == "":
        if required:
            raise ValueError(f"{field} is missing")
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{field} is not an amount: {value!r}") from None
    if not amount.is_finite():
        raise ValueError(f"{field} is not an amount: {value!r}")
    return amount


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
