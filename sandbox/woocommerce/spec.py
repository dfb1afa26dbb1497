"""``SiteSpec``: the recipe of a simulated WooCommerce site (what it sells, how busy it is, its settings)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class TaxRate:
    """One WooCommerce tax rate (``woocommerce_tax_rates`` row): ``rate_id`` is an int on the wire."""

    rate_id: int
    rate_code: str
    label: str
    percent: Decimal
    tax_class: str = ""  # "" is WooCommerce's standard class
    shipping: bool = True


@dataclass
class SiteSpec:
    """A simulated WooCommerce site.

    Business meaning: ``timezone`` is the WordPress site timezone (every ``date_*`` field is local time in
    it, every business day is a local day); ``currency`` is the one store currency;
    ``prices_include_tax`` is the ``woocommerce_prices_include_tax`` setting (line ``subtotal``/``total``
    are ex-tax on the wire either way). ``orders_per_day`` is the mean of a Poisson draw per local day over
    ``history_days`` days before the clock, so a site can hold a few hundred or a million orders; days are
    generated lazily. ``reuse_emails`` / ``reuse_skus`` make this site share customers and SKUs with
    another shop (the first customers and products take them, in order); ``shares_with`` names a Shopify
    sandbox preset whose customers and SKUs the site shares, derived when the site is built (with the
    site's clock) unless ``reuse_emails`` is given (``sandbox/demo_world.py``). ``case_size`` makes a
    wholesale site: every line's quantity is a whole number of cases of that many units.
    """

    name: str
    seed: int = 1
    timezone: str = "America/New_York"
    currency: str = "USD"
    prices_include_tax: bool = False
    country: str = "US"
    orders_per_day: float = 20.0
    history_days: int = 30
    customers: int = 120
    products: int = 12
    guest_share: float = 0.35
    refund_share: float = 0.10
    edit_share: float = 0.08
    coupon_share: float = 0.2
    fee_share: float = 0.08
    consumer_key: str = ""
    consumer_secret: str = ""
    latency_seconds: float = 0.0
    #: Share of requests a host firewall in front of the site refuses (429 or 503, half of them with
    #: ``Retry-After``), drawn deterministically from the seed and the request's sequence number.
    firewall_rate: float = 0.0
    reuse_emails: tuple[str, ...] = ()
    reuse_skus: tuple[str, ...] = ()
    shares_with: str = ""
    case_size: int = 1
    defects: tuple[object, ...] = ()
    display_name: str = ""
    tax_rates: tuple[TaxRate, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if not self.consumer_key:
            self.consumer_key = "ck_" + _key_part(self.name, "ck")
        if not self.consumer_secret:
            self.consumer_secret = "cs_" + _key_part(self.name, "cs")
        if not self.tax_rates:
            self.tax_rates = default_tax_rates(self.country)
        if not self.display_name:
            self.display_name = self.name
        if self.history_days < 1:
            raise ValueError("history_days must be >= 1")
        if self.case_size < 1:
            raise ValueError("case_size must be >= 1")

    @property
    def zone(self) -> ZoneInfo:
        """The site timezone."""
        return ZoneInfo(self.timezone)


def _key_part(name: str, kind: str) -> str:
    import hashlib

    return hashlib.sha256(f"woosandbox|{name}|{kind}".encode()).hexdigest()[:40]


def default_tax_rates(country: str) -> tuple[TaxRate, ...]:
    """A US (state + city, shipping taxed) or a UK/EU-style VAT (standard + reduced) rate table."""
    if country == "US":
        return (
            TaxRate(75, "US-NY-STATE TAX-1", "State Tax", Decimal("4.0000")),
            TaxRate(76, "US-NY-CITY TAX-2", "City Tax", Decimal("4.5000")),
        )
    return (
        TaxRate(11, f"{country}-VAT-1", "VAT", Decimal("20.0000")),
        TaxRate(12, f"{country}-REDUCED RATE-1", "VAT", Decimal("5.0000"), tax_class="reduced-rate"),
    )
