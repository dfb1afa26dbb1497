"""Commercial rules of the sandbox stores: tax rates, shipping rates and discount codes.

Simplified but shaped like real stores: a New York shop charges NY state + city + MCTD tax to New York
addresses and NJ tax to New Jersey, nothing elsewhere; a German shop charges 19 % VAT (7 % on food such
as coffee) within the EU and none on exports. Shipping is taxed like the goods.
"""

from __future__ import annotations

from decimal import Decimal

_EU = {"DE", "AT", "FR", "NL"}

_US_TAXES: dict[str, list[tuple[str, Decimal]]] = {
    "NY": [
        ("NY State Tax", Decimal("0.04")),
        ("New York City Tax", Decimal("0.045")),
        ("Metropolitan Commuter Transportation District", Decimal("0.00375")),
    ],
    "NJ": [("NJ State Tax", Decimal("0.06625"))],
}
_DE_TAXES: dict[str, list[tuple[str, Decimal]]] = {
    "standard": [("DE MwSt", Decimal("0.19"))],
    "reduced": [("DE MwSt ermäßigt", Decimal("0.07"))],
}


def tax_rates(
    shop_country: str, destination: str, province_code: str | None, tax_class: str
) -> list[tuple[str, Decimal]]:
    """(title, rate) pairs charged on a taxable item shipped to ``destination``."""
    if tax_class == "none":
        return []
    if shop_country == "US":
        if destination != "US":
            return []
        return list(_US_TAXES.get(province_code or "", []))
    if shop_country == "DE":
        if destination not in _EU:
            return []
        return list(_DE_TAXES.get(tax_class, _DE_TAXES["standard"]))
    if destination == shop_country:
        return [("Sales Tax", Decimal("0.08"))]
    return []


def shipping_tax_rates(
    shop_country: str, destination: str, province_code: str | None
) -> list[tuple[str, Decimal]]:
    """Taxes on shipping charges (like standard-rated goods)."""
    return tax_rates(shop_country, destination, province_code, "standard")


#: shop currency -> (domestic standard, domestic express, international, free-shipping threshold)
_SHIPPING: dict[str, tuple[tuple[str, str, str], tuple[str, str, str], tuple[str, str, str], str]] = {
    "USD": (
        ("Standard Shipping", "STANDARD", "7.95"),
        ("Express Shipping", "EXPRESS", "19.95"),
        ("International Shipping", "INTL", "29.00"),
        "99.00",
    ),
    "EUR": (
        ("DHL Paket", "DHL_PAKET", "4.90"),
        ("DHL Express", "DHL_EXPRESS", "12.90"),
        ("DHL International", "DHL_INTL", "14.90"),
        "59.00",
    ),
}


def shipping_option(
    currency: str, domestic: bool, express: bool, goods_total: Decimal
) -> tuple[str, str, Decimal]:
    """(title, code, price) of the shipping line for an order of ``goods_total`` (shop money)."""
    standard, fast, international, threshold = _SHIPPING.get(currency, _SHIPPING["USD"])
    if not domestic:
        title, code, price = international
    elif express:
        title, code, price = fast
    elif goods_total >= Decimal(threshold):
        return "Free Shipping", "FREE", Decimal("0.00")
    else:
        title, code, price = standard
    return title, code, Decimal(price)


#: Discount codes: (code, value type, value, target). Fixed amounts are in the shop currency.
DISCOUNT_CODES: list[tuple[str, str, Decimal, str, float]] = [
    ("WELCOME10", "percentage", Decimal("10"), "line_item", 4),
    ("SPRING15", "percentage", Decimal("15"), "line_item", 2),
    ("VIP20", "percentage", Decimal("20"), "line_item", 1),
    ("FIVEOFF", "fixed_amount", Decimal("5.00"), "line_item", 2),
    ("TENOFF", "fixed_amount", Decimal("10.00"), "line_item", 2),
    ("TAKE25", "fixed_amount", Decimal("25.00"), "line_item", 0.7),
    ("FREESHIP", "percentage", Decimal("100"), "shipping_line", 1.5),
]
