"""Planted defects on the wire: how ``orders.json`` pages and order payloads come out of a buggy API.

The API computes every page and payload truthfully (and caches them), then passes them through here:
:func:`adjust_page` skips a page (``missing_page``) or appends a second copy of an order to the last page
of a walk (``conflicting_duplicate``); :func:`patch_payload` / :func:`patch_fragment` rewrite the top-level
fields of the orders a defect targets (``corrupt_order``, ``drift_field``, the second copy). Nothing here
touches the store, its digests, ``orders/count.json`` or the ground truth, so clearing the defects (the
"fix") makes the very next request truthful again.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from sandbox.shopify.defects import Defect
from sandbox.shopify.order_query import OrderFilter, OrderQuery
from sandbox.shopify.paging import Cursor, Page
from sandbox.shopify.timeutil import day_start, local_date

if TYPE_CHECKING:
    from sandbox.shopify.model import Order, SandboxShop


@dataclass(frozen=True)
class SecondCopy:
    """A page item standing for the changed second copy of an order (``conflicting_duplicate``)."""

    order: Order


def _day_window(shop: SandboxShop, day: date) -> tuple[float, float]:
    """Epoch seconds of the local day's first and last second (inclusive, like a per-day sync)."""
    zone = shop.spec.zone
    return day_start(day, zone).timestamp(), day_start(day + timedelta(days=1), zone).timestamp() - 1


def target_id(shop: SandboxShop, defect: Defect) -> int | None:
    """The one order a ``corrupt_order`` / ``conflicting_duplicate`` defect hits: its ``order_id``, else
    the first order by id whose ``updated_at`` is on its ``day`` as of the clock (None if there is none)."""
    if defect.order_id is not None:
        return defect.order_id
    assert defect.day is not None
    targets: dict[date, int | None] = shop.cached("defect_targets", dict)
    with shop.lock:
        if defect.day not in targets:
            low, high = _day_window(shop, defect.day)
            bounds = (("updated_at_max", high), ("updated_at_min", low))
            first = OrderQuery(shop, OrderFilter(status="any", bounds=bounds)).page(1, None)
            targets[defect.day] = first.items[0].id if first.items else None
        return targets[defect.day]


def _hits_order(shop: SandboxShop, defect: Defect, order: Order) -> bool:
    if defect.kind in ("corrupt_order", "conflicting_duplicate"):
        return order.id == target_id(shop, defect)
    if defect.order_id is not None:
        return order.id == defect.order_id
    if defect.day is not None:
        return local_date(order.updated_at(shop.clock), shop.spec.zone) == defect.day
    return True


def _hits_walk(shop: SandboxShop, defect: Defect, order_filter: OrderFilter) -> bool:
    """Whether a ``missing_page`` defect hits this walk: any walk without a day, else a walk whose
    ``updated_at_max`` lies on the defect's day."""
    if defect.day is None:
        return True
    high = dict(order_filter.bounds).get("updated_at_max")
    if high is None:
        return False
    low, end = _day_window(shop, defect.day)
    return low <= high <= end


def _forward(cursor: Cursor | None) -> bool:
    return cursor is None or cursor.direction == "next"


def _after(key: tuple[int, ...]) -> Cursor:
    return Cursor("orders", (), "next", key, None)


def _skip_page(query: OrderQuery, limit: int, cursor: Cursor | None, result: Page, page: int) -> Page:
    """``result`` as served when page ``page`` of the walk is silently skipped."""
    if not _forward(cursor) or result.last_key is None:
        return result
    if page == 1:
        if cursor is not None:
            return result
        second = query.page(limit, _after(result.last_key))
        return Page(second.items, second.first_key, second.last_key, False, second.has_next)
    if not result.has_next or query.page(limit * (page - 1), None).last_key != result.last_key:
        return result  # not the page just before the skipped one
    skipped = query.page(limit, _after(result.last_key))
    return Page(result.items, result.first_key, skipped.last_key, result.has_previous, skipped.has_next)


def _append_copy(
    shop: SandboxShop, query: OrderQuery, cursor: Cursor | None, result: Page, defect: Defect
) -> Page:
    """``result`` with the target order appended again (as a :class:`SecondCopy`, which the writer serves
    with different content) when it is the last page of a forward walk that holds the target."""
    if not _forward(cursor) or result.has_next:
        return result
    order_id = target_id(shop, defect)
    if order_id is None:
        return result
    wanted = (
        frozenset({order_id}) & query.filter.ids if query.filter.ids is not None else frozenset({order_id})
    )
    if not wanted or OrderQuery(shop, dataclasses.replace(query.filter, ids=wanted)).count() == 0:
        return result
    order = shop.order(order_id)
    if order is None:
        return result
    return dataclasses.replace(result, items=[*result.items, SecondCopy(order)])


def adjust_page(
    shop: SandboxShop, query: OrderQuery, limit: int, cursor: Cursor | None, result: Page
) -> Page:
    """One ``orders.json`` page as the buggy API serves it (unchanged without page-level defects)."""
    for defect in shop.spec.defects:
        if defect.kind == "missing_page" and _hits_walk(shop, defect, query.filter):
            result = _skip_page(query, limit, cursor, result, defect.page)
        elif defect.kind == "conflicting_duplicate":
            result = _append_copy(shop, query, cursor, result, defect)
    return result


def _changes(shop: SandboxShop, order: Order, second_copy: bool) -> list[Defect]:
    return [
        defect
        for defect in shop.spec.defects
        if defect.changes
        and (second_copy or defect.kind != "conflicting_duplicate")
        and _hits_order(shop, defect, order)
    ]


def patch_payload(
    shop: SandboxShop, order: Order, payload: dict[str, Any], second_copy: bool = False
) -> dict:
    """The order's payload as served: ``payload`` itself when no defect hits it, else a patched copy."""
    defects = _changes(shop, order, second_copy)
    if not defects:
        return payload
    patched = dict(payload)
    for defect in defects:
        if defect.remove is not None:
            patched.pop(defect.remove, None)
        if defect.field is not None:
            patched[defect.field] = defect.value
    return patched


def patch_fragment(shop: SandboxShop, order: Order, fragment: bytes, second_copy: bool = False) -> bytes:
    """An order's JSON text as served (the same bytes when no defect hits it)."""
    if not shop.spec.defects or not _changes(shop, order, second_copy):
        return fragment
    patched = patch_payload(shop, order, json.loads(fragment), second_copy)
    return json.dumps(patched, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
