"""Relay connections as Shopify serves them: ``first/after``, ``last/before``, ``reverse``, ``edges``,
``nodes`` and ``pageInfo``, over any list sorted by an integer key (orders use ``OrderQuery`` instead,
see ``resolvers.py``)."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from typing import Any

from graphql import GraphQLError

from sandbox.shopify.graphql.values import decode_cursor, encode_cursor

#: Largest page Shopify serves.
MAX_PAGE_SIZE = 250
ERROR_FIRST_OR_LAST = "you must provide one of first or last"


def page_size(args: dict[str, Any], bulk: bool) -> tuple[int | None, int | None]:
    """Validated ``(first, last)``; in a bulk operation neither is needed (everything is read)."""
    first, last = args.get("first"), args.get("last")
    if bulk:
        return first, last
    if first is None and last is None:
        raise GraphQLError(ERROR_FIRST_OR_LAST)
    for name, value in (("first", first), ("last", last)):
        if value is not None and not 0 <= value <= MAX_PAGE_SIZE:
            raise GraphQLError(
                f"The '{name}' argument must be between 0 and {MAX_PAGE_SIZE}.",
                extensions={"code": "BAD_USER_INPUT"},
            )
    return first, last


def cursor_key(cursor: str | None) -> tuple[int, ...] | None:
    """The sort key a cursor stands for (``GraphQLError`` if it is not a cursor)."""
    if cursor is None:
        return None
    try:
        payload = decode_cursor(cursor)
        return tuple(int(part) for part in payload["k"])
    except (ValueError, KeyError, TypeError):
        raise GraphQLError(f"Invalid cursor: {cursor}", extensions={"code": "BAD_USER_INPUT"}) from None


def make_cursor(key: Sequence[int]) -> str:
    """The cursor of an item with sort key ``key``."""
    return encode_cursor({"k": list(key)})


def connection(items: list[Any], cursors: list[str], has_previous: bool, has_next: bool) -> dict:
    """A connection object (edges, nodes, pageInfo) for a page of items with their cursors."""
    return {
        "edges": [{"cursor": cursor, "node": item} for item, cursor in zip(items, cursors, strict=True)],
        "nodes": items,
        "pageInfo": {
            "hasNextPage": has_next,
            "hasPreviousPage": has_previous,
            "startCursor": cursors[0] if cursors else None,
            "endCursor": cursors[-1] if cursors else None,
        },
    }


def list_connection(
    rows: list[tuple[tuple[int, ...], Any]],
    args: dict[str, Any],
    bulk: bool = False,
    build: Callable[[Any], Any] | None = None,
) -> dict:
    """A page of ``rows`` (``(key, item)`` sorted by key ascending) per the connection arguments.

    ``reverse`` flips the order; cursors carry the key, so a page continues after its last item even if
    items were added meanwhile. ``build`` turns each chosen item into its GraphQL object.
    """
    first, last = page_size(args, bulk)
    sign = -1 if args.get("reverse") else 1
    ordered = rows if sign == 1 else list(reversed(rows))
    keys = [tuple(sign * part for part in key) for key, _item in ordered]
    start, end = 0, len(ordered)
    after, before = cursor_key(args.get("after")), cursor_key(args.get("before"))
    if after is not None:
        start = bisect_right(keys, tuple(sign * part for part in after))
    if before is not None:
        end = max(start, bisect_left(keys, tuple(sign * part for part in before)))
    if first is not None:
        end = min(end, start + first)
    if last is not None:
        start = max(start, end - last)
    chosen = ordered[start:end]
    items = [build(item) if build else item for _key, item in chosen]
    return connection(items, [make_cursor(key) for key, _item in chosen], start > 0, end < len(ordered))


def nested(items: list[Any], args: dict[str, Any], bulk: bool) -> dict:
    """A connection over a small list in its natural order (line items, variants, refund lines...)."""
    return list_connection([((index,), item) for index, item in enumerate(items)], args, bulk)


def first_of(items: list[Any], args: dict[str, Any]) -> list[Any]:
    """A plain list field with an optional ``first`` argument (``refunds(first:)``, ``addresses(first:)``)."""
    first = args.get("first")
    return items if first is None else items[:first]
