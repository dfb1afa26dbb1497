"""The product catalogue of a sandbox store: products, variants and their price/title/SKU history.

Variants change price, title or SKU on some days; each change bumps the variant's and product's
``updated_at``. Line items take the variant's price, title and SKU in force at the moment they are added.
Changes are drawn per day from a stream seeded with (seed, day), like orders.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sandbox.shopify.money import cents
from sandbox.shopify.seeding import rng_for
from sandbox.shopify.spec import ShopSpec
from sandbox.shopify.timeutil import day_bounds

#: (title, product_type, vendor, option name, [(option value, price)], tax class, grams, gift card)
_ProductRow = tuple[str, str, str, str, list[tuple[str, str]], str, int, bool]

_DEFAULT = "Default Title"

# One product per line: title | type | vendor | option name | value=price, ... | tax class | grams.
# A product without options has the single value "Default Title". The last line is the gift card.
_OUTDOOR = """
Trail Backpack 28L | Bags | Summit & Co | Color | Slate=129.00, Moss=129.00, Ember=134.00 | standard | 1150
Insulated Bottle | Drinkware | Hydra Supply | Size | 500 ml=24.00, 750 ml=29.00, 1 L=34.00 | standard | 380
Merino Hiking Socks | Apparel | Summit & Co | Size | S=19.50, M=19.50, L=19.50, XL=21.50 | standard | 90
Enamel Camp Mug | Drinkware | Fireside Goods | Title | Default Title=16.00 | standard | 240
Headlamp 350 | Lighting | Lumen Trail | Title | Default Title=44.95 | standard | 110
Packable Rain Shell | Apparel | Summit & Co | Size | S=149.00, M=149.00, L=149.00, XL=154.00 | standard | 320
Trekking Poles (Pair) | Gear | Ridgeline | Title | Default Title=89.00 | standard | 520
Ultralight Tent 2P | Shelter | Ridgeline | Color | Sand=349.00, Olive=349.00 | standard | 1380
Down Sleeping Bag | Sleep | Ridgeline | Length | Regular=279.00, Long=299.00 | standard | 890
Camp Stove Mini | Cooking | Fireside Goods | Title | Default Title=59.00 | standard | 300
Titanium Spork | Cooking | Fireside Goods | Title | Default Title=11.50 | standard | 18
First Aid Kit | Safety | Ridgeline | Title | Default Title=32.00 | standard | 410
Trail Running Cap | Apparel | Lumen Trail | Color | Black=28.00, Sand=28.00, Glacier=28.00 | standard | 70
Dry Bag 10L | Bags | Hydra Supply | Color | Yellow=21.99, Blue=21.99 | standard | 130
Fleece Pullover | Apparel | Summit & Co | Size | S=79.00, M=79.00, L=79.00, XL=84.00 | standard | 450
Compass Pro | Navigation | Lumen Trail | Title | Default Title=27.50 | standard | 60
Hammock Single | Sleep | Fireside Goods | Title | Default Title=64.00 | standard | 600
Bear Canister | Gear | Ridgeline | Title | Default Title=84.95 | standard | 1100
Wool Beanie | Apparel | Summit & Co | Color | Charcoal=24.00, Red=24.00 | standard | 80
Gift Card | Gift Cards | Demo Outdoor Supply | Denomination | $25=25.00, $50=50.00, $100=100.00 | none | 0
"""

_COFFEE = """
Espresso Kreuzberg | Kaffee | Rösterei Spree | Größe | 250 g=9.90, 500 g=18.50, 1 kg=34.00 | reduced | 250
Filterkaffee Äthiopien Guji | Kaffee | Rösterei Spree | Größe | 250 g=12.50, 1 kg=44.00 | reduced | 250
Entkoffeiniert Kolumbien | Kaffee | Rösterei Spree | Title | Default Title=10.90 | reduced | 250
Hausmischung Mitte | Kaffee | Rösterei Spree | Größe | 250 g=8.90, 500 g=16.90, 1 kg=31.00 | reduced | 250
Cold Brew Beutel (10 Stk.) | Kaffee | Rösterei Spree | Title | Default Title=14.90 | reduced | 300
Handmühle Edelstahl | Zubehör | Mahlwerk Berlin | Title | Default Title=189.00 | standard | 700
French Press 1 l | Zubehör | Glaswerk | Title | Default Title=39.90 | standard | 900
V60 Handfilter | Zubehör | Glaswerk | Material | Keramik=24.90, Kunststoff=9.90 | standard | 350
Filterpapier (100 Stk.) | Zubehör | Glaswerk | Title | Default Title=6.50 | standard | 120
Milchkännchen 350 ml | Zubehör | Mahlwerk Berlin | Title | Default Title=19.90 | standard | 260
Espressotasse | Geschirr | Töpferei Wedding | Farbe | Weiß=12.00, Grau=12.00, Salbei=12.00 | standard | 180
Barista-Waage | Zubehör | Mahlwerk Berlin | Title | Default Title=49.00 | standard | 450
Reisebecher 400 ml | Geschirr | Glaswerk | Farbe | Schwarz=24.00, Creme=24.00 | standard | 300
Tamper 58 mm | Zubehör | Mahlwerk Berlin | Title | Default Title=34.00 | standard | 420
Schwanenhalskessel | Zubehör | Glaswerk | Title | Default Title=69.00 | standard | 950
Kaffeedose Vakuum | Zubehör | Glaswerk | Title | Default Title=29.90 | standard | 400
Chai Gewürzmischung | Tee & Mehr | Rösterei Spree | Title | Default Title=8.90 | reduced | 150
Trinkschokolade | Tee & Mehr | Rösterei Spree | Title | Default Title=11.50 | reduced | 300
AeroPress Filterset | Zubehör | Glaswerk | Title | Default Title=7.90 | standard | 60
Geschenkkarte | Geschenkkarten | Demo Kaffeehaus | Wert | 25 €=25.00, 50 €=50.00, 100 €=100.00 | none | 0
"""


def _parse_table(table: str) -> tuple[list[_ProductRow], _ProductRow]:
    """(regular products, gift card product) from a catalogue table."""
    rows: list[_ProductRow] = []
    for text in table.strip().splitlines():
        title, product_type, vendor, option, values, tax_class, grams = (
            cell.strip() for cell in text.split("|")
        )
        pairs = [tuple(pair.strip().rsplit("=", 1)) for pair in values.split(",")]
        rows.append((title, product_type, vendor, option, pairs, tax_class, int(grams), tax_class == "none"))
    return rows[:-1], rows[-1]


_CATALOGS: dict[str, tuple[list[_ProductRow], _ProductRow]] = {
    "outdoor": _parse_table(_OUTDOOR),
    "coffee": _parse_table(_COFFEE),
}

_PRICE_FACTORS = (Decimal("0.80"), Decimal("0.85"), Decimal("0.90"), Decimal("1.05"), Decimal("1.10"))
#: Daily probability that a given variant changes (price, title or SKU).
_CHANGE_PROBABILITY = 0.015
#: Catalogue changes are drawn for days from this many days before the order history starts.
_CHANGE_LEAD_DAYS = 120


def _handle(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")


@dataclass(slots=True)
class VariantState:
    """A variant's mutable attributes in force from ``since`` on."""

    since: datetime
    price: Decimal
    title: str
    sku: str


