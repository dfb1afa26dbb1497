"""Who buys: registered customers, guest shoppers, their names, e-mails, phones and addresses.

Registered customers have accounts (``customer`` on their orders); guests check out with an e-mail only
(``customer`` null). E-mails are unique per person and use reserved example domains. Some registered
customers were created years before the order history and never touched since; a few people have only a
phone number.
"""

from __future__ import annotations

import threading
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from random import Random

from sandbox.shopify.seeding import rng_for
from sandbox.shopify.spec import ShopSpec
from sandbox.shopify.timeutil import day_start

#: country code -> (country name, currency, [(city, province, province code, zip stem, weight)])
COUNTRIES: dict[str, tuple[str, str, list[tuple[str, str | None, str | None, str, float]]]] = {
    "US": (
        "United States",
        "USD",
        [
            ("New York", "New York", "NY", "100", 5),
            ("Brooklyn", "New York", "NY", "112", 3),
            ("Jersey City", "New Jersey", "NJ", "073", 1.5),
            ("Boston", "Massachusetts", "MA", "021", 1),
            ("Philadelphia", "Pennsylvania", "PA", "191", 1),
            ("Chicago", "Illinois", "IL", "606", 1),
            ("Austin", "Texas", "TX", "787", 0.7),
            ("Denver", "Colorado", "CO", "802", 0.7),
            ("Seattle", "Washington", "WA", "981", 0.7),
            ("San Francisco", "California", "CA", "941", 0.8),
        ],
    ),
    "DE": (
        "Germany",
        "EUR",
        [
            ("Berlin", None, None, "10", 5),
            ("Hamburg", None, None, "20", 1.5),
            ("München", None, None, "80", 1.5),
            ("Köln", None, None, "50", 1),
            ("Leipzig", None, None, "04", 0.8),
            ("Potsdam", None, None, "14", 0.8),
        ],
    ),
    "AT": ("Austria", "EUR", [("Wien", None, None, "10", 1), ("Graz", None, None, "80", 0.4)]),
    "FR": ("France", "EUR", [("Paris", None, None, "75", 1), ("Lyon", None, None, "69", 0.5)]),
    "NL": ("Netherlands", "EUR", [("Amsterdam", None, None, "10", 1), ("Utrecht", None, None, "35", 0.4)]),
    "GB": (
        "United Kingdom",
        "GBP",
        [
            ("London", "England", "ENG", "EC1", 1),
            ("Manchester", "England", "ENG", "M1", 0.4),
            ("Edinburgh", "Scotland", "SCT", "EH1", 0.3),
        ],
    ),
    "CH": (
        "Switzerland",
        "CHF",
        [
            ("Zürich", "Zürich", "ZH", "80", 1),
            ("Basel", "Basel-Stadt", "BS", "40", 0.5),
            ("Bern", "Bern", "BE", "30", 0.4),
        ],
    ),
    "CA": (
        "Canada",
        "CAD",
        [("Toronto", "Ontario", "ON", "M5V", 1), ("Montreal", "Quebec", "QC", "H2X", 0.6)],
    ),
}

#: Domestic destinations of a shop currency (countries whose shoppers pay in it), with weights.
DOMESTIC: dict[str, list[tuple[str, float]]] = {
    "USD": [("US", 1.0)],
    "EUR": [("DE", 0.88), ("AT", 0.05), ("NL", 0.04), ("FR", 0.03)],
    "GBP": [("GB", 1.0)],
    "CHF": [("CH", 1.0)],
    "CAD": [("CA", 1.0)],
    "AUD": [("US", 1.0)],
}
#: Where shoppers paying in a (foreign) presentment currency live.
CURRENCY_COUNTRY: dict[str, str] = {"USD": "US", "EUR": "DE", "GBP": "GB", "CHF": "CH", "CAD": "CA"}

