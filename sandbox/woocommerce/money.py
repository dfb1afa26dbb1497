"""Money as ``Decimal``: WooCommerce stores amounts in the site currency and serves them as strings."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
MICRO = Decimal("0.000001")
ZERO = Decimal("0.00")


def cents(value: Decimal) -> Decimal:
    """Rounded to cents, half up (WooCommerce's ``wc_format_decimal`` with ``dp=2``)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def money(value: Decimal) -> str:
    """The 2-dp string WooCommerce serves for order and line totals: ``"6.00"``."""
    return f"{cents(value):.2f}"


def raw_tax(value: Decimal) -> str:
    """A tax amount as WooCommerce stores it on a line's ``taxes[]``: up to 6 decimals, trailing zeros
    dropped (``"0.9"``, ``"1.363636"``, ``"2"``)."""
    text = f"{value.quantize(MICRO, rounding=ROUND_HALF_UP):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def json_number(total: Decimal, quantity: int) -> int | float:
    """A line ``price`` as WooCommerce serves it: PHP's ``$item->get_total() / $item->get_quantity()``, a
    float division left unrounded, JSON-encoded as a number (``3``, ``3.3333333333333335``), not a string."""
    value = float(total) / quantity if quantity else 0.0
    return int(value) if value.is_integer() else value
