"""Order deletions as both Shopify Admin APIs report them, in one shape.

A merchant can delete an order in the admin. Nothing in the orders endpoints says so afterwards: the
order is simply gone. Shopify records the deletion twice over:

* REST: the activity log, ``GET /admin/api/{v}/events.json?filter=Order&verb=destroy`` with
  ``created_at_min``/``created_at_max`` (the moment of the deletion), paged by ``Link`` headers. An
  event's ``subject_id`` is the deleted order's id.
* GraphQL: ``deletionEvents(subjectTypes: [ORDER], query: "occurred_at:>='…' AND occurred_at:<='…'")``,
  a connection of ``{ subjectId occurredAt }`` (the order's GID).

Both clients turn them into :class:`OrderDeletion` (the order's numeric id and when it was deleted), so
the pipeline records deletions the same way whichever API a tenant reads through.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

ORDER_GID_PREFIX = "gid://shopify/Order/"


@dataclass(frozen=True, order=True)
class OrderDeletion:
    """An order the merchant deleted at the source, and when (timezone-aware)."""

    order_id: int
    deleted_at: datetime


def order_id_of(value: object, *, field: str) -> int:
    """An order id from a REST number or a GraphQL GID (``gid://shopify/Order/123``); a clear
    ``ValueError`` naming ``field`` and the value otherwise."""
    if isinstance(value, bool):
        raise ValueError(f"{field} is not an order id: {value!r}")
    if isinstance(value, int):
        return value
    text = str(value)
    digits = text.removeprefix(ORDER_GID_PREFIX)
    if not digits.isdigit():
        raise ValueError(f"{field} is not an order id or order GID: {value!r}")
    return int(digits)


def moment_of(value: object, *, field: str) -> datetime:
    """A timezone-aware timestamp from the API's ISO 8601 text; a clear ``ValueError`` otherwise."""
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{field} is not an ISO 8601 timestamp: {value!r}") from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{field} has no UTC offset: {value!r}")
    return moment


def check_window(start: datetime | None, end: datetime) -> None:
    """Both ends timezone-aware, and the start not after the end."""
    for name, value in (("start", start), ("end", end)):
        if value is not None and (value.tzinfo is None or value.utcoffset() is None):
            raise ValueError(f"window {name} must be timezone-aware (ISO 8601 with offset), got {value!r}")
    if start is not None and start > end:
        raise ValueError(f"window start {start.isoformat()} is after its end {end.isoformat()}")
