"""Value conversions between the sandbox's REST payloads and GraphQL: GIDs, UTC timestamps, money."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

GID_PREFIX = "gid://shopify/"


def gid(kind: str, object_id: int | str) -> str:
    """``gid://shopify/{kind}/{id}``."""
    return f"{GID_PREFIX}{kind}/{object_id}"


def parse_gid(value: str, kind: str | None = None) -> tuple[str, int] | None:
    """(kind, numeric id) of a GID, or None if it is not one (or not of ``kind``)."""
    if not isinstance(value, str) or not value.startswith(GID_PREFIX):
        return None
    rest = value[len(GID_PREFIX) :].split("?", 1)[0]
    name, _, raw = rest.partition("/")
    if not raw.isdigit() or (kind is not None and name != kind):
        return None
    return name, int(raw)


def utc_text(instant: datetime | str | None) -> str | None:
    """A timestamp as GraphQL serves it: UTC with ``Z`` (REST payloads carry the shop's offset)."""
    if instant is None:
        return None
    if isinstance(instant, str):
        instant = datetime.fromisoformat(instant)
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def decimal_text(amount: Decimal | str) -> str:
    """Shopify's ``Decimal`` scalar: no trailing zeros, at least one decimal (``"151.3"``, ``"0.0"``)."""
    text = amount if isinstance(amount, str) else format(amount, "f")
    if "e" in text or "E" in text:
        text = format(Decimal(text), "f")
    if "." not in text:
        return text + ".0"
    text = text.rstrip("0")
    return text + "0" if text.endswith(".") else text


def money(amount: Decimal | str, currency: str) -> dict:
    """A ``MoneyV2``."""
    return {"amount": decimal_text(amount), "currencyCode": currency}


def bag_from_set(money_set: dict | None) -> dict | None:
    """A ``MoneyBag`` from a REST ``*_set`` object."""
    if money_set is None:
        return None
    shop, presentment = money_set["shop_money"], money_set["presentment_money"]
    return {
        "shopMoney": money(shop["amount"], shop["currency_code"]),
        "presentmentMoney": money(presentment["amount"], presentment["currency_code"]),
    }


def bag(
    shop_amount: Decimal, shop_currency: str, presentment_amount: Decimal, presentment_currency: str
) -> dict:
    """A ``MoneyBag`` from two amounts."""
    return {
        "shopMoney": money(shop_amount, shop_currency),
        "presentmentMoney": money(presentment_amount, presentment_currency),
    }


def bag_sum(bags: list[dict], shop_currency: str, presentment_currency: str) -> dict:
    """The sum of ``MoneyBag``s (zero in both currencies for none)."""
    shop = sum((Decimal(item["shopMoney"]["amount"]) for item in bags), Decimal(0))
    presentment = sum((Decimal(item["presentmentMoney"]["amount"]) for item in bags), Decimal(0))
    return bag(shop, shop_currency, presentment, presentment_currency)


def encode_cursor(payload: Any) -> str:
    """An opaque cursor (base64 of compact JSON, like Shopify's)."""
    raw = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    return base64.b64encode(raw).decode()


def decode_cursor(cursor: str) -> Any:
    """The payload of a cursor; ``ValueError`` if it is not one."""
    try:
        return json.loads(base64.b64decode(cursor.encode(), validate=True))
    except Exception as error:  # noqa: BLE001 - any malformed cursor is the same user error
        raise ValueError(cursor) from error