_NAMES: dict[str, tuple[list[str], list[str]]] = {
    "US": (
        [
            "James",
            "Mary",
            "Olivia",
            "Liam",
            "Ava",
            "Noah",
            "Emma",
            "Lucas",
            "Mia",
            "Ethan",
            "Sofia",
            "Mason",
            "Harper",
            "Logan",
            "Aria",
            "Daniel",
            "Chloe",
            "Jackson",
            "Grace",
            "Aiden",
        ],
        [
            "Smith",
            "Johnson",
            "Williams",
            "Brown",
            "Garcia",
            "Miller",
            "Davis",
            "Rodriguez",
            "Martinez",
            "Lee",
            "Walker",
            "Young",
            "King",
            "Wright",
            "Lopez",
            "Hill",
            "Scott",
            "Green",
            "Adams",
            "Baker",
        ],
    ),
    "DE": (
        [
            "Lukas",
            "Anna",
            "Jonas",
            "Lea",
            "Finn",
            "Emilia",
            "Paul",
            "Hannah",
            "Felix",
            "Marie",
            "Jürgen",
            "Sophie",
            "Maximilian",
            "Lena",
            "Moritz",
            "Johanna",
        ],
        [
            "Müller",
            "Schmidt",
            "Schneider",
            "Fischer",
            "Weber",
            "Meyer",
            "Wagner",
            "Becker",
            "Schulz",
            "Hoffmann",
            "Koch",
            "Richter",
            "Klein",
            "Wolf",
            "Schröder",
            "Neumann",
        ],
    ),
    "GB": (
        ["Oliver", "Amelia", "George", "Isla", "Harry", "Ava", "Jack", "Poppy"],
        ["Jones", "Taylor", "Davies", "Evans", "Thomas", "Roberts", "Clarke", "Hughes"],
    ),
    "CH": (
        ["Luca", "Mia", "Noah", "Lina", "Leon", "Elena", "Nico", "Laura"],
        ["Meier", "Keller", "Huber", "Gerber", "Brunner", "Baumann", "Frei", "Zürcher"],
    ),
    "FR": (["Louis", "Jade", "Gabriel", "Léa", "Hugo", "Chloé"], ["Martin", "Bernard", "Dubois", "Lefèvre"]),
    "NL": (["Daan", "Emma", "Sem", "Julia"], ["de Jong", "Jansen", "de Vries", "van Dijk"]),
}
_STREETS: dict[str, list[str]] = {
    "US": ["Broadway", "Main Street", "Atlantic Avenue", "Bedford Avenue", "Elm Street", "Park Place"],
    "DE": ["Oranienstraße", "Schönhauser Allee", "Karl-Marx-Straße", "Bergmannstraße", "Torstraße"],
    "GB": ["High Street", "Station Road", "Church Lane"],
    "CH": ["Bahnhofstrasse", "Langstrasse", "Seestrasse"],
}
_DOMAINS = ["example.com", "example.net", "example.org", "mail.example"]
_CUSTOMER_TAGS = ["newsletter", "vip", "wholesale", "loyalty"]


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().replace(" ", "")


def _phone(country: str, rng: Random) -> str:
    if country in {"US", "CA"}:
        return f"+1 212-555-{rng.randrange(100, 200):04d}"
    codes = {
        "DE": "+49 30 5550",
        "AT": "+43 1 5550",
        "GB": "+44 20 7946",
        "CH": "+41 44 5550",
        "FR": "+33 1 5550",
        "NL": "+31 20 5550",
    }
    return f"{codes.get(country, '+49 30 5550')}{rng.randrange(1000, 9999)}"


@dataclass(slots=True)
class Person:
    """Someone who can place an order: contact details and a postal address."""

    first_name: str
    last_name: str
    email: str | None
    phone: str | None
    country_code: str
    address: dict

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass(slots=True)
class ProfileEdit:
    """A change to a customer's profile (bumps the customer's ``updated_at``)."""

    at: datetime
    tags: str | None = None
    phone: str | None = None


