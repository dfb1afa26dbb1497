"""Money arithmetic of the sandbox: Decimal amounts rounded to cents half-up, and fixed-rate conversion."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from sandbox.shopify.spec import FX_RATES_PER_USD

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def cents(amount: Decimal | int | str) -> Decimal:
    """Round an amount to cents, half-up (how the sandbox rounds every money figure)."""
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def fmt(amount: Decimal) -> str:
    """Shopify's wire form of money: a string with two decimals, e.g. ``"-5.00"`` (never ``"-0.00"``)."""
    value = cents(amount)
    return f"{abs(value) if value == 0 else value:.2f}"


def fx_rate(shop_currency: str, presentment_currency: str) -> Decimal:
    """Units of presentment currency per unit of shop currency, from the fixed rate table."""
    return FX_RATES_PER_USD[presentment_currency] / FX_RATES_PER_USD[shop_currency]


def convert(amount: Decimal, rate: Decimal) -> Decimal:
    """Shop money converted to presentment money at ``rate``, rounded to cents."""
    return cents(amount * rate)


def money_set(amount: Decimal, shop_currency: str, presentment_currency: str, rate: Decimal) -> dict:
    """A Shopify ``*_set`` money bag: the amount in shop money and in presentment money."""
    return {
        "shop_money": {"amount": fmt(amount), "currency_code": shop_currency},
        "presentment_money": {"amount": fmt(convert(amount, rate)), "currency_code": presentment_currency},
    }
