"""What a sandbox Shopify store looks like: its size, its mix of business events and its API account.

A :class:`ShopSpec` is the whole recipe of a simulated store. Together with a clock it determines every
byte the sandbox API answers (see ``generator.build_shop``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sandbox.shopify.defects import Defect

#: Fixed exchange rates: units of each currency per 1 USD. Presentment money is shop money converted with
#: the ratio of two of these rates, rounded to cents half-up.
FX_RATES_PER_USD: dict[str, Decimal] = {
    "USD": Decimal("1"),
    "EUR": Decimal("0.92"),
    "GBP": Decimal("0.79"),
    "CHF": Decimal("0.88"),
    "CAD": Decimal("1.37"),
    "AUD": Decimal("1.52"),
}

#: Every read scope the sandbox knows. ``read_all_orders`` lifts the 60-day order visibility window.
ALL_READ_SCOPES: frozenset[str] = frozenset(
    {
        "read_orders",
        "read_all_orders",
        "read_customers",
        "read_products",
        "read_inventory",
        "read_locations",
        "read_fulfillments",
        "read_shipping",
    }
)

#: REST leaky bucket per Shopify plan: (bucket size in calls, leak rate in calls per second).
PLAN_BUCKETS: dict[str, tuple[int, float]] = {
    "standard": (40, 2.0),
    "plus": (400, 20.0),
}

#: Shopify ``plan_name`` values reported by ``shop.json`` for each sandbox plan.
PLAN_NAMES: dict[str, str] = {"standard": "basic", "plus": "shopify_plus"}

#: Product catalogues the generator can stock a store with (see ``catalog.py``).
CATALOGS: frozenset[str] = frozenset({"outdoor", "coffee"})


@dataclass
class ShopSpec:
    """The recipe of one simulated Shopify store.

    Shares are probabilities per order. Money amounts are generated in ``currency`` (the shop currency);
    ``presentment_currencies`` are the currencies customers may see and pay in (the first one should be
    the shop currency). Orders exist for the tenant-local days ``[clock_date - history_days, clock_date]``.
    With ``taxes_included`` (Shopify's shop setting, usual for VAT countries) every price the store asks
    — variants, shipping, fixed discounts — already contains its taxes; otherwise taxes come on top.
    """

    name: str
    seed: int = 1
    timezone: str = "America/New_York"
    currency: str = "USD"
    presentment_currencies: list[str] = field(default_factory=lambda: ["USD"])
    orders_per_day: float = 40.0
    history_days: int = 75
    customers: int = 300
    products: int = 20
    locations: int = 2
    guest_share: float = 0.3
    test_share: float = 0.02
    void_share: float = 0.02
    cancel_share: float = 0.02
    refund_share: float = 0.12
    edit_share: float = 0.05
    plan: str = "standard"
    bucket_size: int | None = None
    leak_rate: float | None = None
    latency_seconds: float = 0.0
    access_token: str = ""
    scopes: frozenset[str] | set[str] = field(default_factory=lambda: set(ALL_READ_SCOPES))
    forbidden_resources: set[str] = field(default_factory=set)
    # Extensions beyond the minimal recipe (all have defaults).
    country_code: str = "US"
    catalog: str = "outdoor"
    display_name: str = ""
    #: Share of orders presented in a currency other than the shop currency (only when there is one).
    foreign_presentment_share: float = 0.3
    #: Prices include their taxes (``shop.json`` / order ``taxes_included``); see ``money.tax_of``.
    taxes_included: bool = False
    #: Share of orders the merchant deletes, 1 to 72 hours after creating them (``daystore.py``; events
    #: ``destroy`` and GraphQL ``deletionEvents`` record them). Deleted orders leave the ground truth.
    delete_share: float = 0.0
    #: Planted API bugs (``defects.py``): they change what the API serves, never the store or its ground
    #: truth. Settable on a live shop (``shop.defects = []`` is the "fix").
    defects: list[Defect] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.name or "/" in self.name or " " in self.name:
            raise ValueError(f"shop name {self.name!r} must be a non-empty URL path segment")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"shop {self.name}: unknown IANA timezone {self.timezone!r}") from None
        for code in [self.currency, *self.presentment_currencies]:
            if code not in FX_RATES_PER_USD:
                raise ValueError(f"shop {self.name}: currency {code!r} has no fixed FX rate")
        if not self.presentment_currencies:
            self.presentment_currencies = [self.currency]
        if self.plan not in PLAN_BUCKETS:
            raise ValueError(f"shop {self.name}: plan must be one of {sorted(PLAN_BUCKETS)}")
        if self.catalog not in CATALOGS:
            raise ValueError(f"shop {self.name}: catalog must be one of {sorted(CATALOGS)}")
        for share_name in (
            "guest_share",
            "test_share",
            "void_share",
            "cancel_share",
            "refund_share",
            "edit_share",
            "delete_share",
            "foreign_presentment_share",
        ):
            share = getattr(self, share_name)
            if not 0.0 <= share <= 1.0:
                raise ValueError(f"shop {self.name}: {share_name} must be within [0, 1], got {share}")
        if self.orders_per_day < 0 or self.history_days < 0:
            raise ValueError(f"shop {self.name}: orders_per_day and history_days must not be negative")
        if self.customers < 1 or self.products < 1 or self.locations < 1:
            raise ValueError(f"shop {self.name}: needs at least one customer, product and location")
        if not self.access_token:
            self.access_token = "shpat_sandbox_" + self.name.replace("-", "_")
        if not self.display_name:
            self.display_name = self.name
        self.scopes = set(self.scopes)
        self.forbidden_resources = set(self.forbidden_resources)
        self.defects = list(self.defects)

    @property
    def bucket_capacity(self) -> int:
        """Leaky-bucket size in calls: the override, else the plan's."""
        return self.bucket_size if self.bucket_size is not None else PLAN_BUCKETS[self.plan][0]

    @property
    def bucket_leak_rate(self) -> float:
        """Calls per second that leak out of the bucket: the override, else the plan's."""
        return self.leak_rate if self.leak_rate is not None else PLAN_BUCKETS[self.plan][1]

    @property
    def shop_id(self) -> int:
        """The shop's numeric id (``shop.json`` ``id``, also part of order status URLs)."""
        return 55_000_000_000 + self.seed * 7

    @property
    def zone(self) -> ZoneInfo:
        """The shop's timezone object."""
        return ZoneInfo(self.timezone)

    @property
    def token_env_var(self) -> str:
        """Conventional environment variable a tenant config uses for this shop's token."""
        return self.name.upper().replace("-", "_") + "_SHOPIFY_TOKEN"
