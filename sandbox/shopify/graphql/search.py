"""Shopify's search syntax for the ``query:`` argument of connections, as far as the sandbox uses it.

Terms are ``field:value`` or ``field:<op>value`` with ``op`` one of ``>``, ``>=``, ``<``, ``<=``, joined by
whitespace or ``AND`` (both mean AND). Time fields (``created_at``, ``updated_at``, ``processed_at``) take
ISO timestamps (quoted or not); a date alone means midnight in the shop's timezone, and ``field:date`` the
whole day. Terms on fields a connection does not filter on are ignored, as Shopify ignores unknown terms.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

_TERM = re.compile(r"""(-?)([A-Za-z_]+):(>=|<=|>|<)?('[^']*'|"[^"]*"|\S+)""")
TIME_FIELDS = ("created_at", "updated_at", "processed_at")


class SearchError(ValueError):
    """A term the sandbox cannot read (bad timestamp)."""


def _instant(text: str, zone: ZoneInfo) -> tuple[float, bool]:
    """(epoch seconds, whether ``text`` was a date alone)."""
    text = text.strip("'\"")
    try:
        if len(text) == 10:
            day = datetime.fromisoformat(text).date()
            return datetime.combine(day, time(0), zone).timestamp(), True
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise SearchError(f"Invalid timestamp {text!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed.timestamp(), False


def time_bounds(query: str | None, zone: ZoneInfo, fields: tuple[str, ...] = TIME_FIELDS) -> dict[str, float]:
    """Inclusive bounds ``{"updated_at_min": epoch, ...}`` of the time terms of a search query."""
    bounds: dict[str, float] = {}
    if not query:
        return bounds

    def tighten(key: str, value: float) -> None:
        if key.endswith("_min"):
            bounds[key] = max(bounds.get(key, value), value)
        else:
            bounds[key] = min(bounds.get(key, value), value)

    for negate, field, op, value in _TERM.findall(query):
        if field not in fields or negate:
            continue
        instant, date_only = _instant(value, zone)
        if op == ">=":
            tighten(f"{field}_min", instant)
        elif op == ">":
            tighten(f"{field}_min", instant + (86_400 if date_only else 1))
        elif op == "<=":
            tighten(f"{field}_max", instant + (86_399 if date_only else 0))
        elif op == "<":
            tighten(f"{field}_max", instant - 1)
        else:
            tighten(f"{field}_min", instant)
            end = instant + (timedelta(days=1).total_seconds() - 1 if date_only else 0)
            tighten(f"{field}_max", end)
    return bounds


def in_bounds(bounds: dict[str, float], field: str, value: float) -> bool:
    """Whether ``value`` (epoch seconds) of ``field`` lies within the bounds."""
    low, high = bounds.get(f"{field}_min"), bounds.get(f"{field}_max")
    return (low is None or value >= low) and (high is None or value <= high)


def search_terms(query: str | None) -> dict[str, list[str]]:
    """Plain ``field:value`` terms of a search query (no comparison operator), values unquoted."""
    found: dict[str, list[str]] = {}
    for negate, field, op, value in _TERM.findall(query or ""):
        if not negate and not op:
            found.setdefault(field, []).append(value.strip("'\""))
    return found
