"""Planted defects: bugs of the API (not of the store) that a data platform must catch.

* ``corrupt_order``: one order arrives with an invalid value (``total`` ``"12,50"`` by default; ``field``
  and ``value`` choose another, e.g. ``date_created_gmt=not a date``), in listings and ``orders/{id}``;
* ``missing_page``: an ``orders`` listing page (``page``, default 1) that includes the target day's orders
  fails once with a 500 (``mode=error``, the default: WordPress's critical-error body) or, every time,
  comes back without the target day's orders (``mode=short``) while ``X-WP-Total`` still counts them;
* ``duplicate_order``: the target order is served a second time on a neighbouring page (the page after
  its own, or the one before when it is on the last page), so a page walk sees it twice; the totals
  headers do not change.

A defect targets ``order_id``, else the orders created on the local ``day`` (``corrupt_order`` and
``duplicate_order``: the first of them by id; ``missing_page``: every listing that includes one of them);
without either, ``missing_page`` hits every listing. The store and its ground truth stay the truth.

Without code: ``STOREHOUSE_WOO_SANDBOX_DEFECTS`` plants defects on preset sites:
``site:kind[@YYYY-MM-DD|@order_id][?key=value&...]`` entries separated by ``;`` or new lines, e.g.
``woo-ny:corrupt_order@2026-11-20; woo-london:missing_page@2026-11-20?page=1&mode=short``.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

if TYPE_CHECKING:
    from sandbox.woocommerce.model import WooSite

DEFECTS_ENV = "STOREHOUSE_WOO_SANDBOX_DEFECTS"
DEFECT_KINDS = ("corrupt_order", "missing_page", "duplicate_order")


@dataclass
class Defect:
    """One planted defect (see the module docstring)."""

    kind: str
    day: date | None = None
    order_id: int | None = None
    page: int = 1
    mode: str = "error"
    field: str = "total"
    value: Any = "12,50"
    fired: set[Any] = dataclasses.field(default_factory=set)

    def __post_init__(self) -> None:
        if self.kind not in DEFECT_KINDS:
            raise ValueError(f"defect kind must be one of {DEFECT_KINDS}, got {self.kind!r}")
        if self.mode not in ("error", "short"):
            raise ValueError("missing_page mode must be 'error' or 'short'")


def parse_defect(text: str) -> Defect:
    """``kind[@day|@order_id][?key=value&...]`` → a :class:`Defect`."""
    head, _, options = text.strip().partition("?")
    kind, _, target = head.partition("@")
    defect = Defect(kind.strip())
    if target:
        if "-" in target:
            defect.day = date.fromisoformat(target.strip())
        else:
            defect.order_id = int(target)
    for key, value in parse_qsl(options):
        if key == "page":
            defect.page = int(value)
        elif key in ("mode", "field", "value"):
            setattr(defect, key, value)
        else:
            raise ValueError(f"unknown defect option {key!r} in {text!r}")
    defect.__post_init__()
    return defect


def defects_from_env(site: str) -> list[Defect]:
    """The defects ``STOREHOUSE_WOO_SANDBOX_DEFECTS`` plants on ``site``."""
    raw = os.environ.get(DEFECTS_ENV, "")
    found = []
    for entry in raw.replace("\n", ";").split(";"):
        name, sep, text = entry.strip().partition(":")
        if sep and name.strip() == site:
            found.append(parse_defect(text))
    return found


def _targets(site: WooSite, defect: Defect) -> list[int]:
    if defect.order_id is not None:
        return [defect.order_id]
    if defect.day is None or defect.day not in site.day_counts():
        return []
    return [o.id for o in site.day_orders(defect.day) if o.created <= site.clock]


def corrupt(site: WooSite, body: dict[str, Any]) -> dict[str, Any]:
    """The order body with every ``corrupt_order`` defect aimed at it applied."""
    for defect in site.defects:
        if defect.kind == "corrupt_order":
            targets = _targets(site, defect)
            if targets and body.get("id") == targets[0]:
                body[defect.field] = defect.value
    return body


def apply_list_defects(
    site: WooSite, ids: list[int], start: int, per_page: int, page: int
) -> tuple[list[int], bool]:
    """The ids one ``orders`` page serves (``start``: its first index) and whether it fails with a 500."""
    window = ids[max(0, start) : max(0, start) + per_page]
    for defect in site.defects:
        if defect.kind == "missing_page" and page == defect.page:
            hit = set(_targets(site, defect)) if (defect.day or defect.order_id) else None
            if window and (hit is None or hit & set(window)):
                if defect.mode == "error":
                    key = (site.clock, tuple(window))
                    if key not in defect.fired:
                        defect.fired.add(key)
                        return [], True
                else:
                    window = (
                        [i for i in window if hit is not None and i not in hit]
                        if hit is not None
                        else window[: len(window) // 2]
                    )
        elif defect.kind == "duplicate_order":
            targets = _targets(site, defect)
            if not targets or targets[0] not in ids:
                continue
            position = ids.index(targets[0])
            own_page = position // per_page
            last_page = (len(ids) - 1) // per_page
            extra_page = own_page + 1 if own_page < last_page else own_page - 1
            if extra_page >= 0 and start == extra_page * per_page:
                window = [targets[0], *window] if extra_page > own_page else [*window, targets[0]]
    return window, False
