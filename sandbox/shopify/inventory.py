"""Stock on hand per variant and location, as of the shop clock.

Available stock = initial stock + periodic restocks − units sold there + units returned with restock.
Online orders ship from the first location, POS sales leave the second. Every sale, return and restock
bumps the level's ``updated_at``. Gift cards are not stocked. The sales and returns come from the day
digests (``summary.DaySummary.mv_*``), not from the orders themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np

from sandbox.shopify.model import SandboxShop
from sandbox.shopify.seeding import rng_for
from sandbox.shopify.timeutil import day_start, local_date

_NEVER = np.iinfo(np.int64).min


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
    """Every stocked (inventory item, location) level as of the clock, by item id then location id.

    Sums the inventory moves of every day's digest (so the whole history is generated once per shop).
    """
    return shop.cached("inventory_levels", lambda: _build(shop))


def _moves(shop: SandboxShop) -> tuple[np.ndarray, np.ndarray]:
    """(units moved, time of the last move or _NEVER) per level code, as of the clock."""
    clock = shop.clock_epoch
    size = len(shop.catalog.variants) * len(shop.locations)
    delta = np.zeros(size, dtype=np.int64)
    moved = np.full(size, _NEVER, dtype=np.int64)
    last_day = local_date(shop.clock, shop.spec.zone)
    for day in shop.book.days():
        if day > last_day:
            break
        summary = shop.days.summary(day)
        mask = summary.mv_t <= clock
        np.add.at(delta, summary.mv_key[mask], summary.mv_quantity[mask])
        np.maximum.at(moved, summary.mv_key[mask], summary.mv_t[mask])
    return delta, moved


def _build(shop: SandboxShop) -> list[InventoryLevel]:
    clock = shop.clock
    delta, moved = _moves(shop)
    locations = len(shop.locations)
    levels = []
    for variant_index, variant in enumerate(shop.catalog.variants):
        if variant.gift_card:
            continue
        for location_index, location in enumerate(shop.locations):
            key = variant_index * locations + location_index
            initial, restocked, restocked_at = _restocks(shop, variant.id, location.id, clock)
            stamps = [max(variant.created_at, location.created_at)]
            if restocked_at is not None:
                stamps.append(restocked_at)
            if moved[key] != _NEVER:
                stamps.append(datetime.fromtimestamp(int(moved[key]), UTC))
            levels.append(
                InventoryLevel(
                    variant.inventory_item_id,
                    location.id,
                    initial + restocked + int(delta[key]),
                    max(stamps),
                )
            )
    levels.sort(key=lambda level: (level.inventory_item_id, level.location_id))
    return levels
