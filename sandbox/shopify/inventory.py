"""Stock on hand per variant and location, as of the shop clock.

Available stock = initial stock + periodic restocks − units sold there + units returned with restock.
Online orders ship from the first location, POS sales leave the second. Every sale, return and restock
bumps the level's ``updated_at``. Gift cards are not stocked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sandbox.shopify.model import SandboxShop
from sandbox.shopify.seeding import rng_for
from sandbox.shopify.timeutil import day_start, local_date


@dataclass(slots=True)
class InventoryLevel:
    """Units available of one inventory item at one location, and when that last changed."""

    inventory_item_id: int
    location_id: int
    available: int
    updated_at: datetime


def _restocks(
    shop: SandboxShop, variant_id: int, location_id: int, until: datetime
) -> tuple[int, int, datetime | None]:
    """(initial stock, units restocked up to ``until``, time of the last restock) for one level."""
    rng = rng_for(shop.spec.seed, "inventory", variant_id, location_id)
    initial = rng.randint(40, 300)
    cycle = rng.randint(7, 28)
    phase = rng.randrange(cycle)
    batch = rng.randint(30, 150)
    zone = shop.spec.zone
    first: date = shop.history_start + timedelta(days=(phase - shop.history_start.toordinal()) % cycle)
    last_day = local_date(until, zone)
    if first > last_day:
        return initial, 0, None
    count = (last_day - first).days // cycle + 1
    last = first + timedelta(days=(count - 1) * cycle)
    last_at = day_start(last, zone) + timedelta(hours=9)
    if last_at > until:
        count -= 1
        last_at = day_start(last - timedelta(days=cycle), zone) + timedelta(hours=9) if count else None
    return initial, count * batch, last_at


def inventory_levels(shop: SandboxShop) -> list[InventoryLevel]:
    """Every stocked (inventory item, location) level as of the clock, by item id then location id."""
    return shop.cached("inventory_levels", lambda: _build(shop))


def _build(shop: SandboxShop) -> list[InventoryLevel]:
    clock = shop.clock
    moves: dict[tuple[int, int], list] = {}
    for order in shop.orders():
        for line in order.lines_at(clock):
            if line.gift_card or order.location_id is None:
                continue
            entry = moves.setdefault((line.variant_id, order.location_id), [0, order.created_at])
            entry[0] -= line.quantity
            entry[1] = max(entry[1], line.added_at)
        for refund in order.refunds_at(clock):
            lines = {line.id: line for line in order.lines}
            for refund_line in refund.lines:
                if refund_line.location_id is None or refund_line.restock_type == "no_restock":
                    continue
                variant_id = lines[refund_line.line_item_id].variant_id
                entry = moves.setdefault((variant_id, refund_line.location_id), [0, refund.created_at])
                entry[0] += refund_line.quantity
                entry[1] = max(entry[1], refund.created_at)
    levels = []
    for variant in shop.catalog.variants:
        if variant.gift_card:
            continue
        for location in shop.locations:
            initial, restocked, restocked_at = _restocks(shop, variant.id, location.id, clock)
            delta, moved_at = moves.get((variant.id, location.id), (0, None))
            stamps = [max(variant.created_at, location.created_at)]
            stamps += [stamp for stamp in (restocked_at, moved_at) if stamp is not None]
            levels.append(
                InventoryLevel(
                    variant.inventory_item_id, location.id, initial + restocked + delta, max(stamps)
                )
            )
    levels.sort(key=lambda level: (level.inventory_item_id, level.location_id))
    return levels
