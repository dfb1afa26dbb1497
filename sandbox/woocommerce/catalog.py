"""The site's catalogue, customers and coupons: small, generated once when a site is built.

Business meaning: products are ``simple`` or ``variable`` (with variations, each its own SKU and price);
some SKUs are empty, as on many real stores. Customers are WordPress users with the ``customer`` role (a
few other roles only appear with ``role=all``). Coupons are percent, fixed-cart and free-shipping codes.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from sandbox.woocommerce.seeding import rng_for
from sandbox.woocommerce.spec import SiteSpec

_NOUNS = [
    "Tent",
    "Lantern",
    "Mug",
    "Backpack",
    "Jacket",
    "Bottle",
    "Blanket",
    "Stove",
    "Hat",
    "Socks",
    "Teapot",
    "Kettle",
    "Sampler",
    "Scarf",
    "Gloves",
    "Map",
    "Compass",
    "Chair",
    "Hammock",
    "Tin",
]
_ADJECTIVES = ["Alpine", "Classic", "Trail", "Summit", "Cozy", "Urban", "Nordic", "Ember", "Willow", "Harbor"]
_FIRST = [
    "Ada",
    "Ben",
    "Cleo",
    "Dan",
    "Eva",
    "Finn",
    "Gia",
    "Hugo",
    "Iris",
    "Jon",
    "Kai",
    "Lea",
    "Max",
    "Nora",
    "Omar",
    "Pia",
    "Quinn",
    "Rosa",
    "Sam",
    "Tara",
    "Uma",
    "Vic",
    "Wes",
    "Yara",
    "Zoe",
]
_LAST = [
    "Smith",
    "Jones",
    "Brown",
    "Garcia",
    "Miller",
    "Davis",
    "Clark",
    "Lewis",
    "Walker",
    "Hall",
    "Young",
    "King",
    "Wright",
    "Scott",
    "Green",
    "Baker",
    "Adams",
    "Nelson",
    "Hill",
    "Moore",
]
_SIZES = ["S", "M", "L", "XL"]
_COLOURS = ["Red", "Blue", "Green", "Black"]


@dataclass(frozen=True)
class Variation:
    """A variation of a variable product: its own id, SKU and price."""

    id: int
    product_id: int
    sku: str
    price: Decimal
    attributes: tuple[tuple[str, str], ...]
    date_created: datetime
    date_modified: datetime


@dataclass
class Product:
    """A product (``type`` simple or variable). ``price`` is the shelf price (tax included when the site
    enters prices with tax)."""

    id: int
    name: str
    type: str
    status: str
    sku: str
    price: Decimal
    tax_class: str
    date_created: datetime
    date_modified: datetime
    stock_quantity: int
    variations: list[Variation] = field(default_factory=list)


@dataclass(frozen=True)
class Sellable:
    """What an order line can sell: a simple product or one variation."""

    product: Product
    variation: Variation | None

    @property
    def sku(self) -> str:
        return self.variation.sku if self.variation else self.product.sku

    @property
    def price(self) -> Decimal:
        return self.variation.price if self.variation else self.product.price

    @property
    def name(self) -> str:
        if self.variation is None:
            return self.product.name
        return f"{self.product.name} - {', '.join(value for _, value in self.variation.attributes)}"


@dataclass(frozen=True)
class Customer:
    """A registered WordPress user. ``role`` ``customer`` unless staff/subscriber."""

    id: int
    email: str
    first_name: str
    last_name: str
    role: str
    date_created: datetime
    date_modified: datetime


@dataclass(frozen=True)
class Coupon:
    """A coupon code: ``percent`` (amount %), ``fixed_cart`` (amount off the cart) or free shipping."""

    id: int
    code: str
    discount_type: str
    amount: Decimal
    free_shipping: bool
    date_created: datetime


@dataclass
class Catalog:
    """Products, sellables, customers (sorted by creation), coupons."""

    products: list[Product]
    sellables: list[Sellable]
    customers: list[Customer]
    coupons: list[Coupon]
    _created: list[datetime] = field(default_factory=list)
    _buyers: list[Customer] = field(default_factory=list)
    _buyers_created: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._created = [c.date_created for c in self.customers]
        self._buyers = [c for c in self.customers if c.role == "customer"]
        self._buyers_created = [c.date_created.timestamp() for c in self._buyers]

    def buyers_before(self, instant: datetime) -> int:
        """How many customers (role customer) registered before ``instant``: ``buyer(i)`` for i below it can
        place an order then."""
        return bisect_right(self._buyers_created, instant.timestamp())

    def buyer(self, index: int) -> Customer:
        """The ``index``-th customer (role customer) by registration."""
        return self._buyers[index]

    def count_before(self, instant: datetime) -> int:
        """How many users (any role) registered before ``instant``."""
        return bisect_right(self._created, instant)


def build_catalog(spec: SiteSpec, history_start: datetime, clock: datetime) -> Catalog:
    """Generate the catalogue from the seed (independent of the clock except that nothing is dated later
    than the history's first day plus its length)."""
    rng = rng_for(spec.seed, "catalog")
    reuse_skus = list(spec.reuse_skus)
    next_id = 10
    products: list[Product] = []
    sellables: list[Sellable] = []
    span = max(1, spec.history_days)
    for index in range(spec.products):
        created = history_start - timedelta(days=rng.randint(30, 400), seconds=rng.randint(0, 86399))
        modified = created + timedelta(days=rng.randint(0, 25 + span // 2))
        variable = index % 3 == 1
        name = f"{_ADJECTIVES[index % len(_ADJECTIVES)]} {_NOUNS[(index * 7) % len(_NOUNS)]}"
        price = Decimal(rng.choice([5, 8, 12, 15, 19, 24, 35, 49, 65, 89])) + Decimal(
            rng.choice(["0.00", "0.50", "0.99", "0.95"])
        )
        sku = "" if (not variable and rng.random() < 0.15) else f"{spec.name[:3].upper()}-{100 + index}"
        if reuse_skus and not variable:
            sku = reuse_skus.pop(0)
        tax_class = "reduced-rate" if (spec.country != "US" and rng.random() < 0.3) else ""
        status = "publish" if index < spec.products - 1 or spec.products < 3 else "draft"
        product = Product(
            next_id,
            name,
            "variable" if variable else "simple",
            status,
            "" if variable and rng.random() < 0.5 else sku,
            price,
            tax_class,
            created,
            modified,
            rng.randint(0, 80),
        )
        next_id += 1
        if variable:
            options = _SIZES if rng.random() < 0.5 else _COLOURS
            for option_index, option in enumerate(options[: rng.randint(2, 4)]):
                v_sku = "" if rng.random() < 0.1 else f"{sku or product.name[:3].upper()}-{option}"
                if reuse_skus:
                    v_sku = reuse_skus.pop(0)
                v_price = price + Decimal(option_index * rng.choice([0, 2, 5]))
                variation = Variation(
                    next_id,
                    product.id,
                    v_sku,
                    v_price,
                    (("Size" if options is _SIZES else "Colour", option),),
                    created,
                    created + timedelta(days=rng.randint(0, 20)),
                )
                next_id += 1
                product.variations.append(variation)
                if product.status == "publish":
                    sellables.append(Sellable(product, variation))
        elif product.status == "publish":
            sellables.append(Sellable(product, None))
        products.append(product)

    reuse_emails = list(spec.reuse_emails)
    customers: list[Customer] = []
    staff = [("administrator", "owner"), ("shop_manager", "manager")]
    for role, local in staff:
        created = history_start - timedelta(days=800 + len(customers))
        customers.append(
            Customer(0, f"{local}@{spec.name}.example", local.title(), "Staff", role, created, created)
        )
    total_span = (clock - history_start).total_seconds()
    for index in range(spec.customers):
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        if rng.random() < 0.7:
            created = history_start - timedelta(seconds=rng.uniform(3600, 700 * 86400))
        else:
            created = history_start + timedelta(seconds=rng.uniform(0, total_span * 0.9))
        email = reuse_emails.pop(0) if reuse_emails else f"{first.lower()}.{last.lower()}{index}@example.com"
        role = "subscriber" if rng.random() < 0.03 else "customer"
        modified = (
            created
            if rng.random() < 0.3
            else created + timedelta(seconds=rng.uniform(0, max(1.0, (clock - created).total_seconds())))
        )
        customers.append(Customer(0, email, first, last, role, created, min(modified, clock)))
    customers.sort(key=lambda c: (c.date_created, c.email))
    customers = [
        Customer(i + 1, c.email, c.first_name, c.last_name, c.role, c.date_created, c.date_modified)
        for i, c in enumerate(customers)
    ]
    coupon_created = history_start - timedelta(days=90)
    coupons = [
        Coupon(next_id, "welcome10", "percent", Decimal("10"), False, coupon_created),
        Coupon(next_id + 1, "save5", "fixed_cart", Decimal("5.00"), False, coupon_created),
        Coupon(next_id + 2, "freeship", "fixed_cart", Decimal("0.00"), True, coupon_created),
    ]
    return Catalog(products, sellables, customers, coupons)