@dataclass(slots=True)
class Variant:
    """A purchasable variant of a product, with its change history (oldest first)."""

    id: int
    product_id: int
    inventory_item_id: int
    position: int
    option_name: str
    base_title: str
    base_sku: str
    base_price: Decimal
    grams: int
    barcode: str
    gift_card: bool
    taxable: bool
    requires_shipping: bool
    tax_class: str
    created_at: datetime
    popularity: float
    history: list[VariantState] = field(default_factory=list)
    _since: list[datetime] = field(default_factory=list)

    def state_at(self, instant: datetime) -> VariantState:
        """Price, title and SKU in force at ``instant`` (the creation state before any change)."""
        index = bisect_right(self._since, instant) - 1
        return self.history[max(index, 0)]

    def add_state(self, state: VariantState) -> None:
        """Append a change (callers add them in time order)."""
        self.history.append(state)
        self._since.append(state.since)


@dataclass(slots=True)
class Product:
    """A product with its variants; ``gift_card`` products sell gift cards (untaxed, never shipped)."""

    id: int
    title: str
    handle: str
    body_html: str
    vendor: str
    product_type: str
    tags: str
    created_at: datetime
    option_name: str
    gift_card: bool
    image_id: int
    variants: list[Variant] = field(default_factory=list)

    def updated_at(self, clock: datetime) -> datetime:
        """Latest change of the product or any of its variants at or before ``clock``."""
        latest = self.created_at
        for variant in self.variants:
            latest = max(latest, variant.state_at(clock).since)
        return latest


