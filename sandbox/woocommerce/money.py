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


def json_number(value: Decimal) -> int | float:
    """A line ``price`` as WooCommerce serves it: a JSON number (``3``, ``8.333333``), not a string."""
    quantized = value.quantize(MICRO, rounding=ROUND_HALF_UP)
    if quantized == quantized.to_integral_value():
        return int(quantized)
    return float(quantized)