@dataclass(slots=True)
class Customer:
    """A registered customer account. ``weight`` is how often they order (0: never)."""

    id: int
    person: Person
    created_at: datetime
    state: str
    tags: str
    note: str | None
    accepts_marketing: bool
    weight: float
    address_ids: list[int]
    extra_addresses: list[dict] = field(default_factory=list)
    edits: list[ProfileEdit] = field(default_factory=list)

    def profile_at(self, clock: datetime) -> tuple[str, str | None, datetime]:
        """Tags, phone and the latest profile change time as of ``clock``."""
        tags, phone, latest = self.tags, self.person.phone, self.created_at
        for edit in self.edits:
            if edit.at > clock:
                break
            latest = edit.at
            if edit.tags is not None:
                tags = edit.tags
            if edit.phone is not None:
                phone = edit.phone
        return tags, phone, latest


def make_person(rng: Random, country: str, serial: int, with_email: bool) -> Person:
    """A person living in ``country`` with a unique e-mail derived from ``serial``."""
    first_names, last_names = _NAMES.get(country, _NAMES["US"] if country in {"US", "CA"} else _NAMES["DE"])
    first, last = rng.choice(first_names), rng.choice(last_names)
    country_name, _currency, cities = COUNTRIES[country]
    city, province, province_code, zip_stem, _weight = rng.choices(cities, weights=[c[4] for c in cities])[0]
    street = rng.choice(_STREETS.get(country, _STREETS["DE"] if country != "US" else _STREETS["US"]))
    if country in {"US", "CA", "GB"}:
        address1 = f"{rng.randrange(1, 999)} {street}"
    else:
        address1 = f"{street} {rng.randrange(1, 180)}"
    zip_code = zip_stem + "".join(str(rng.randrange(10)) for _ in range(max(0, 5 - len(zip_stem))))
    if country == "GB":
        zip_code = f"{zip_stem} {rng.randrange(1, 9)}AB"
    if country == "CH":
        zip_code = zip_stem + f"{rng.randrange(0, 99):02d}"
    phone = _phone(country, rng)
    email = None
    if with_email:
        email = f"{_ascii(first)}.{_ascii(last)}.{serial}@{rng.choice(_DOMAINS)}".lower()
    address = {
        "first_name": first,
        "address1": address1,
        "phone": phone,
        "city": city,
        "zip": zip_code,
        "province": province,
        "country": country_name,
        "last_name": last,
        "address2": None,
        "company": None,
        "latitude": None,
        "longitude": None,
        "name": f"{first} {last}",
        "country_code": country,
        "province_code": province_code,
    }
    return Person(first, last, email, phone, country, address)


def pick_country(rng: Random, spec: ShopSpec) -> str:
    """Destination country of a new person: domestic, or (foreign share) a foreign presentment market."""
    foreign = [c for c in spec.presentment_currencies if c != spec.currency and c in CURRENCY_COUNTRY]
    if foreign and rng.random() < spec.foreign_presentment_share:
        return CURRENCY_COUNTRY[rng.choice(foreign)]
    domestic = DOMESTIC.get(spec.currency, [("US", 1.0)])
    return rng.choices([c for c, _ in domestic], weights=[w for _, w in domestic])[0]


