"""Money arithmetic of the sandbox: Decimal amounts rounded to cents half-up, and fixed-rate conversion."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from sandbox.shopify.spec import FX_RATES_PER_USD

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
#: Units per currency unit of the digests' sub-cent money (1/10000: amounts rounded to 4 decimals).
TEN_THOUSANDTHS = 10_000
_FOUR_PLACES = Decimal("0.0001")


def cents(amount: Decimal | int | str) -> Decimal:
    """Round an amount to cents, half-up (how the sandbox rounds every money figure)."""
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def tax_of(amount: Decimal, rate: Decimal, total_rate: Decimal, included: bool) -> Decimal:
    """The tax at ``rate`` on a taxed ``amount`` (a line or shipping charge after discounts), in cents.

    Taxes on top: ``amount × rate``. Taxes included (``amount`` already holds every tax of the item, whose
    rates add up to ``total_rate``): this tax's part of it, ``amount × rate / (1 + total_rate)``. Each tax
    line is rounded on its own, half-up to cents like every sandbox money figure.
    """
    if included:
        return cents(amount * rate / (1 + total_rate))
    return cents(amount * rate)


def tax_inside(amount: Decimal, total_rate: Decimal) -> Decimal:
    """The tax contained in a tax-inclusive ``amount`` at ``total_rate``, to 4 decimals half away from zero.

    The ground truth uses it to take the tax out of a tax-inclusive discount (allocated by rate).
    """
    return (amount * total_rate / (1 + total_rate)).quantize(_FOUR_PLACES, rounding=ROUND_HALF_UP)


def to_cents(amount: Decimal) -> int:
    """A money amount as integer cents (compact indexes); refuses amounts with fractions of a cent."""
    scaled = amount.scaleb(2)
    whole = int(scaled)
    if whole != scaled:
        raise ValueError(f"{amount} is not a whole number of cents")
    return whole


def to_ten_thousandths(amount: Decimal) -> int:
    """A money amount with at most 4 decimals as integer 1/10000 units; refuses finer amounts."""
    scaled = amount.scaleb(4)
    whole = int(scaled)
    if whole != scaled:
        raise ValueError(f"{amount} is not a whole number of ten-thousandths")
    return whole


def cents_from_ten_thousandths(amount: int) -> Decimal:
    """An exact sum of 1/10000 units rounded once to cents, half away from zero (a reported figure)."""
    return cents(Decimal(int(amount)).scaleb(-4))


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
