"""Money arithmetic of the sandbox: Decimal amounts rounded to cents half-up, and fixed-rate conversion."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from sandbox.shopify.spec import FX_RATES_PER_USD

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def cents(amount: Decimal | int | str) -> Decimal:
    """Round an amount to cents, half-up (how the sandbox rounds every money figure)."""
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def to_cents(amount: Decimal) -> int:
    """A money amount as integer cents (compact indexes); refuses amounts with fractions of a cent."""
    scaled = amount.scaleb(2)
    whole = int(scaled)
    if whole != scaled:
        raise ValueError(f"{amount} is not a whole number of cents")
    return whole


def from_cents(amount: int) -> Decimal:
    """Integer cents back to a two-decimal ``Decimal``, equal to the amount the cents came from."""
    return Decimal(int(amount)).scaleb(-2)


@lru_cache(maxsize=1 << 16)
def fmt(amount: Decimal) -> str:
    """Shopify's wire form of money: a string with two decimals, e.g. ``"-5.00"`` (never ``"-0.00"``).

    Cached: equal amounts (``5``, ``5.0``, ``-0.00``...) always have the same wire form.
    """
    value = cents(amount)
    return f"{abs(value) if value == 0 else value:.2f}"


@lru_cache(maxsize=64)
def fx_rate(shop_currency: str, presentment_currency: str) -> Decimal:
    """Units of presentment currency per unit of shop currency, from the fixed rate table."""
    return FX_RATES_PER_USD[presentment_currency] / FX_RATES_PER_USD[shop_currency]


def convert(amount: Decimal, rate: Decimal) -> Decimal:
    """Shop money converted to presentment money at ``rate``, rounded to cents."""
    return cents(amount * rate)
