"""Planted defects on the wire: how ``orders.json`` pages and order payloads come out of a buggy API.

The API computes every page and payload truthfully (and caches them), then passes them through here:
:func:`adjust_page` skips a page (``missing_page``) or appends a second copy of an order to the last page
of a walk (``conflicting_duplicate``); :func:`serve_page` turns a walk into a loop from a page on
(``looping_cursor``: that page again with a fresh cursor every time; ``repeated_cursor``: with the same
one); :func:`patch_payload` / :func:`patch_fragment` rewrite the top-level
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


#: First part of the sort key in a looping walk's cursors: ``(LOOP_KEY, page, n)``. Orders' real keys have
#: two parts, so a looping cursor is told apart by its length.
LOOP_KEY = -1


def _loop_defect(shop: SandboxShop, order_filter: OrderFilter) -> Defect | None:
    for defect in shop.spec.defects:
        if defect.kind in ("looping_cursor", "repeated_cursor") and _hits_walk(shop, defect, order_filter):
            return defect
    return None


def _page_start(query: OrderQuery, limit: int, page: int) -> tuple[bool, Cursor | None]:
    """Whether the walk has a page ``page`` and the cursor it is asked with (None for page 1)."""
    if page == 1:
        return True, None
    before = query.page(limit * (page - 1), None)
    if before.last_key is None or not before.has_next:
        return False, None
    return True, _after(before.last_key)


def _looping(items: list, defect: Defect, served: int) -> Page:
    """Page ``defect.page``'s items again, linking to one more round of the loop."""
    number = served if defect.kind == "looping_cursor" else 0  # fresh, or the very same cursor
    return Page(items, None, (LOOP_KEY, defect.page, number), False, True)


def serve_page(shop: SandboxShop, query: OrderQuery, limit: int, cursor: Cursor | None) -> Page:
    """One ``orders.json`` page as the (possibly buggy) API serves it."""
    trap = _loop_defect(shop, query.filter) if shop.spec.defects else None
    if cursor is not None and len(cursor.key) == 3 and cursor.key[0] == LOOP_KEY:
        page = cursor.key[1]
        exists, start = _page_start(query, limit, page)
        result = query.page(limit, start) if exists else Page([], None, None, False, False)
        if trap is None:  # the loop was fixed: the walk goes on truthfully from that page
            return result
        return _looping(result.items, trap, cursor.key[2] + 1)
    result = adjust_page(shop, query, limit, cursor, query.page(limit, cursor))
    if trap is not None and _forward(cursor) and result.items:
        exists, start = _page_start(query, limit, trap.page)
        if exists and (start.key if start else None) == (cursor.key if cursor else None):
            return _looping(result.items, trap, 1)
    return result


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
