"""Shopify-style cursor pagination: opaque ``page_info`` tokens and ``Link`` headers.

A token records the resource, the filters and sort order of the first request, the page direction and
the sort key of the item the page starts after (next) or ends before (previous). It is URL-safe base64 of
compact JSON, so it is stable byte for byte. Items are sorted by a tuple of integers, ascending.
"""

from __future__ import annotations

import base64
import binascii
import json
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from typing import Any


class InvalidPageInfo(ValueError):
    """The page_info token cannot be read (or belongs to another endpoint)."""


@dataclass(frozen=True)
class Cursor:
    """What a page_info token says: where to continue and under which filters."""

    resource: str
    filters: tuple[tuple[str, str], ...]
    direction: str  # "next" | "previous"
    key: tuple[int, ...]
    fields: str | None


def encode(cursor: Cursor) -> str:
    """The opaque token for a cursor."""
    payload = {
        "d": cursor.direction,
        "f": cursor.fields,
        "k": list(cursor.key),
        "q": [list(pair) for pair in cursor.filters],
        "r": cursor.resource,
    }
    raw = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(token: str, resource: str) -> Cursor:
    """Read a token; raises :class:`InvalidPageInfo` if it is malformed or for another resource."""
    try:
        padded = token + "=" * (-len(token) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
        cursor = Cursor(
            resource=str(payload["r"]),
            filters=tuple((str(k), str(v)) for k, v in payload["q"]),
            direction=str(payload["d"]),
            key=tuple(int(part) for part in payload["k"]),
            fields=payload["f"] if payload["f"] is None else str(payload["f"]),
        )
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError) as error:
        raise InvalidPageInfo(token) from error
    if cursor.resource != resource or cursor.direction not in {"next", "previous"}:
        raise InvalidPageInfo(token)
    return cursor


@dataclass
class Page:
    """One page of items with the sort keys of its ends and whether more lie on either side."""

    items: list[Any]
    first_key: tuple[int, ...] | None
    last_key: tuple[int, ...] | None
    has_previous: bool
    has_next: bool


def page(rows: list[tuple[tuple[int, ...], Any]], limit: int, cursor: Cursor | None) -> Page:
    """Cut one page out of ``rows`` (sorted by key ascending), continuing from ``cursor`` if given."""
    keys = [key for key, _item in rows]
    if cursor is None:
        start, end = 0, min(limit, len(rows))
    elif cursor.direction == "next":
        start = bisect_right(keys, cursor.key)
        end = min(start + limit, len(rows))
    else:
        end = bisect_left(keys, cursor.key)
        start = max(0, end - limit)
    chosen = rows[start:end]
    return Page(
        items=[item for _key, item in chosen],
        first_key=chosen[0][0] if chosen else None,
        last_key=chosen[-1][0] if chosen else None,
        has_previous=bool(chosen) and start > 0,
        has_next=bool(chosen) and end < len(rows),
    )


def link_header(url_for: Any, resource: str, filters: tuple, fields: str | None, result: Page) -> str | None:
    """The ``Link`` header for a page (``None`` when there is no other page).

    ``url_for(token)`` builds the absolute URL of the next/previous page for a token.
    """
    links = []
    if result.has_previous and result.first_key is not None:
        token = encode(Cursor(resource, filters, "previous", result.first_key, fields))
        links.append(f'<{url_for(token)}>; rel="previous"')
    if result.has_next and result.last_key is not None:
        token = encode(Cursor(resource, filters, "next", result.last_key, fields))
        links.append(f'<{url_for(token)}>; rel="next"')
    return ", ".join(links) if links else None