class People:
    """The customer accounts and the guest shoppers of a store."""

    def __init__(self, spec: ShopSpec, history_start: date, build_clock: datetime) -> None:
        self.spec = spec
        self.customers: list[Customer] = []
        #: Guests drawn so far: the pool is one stream drawn in order, on first use of each guest (a big
        #: store has 100,000 of them, and building the shop should not wait for them).
        self.guests: list[Person] = []
        self._build_customers(history_start, build_clock)
        expected_guest_orders = spec.orders_per_day * (spec.history_days + 1) * spec.guest_share
        self.guest_pool_size = int(min(100_000, max(20, spec.customers // 4, expected_guest_orders * 0.7)))
        self._guest_rng = rng_for(spec.seed, "guests")
        self._guest_lock = threading.Lock()
        self.by_id = {customer.id: customer for customer in self.customers}
        eligible = [customer for customer in self.customers if customer.weight > 0]
        self._eligible_created = [customer.created_at for customer in eligible]
        self._eligible = eligible
        self._cumulative: list[float] = []
        total = 0.0
        for customer in eligible:
            total += customer.weight
            self._cumulative.append(total)

    def _build_customers(self, history_start: date, build_clock: datetime) -> None:
        spec = self.spec
        rng = rng_for(spec.seed, "customers")
        id_space = (spec.seed % 1000) * 1_000_000
        window_start = day_start(history_start, spec.zone)
        window_seconds = max(1, int((build_clock - window_start).total_seconds()) + 30 * 86400)
        drafts: list[tuple[datetime, Person, float, bool]] = []
        for serial in range(spec.customers):
            old = rng.random() < 0.35
            if old:
                created = window_start - timedelta(
                    days=rng.randint(365, 5 * 365), seconds=rng.randrange(86400)
                )
                dormant = rng.random() < 0.4
            else:
                created = window_start + timedelta(seconds=rng.randrange(window_seconds))
                dormant = False
            person = make_person(rng, pick_country(rng, spec), serial + 1, with_email=rng.random() >= 0.03)
            weight = 0.0 if dormant else rng.paretovariate(1.6)
            drafts.append((created.replace(microsecond=0), person, weight, dormant))
        drafts.sort(key=lambda item: item[0])
        address_serial = 0
        for index, (created, person, weight, dormant) in enumerate(drafts):
            address_serial += 1
            address_ids = [9_500_000_000_000 + id_space + address_serial * 7]
            customer = Customer(
                id=7_000_000_000_000 + id_space + (index + 1) * 3,
                person=person,
                created_at=created,
                state=rng.choices(("enabled", "disabled", "invited"), weights=(40, 55, 5))[0],
                tags=", ".join(sorted(rng.sample(_CUSTOMER_TAGS, rng.choice((0, 0, 1, 1, 2))))),
                note=rng.choice((None, None, None, None, "Prefers e-mail contact")),
                accepts_marketing=rng.random() < 0.45,
                weight=weight,
                address_ids=address_ids,
            )
            if rng.random() < 0.15:
                address_serial += 1
                other = make_person(rng, person.country_code, index + 1, with_email=False).address
                other.update(first_name=person.first_name, last_name=person.last_name, name=person.name)
                customer.extra_addresses.append(other)
                customer.address_ids.append(9_500_000_000_000 + id_space + address_serial * 7)
            if not dormant and rng.random() < 0.12:
                at = created + timedelta(days=rng.randint(1, 120), seconds=rng.randrange(86400))
                if rng.random() < 0.6:
                    tags = {tag for tag in customer.tags.split(", ") if tag} | {"vip"}
                    customer.edits.append(ProfileEdit(at=at, tags=", ".join(sorted(tags))))
                else:
                    customer.edits.append(ProfileEdit(at=at, phone=_phone(person.country_code, rng)))
            self.customers.append(customer)

    def guest(self, index: int) -> Person:
        """Guest number ``index`` of the pool (drawing the pool up to it if needed)."""
        with self._guest_lock:
            rng, spec = self._guest_rng, self.spec
            while len(self.guests) <= index:
                serial = len(self.guests)
                person = make_person(
                    rng, pick_country(rng, spec), 100_000 + serial, with_email=rng.random() >= 0.02
                )
                self.guests.append(person)
            return self.guests[index]

    def pick_customer(self, rng: Random, at: datetime) -> Customer | None:
        """A registered customer who existed at ``at``, chosen by ordering propensity."""
        count = bisect_right(self._eligible_created, at)
        if count == 0:
            return None
        target = rng.random() * self._cumulative[count - 1]
        index = min(bisect_right(self._cumulative, target, 0, count), count - 1)
        return self._eligible[index]

    def pick_guest(self, rng: Random) -> Person:
        """A guest shopper (the same guest may come back)."""
        return self.guest(rng.randrange(self.guest_pool_size))
