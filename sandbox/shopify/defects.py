"""Planted defects: bugs of the API, not of the store, that a data platform must catch.

A :class:`Defect` on ``ShopSpec.defects`` (or ``SandboxShop.defects``, settable on a live shop) makes the
sandbox serve ``orders.json`` the way a buggy real API would:

* ``corrupt_order``: one order arrives with a broken field (``total_price`` ``"12,50"`` by default; a
  field named by ``remove`` is left out, e.g. ``id``);
* ``drift_field``: orders arrive with an unknown new top-level field (``loyalty_tier: "gold"`` by
  default) and, with ``remove``, without a field they always had (e.g. ``created_at``);
* ``conflicting_duplicate``: one order is served a second time, on the last page of the walk, with
  different content (``note`` by default) under the same ``updated_at``;
* ``missing_page``: a page walk silently skips page ``page`` (1-based): the ``Link`` of the page before
  it points past it (page 1: the first answer is page 2), while ``orders/count.json`` still counts it;
* ``looping_cursor``: a page walk never ends: from page ``page`` on, every answer is that page's orders
  again, with a fresh ``page_info`` each time (the field's 3,562 requests for the same 10 orders);
* ``repeated_cursor``: a page walk never ends: page ``page`` links to a cursor that brings that page again,
  with the same link;
* ``bulk_fail``, ``bulk_expire``, ``bulk_access_denied``: the next GraphQL bulk query job ends ``FAILED``
  (``INTERNAL_SERVER_ERROR``, with a ``partialDataUrl`` of its first ``objects`` lines), ``EXPIRED``, or
  ``FAILED`` with ``ACCESS_DENIED`` (``graphql/bulk.py``). Each such defect hits one job (the first
  submitted after it is planted); the retry runs normally.

A defect targets ``order_id``, else the orders whose ``updated_at`` (as of the clock) falls on the local
``day``: for ``corrupt_order`` and ``conflicting_duplicate`` the first of them by id, for ``drift_field``
all of them, for the walk kinds (``missing_page``, ``looping_cursor``, ``repeated_cursor``) the walks whose
``updated_at_max`` is on that day (a per-day sync). Without a target, ``drift_field`` and the walk kinds hit
every order or walk. The store, its ground
truth and ``orders/count.json`` stay the truth: the defects exist only on the wire
(``defect_wire.py``).

Without code: ``STOREHOUSE_SANDBOX_DEFECTS`` plants defects on preset shops (see :func:`parse_defects`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from urllib.parse import parse_qsl

#: The environment variable read by ``presets.preset``: ``shop:kind[@day|@order_id][?key=value&...]``
#: entries separated by ``;`` or new lines.
DEFECTS_ENV = "STOREHOUSE_SANDBOX_DEFECTS"

DEFECT_KINDS: tuple[str, ...] = (
    "corrupt_order",
    "drift_field",
    "conflicting_duplicate",
    "missing_page",
    "looping_cursor",
    "repeated_cursor",
    "bulk_fail",
    "bulk_expire",
    "bulk_access_denied",
)
#: Kinds that change a page walk, not order payloads; they target a day's walk (or every walk).
WALK_KINDS = frozenset({"missing_page", "looping_cursor", "repeated_cursor"})
#: Kinds that make a GraphQL bulk operation job fail or expire (one job per defect).
BULK_KINDS = frozenset({"bulk_fail", "bulk_expire", "bulk_access_denied"})

#: What each kind changes when ``field``/``value`` are not given.
DEFAULT_CHANGES: dict[str, tuple[str, str]] = {
    "corrupt_order": ("total_price", "12,50"),
    "drift_field": ("loyalty_tier", "gold"),
    "conflicting_duplicate": ("note", "changed between two pages"),
}

Scalar = str | int | float | bool | None


@dataclass(frozen=True)
class Defect:
    """One planted API bug: its kind, what it targets and what it changes.

    ``field``/``value``: the top-level order field set (``corrupt_order``, ``drift_field``,
    ``conflicting_duplicate``'s second copy); ``remove``: a top-level field left out (``corrupt_order``,
    ``drift_field``); ``page``: the page skipped by ``missing_page``, or served again and again by
    ``looping_cursor`` / ``repeated_cursor``; ``objects``: the lines a ``bulk_fail`` job writes before it
    fails.
    """

    kind: str
    day: date | None = None
    order_id: int | None = None
    field: str | None = None
    value: Scalar = None
    remove: str | None = None
    page: int = 1
    objects: int = 0

    def __post_init__(self) -> None:
        if self.kind not in DEFECT_KINDS:
            raise ValueError(f"defect kind must be one of {DEFECT_KINDS}, got {self.kind!r}")
        if self.day is not None and self.order_id is not None:
            raise ValueError(f"{self.kind}: target a day or an order id, not both")
        if (
            self.kind in ("corrupt_order", "conflicting_duplicate")
            and self.day is None
            and self.order_id is None
        ):
            raise ValueError(f"{self.kind} needs a day or an order id")
        if self.kind in WALK_KINDS and self.order_id is not None:
            raise ValueError(f"{self.kind} targets a day's walk, not an order id")
        if self.page < 1:
            raise ValueError(f"{self.kind}: page must be >= 1, got {self.page}")
        if self.kind in BULK_KINDS:
            if self.day is not None or self.order_id is not None:
                raise ValueError(f"{self.kind} targets the next bulk job, not a day or an order")
            return
        if (
            self.kind not in WALK_KINDS
            and self.field is None
            and not (self.kind == "corrupt_order" and self.remove is not None)
        ):
            field, value = DEFAULT_CHANGES[self.kind]
            object.__setattr__(self, "field", field)
            object.__setattr__(self, "value", value)

    @property
    def changes(self) -> bool:
        """Whether the defect rewrites order payloads (every kind but the walk kinds)."""
        return self.kind not in WALK_KINDS and self.kind not in BULK_KINDS


def parse_defect(text: str) -> tuple[str, Defect]:
    """``shop:kind[@YYYY-MM-DD|@order_id][?field=…&value=…&remove=…&page=…&objects=…]`` -> (shop, defect)."""
    entry = text.strip()
    shop, sep, rest = entry.partition(":")
    if not sep or not shop.strip():
        raise ValueError(f"defect {entry!r}: expected shop:kind[@target][?options]")
    spec, _, options = rest.partition("?")
    kind, _, target = spec.partition("@")
    values: dict[str, object] = {"kind": kind.strip()}
    target = target.strip()
    if target.isdigit():
        values["order_id"] = int(target)
    elif target:
        try:
            values["day"] = date.fromisoformat(target)
        except ValueError:
            raise ValueError(
                f"defect {entry!r}: target {target!r} is neither a date nor an order id"
            ) from None
    for key, value in parse_qsl(options, keep_blank_values=True):
        if key in ("page", "objects"):
            values[key] = int(value)
        elif key in ("field", "value", "remove"):
            values[key] = value
        else:
            raise ValueError(
                f"defect {entry!r}: unknown option {key!r} (field, value, remove, page, objects)"
            )
    return shop.strip(), Defect(**values)  # type: ignore[arg-type]


def parse_defects(text: str) -> dict[str, list[Defect]]:
    """Every entry of a ``STOREHOUSE_SANDBOX_DEFECTS`` value, by shop name (entries split on ``;``/lines).

    Example: ``demo-ny:corrupt_order@2026-05-13; demo-ny:missing_page@2026-05-14?page=1;
    demo-berlin:drift_field@2026-05-10?remove=created_at``.
    """
    planted: dict[str, list[Defect]] = {}
    for entry in text.replace("\n", ";").split(";"):
        if entry.strip():
            shop, defect = parse_defect(entry)
            planted.setdefault(shop, []).append(defect)
    return planted


def defects_from_env(shop: str) -> list[Defect]:
    """The defects ``STOREHOUSE_SANDBOX_DEFECTS`` plants on ``shop`` (none when unset)."""
    raw = os.environ.get(DEFECTS_ENV, "")
    try:
        return parse_defects(raw).get(shop, [])
    except (ValueError, TypeError) as error:
        raise ValueError(f"{DEFECTS_ENV}: {error}") from None