class Catalog:
    """All products of a store and the daily change stream of their variants."""

    def __init__(self, spec: ShopSpec, history_start: date) -> None:
        self.spec = spec
        self.products: list[Product] = []
        self.variants: list[Variant] = []
        self._changes_until: date = history_start - timedelta(days=_CHANGE_LEAD_DAYS + 1)
        self._build(history_start)

    def _rows(self) -> list[_ProductRow]:
        regular, gift = _CATALOGS[self.spec.catalog]
        wanted = self.spec.products
        if wanted == 1:
            return [regular[0]]
        rows: list[_ProductRow] = []
        for index in range(wanted - 1):
            row = regular[index % len(regular)]
            edition = index // len(regular)
            if edition:
                row = (f"{row[0]} Edition {edition + 1}", *row[1:])
            rows.append(row)
        rows.append(gift)
        return rows

    def _build(self, history_start: date) -> None:
        spec = self.spec
        rng = rng_for(spec.seed, "catalog")
        zone = spec.zone
        id_space = (spec.seed % 1000) * 1_000_000
        variant_counter = 0
        for index, row in enumerate(self._rows()):
            title, product_type, vendor, option_name, values, tax_class, grams, gift_card = row
            created_day = history_start - timedelta(days=rng.randint(150, 1500))
            start, length = day_bounds(created_day, zone)
            created_at = start + timedelta(seconds=rng.randrange(8 * 3600, min(length, 18 * 3600)))
            product = Product(
                id=8_000_000_000_000 + id_space + (index + 1) * 101,
                title=title,
                handle=_handle(title),
                body_html=f"<p>{title} by {vendor}.</p>",
                vendor=vendor,
                product_type=product_type,
                tags=", ".join(sorted({product_type.lower(), vendor.split()[0].lower()})),
                created_at=created_at,
                option_name=option_name,
                gift_card=gift_card,
                image_id=9_000_000_000_000 + id_space + (index + 1) * 101,
            )
            sku_stem = re.sub(r"[^A-Z0-9]", "", _handle(title).upper())[:8] or "ITEM"
            for position, (value, price) in enumerate(values, start=1):
                variant_counter += 1
                sku_value = re.sub(r"[^A-Z0-9]", "", _handle(value).upper())[:4] or "STD"
                variant = Variant(
                    id=44_000_000_000_000 + id_space + variant_counter * 13,
                    product_id=product.id,
                    inventory_item_id=46_000_000_000_000 + id_space + variant_counter * 13,
                    position=position,
                    option_name=option_name,
                    base_title=value,
                    base_sku="" if gift_card else f"{sku_stem}-{sku_value}",
                    base_price=cents(price),
                    grams=grams,
                    barcode="" if gift_card else f"40{spec.seed % 100:02d}{variant_counter:09d}",
                    gift_card=gift_card,
                    taxable=not gift_card,
                    requires_shipping=not gift_card,
                    tax_class=tax_class,
                    created_at=created_at,
                    popularity=rng.paretovariate(1.3),
                )
                variant.add_state(VariantState(created_at, variant.base_price, value, variant.base_sku))
                product.variants.append(variant)
                self.variants.append(variant)
            self.products.append(product)
        self.by_product_id = {product.id: product for product in self.products}
        self.sellable = [variant for variant in self.variants if not variant.gift_card]
        self.gift_cards = [variant for variant in self.variants if variant.gift_card]

    def extend_changes(self, until: date) -> None:
        """Draw the variant changes of every day up to ``until`` not drawn yet (idempotent)."""
        zone = self.spec.zone
        day = self._changes_until + timedelta(days=1)
        while day <= until:
            rng = rng_for(self.spec.seed, "catalog-day", day.isoformat())
            start, length = day_bounds(day, zone)
            for variant in self.variants:
                if variant.gift_card or rng.random() >= _CHANGE_PROBABILITY:
                    continue
                at = start + timedelta(seconds=rng.randrange(6 * 3600, min(length, 20 * 3600)))
                if at <= variant.created_at:
                    continue
                current = variant.history[-1]
                kind = rng.choices(("price", "title", "sku"), weights=(7, 1.5, 1.5))[0]
                if kind == "title" and variant.base_title == _DEFAULT:
                    kind = "price"
                if kind == "price":
                    price = cents(variant.base_price * rng.choice(_PRICE_FACTORS))
                    if price == current.price:
                        price = variant.base_price
                    variant.add_state(VariantState(at, price, current.title, current.sku))
                elif kind == "title":
                    title = (
                        variant.base_title
                        if current.title != variant.base_title
                        else f"{current.title} (New)"
                    )
                    variant.add_state(VariantState(at, current.price, title, current.sku))
                else:
                    revision = len({state.sku for state in variant.history}) + 1
                    variant.add_state(
                        VariantState(at, current.price, current.title, f"{variant.base_sku}-R{revision}")
                    )
            self._changes_until = day
            day += timedelta(days=1)
