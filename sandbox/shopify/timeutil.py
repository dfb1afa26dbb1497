"""Time handling: instants are stored as whole-second UTC datetimes and shown in the shop's local offset."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_TRAILING_OFFSET_WITHOUT_PLUS = re.compile(r"^(.*\d)\s(\d{2}:?\d{2})$")


def utc(dt: datetime) -> datetime:
    """A tz-aware instant converted to UTC and truncated to whole seconds."""
    if dt.tzinfo is None:
        raise ValueError(f"naive datetime {dt!r}: the sandbox needs tz-aware instants")
    return dt.astimezone(UTC).replace(microsecond=0)


def iso_local(instant: datetime, zone: ZoneInfo) -> str:
    """Shopify REST timestamp: second precision with the shop's UTC offset at that instant."""
    return instant.astimezone(zone).isoformat(timespec="seconds")


def local_date(instant: datetime, zone: ZoneInfo) -> date:
    """The business date of an instant: its calendar date in the shop's timezone."""
    return instant.astimezone(zone).date()


def day_start(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant of local midnight that starts ``day`` in ``zone``."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, int]:
    """Start of a local day (UTC) and its length in seconds (23, 24 or 25 hours around DST changes)."""
    start = day_start(day, zone)
    end = day_start(day + timedelta(days=1), zone)
    return start, int((end - start).total_seconds())


def parse_timestamp(text: str, zone: ZoneInfo) -> datetime:
    """Parse a filter timestamp as Shopify accepts it, returning a UTC instant.

    ISO 8601 with an offset (``2026-03-01T10:00:00-05:00`` or ``...Z``) is taken as is; a timestamp without
    offset, or a bare date, is read in the shop's timezone. A ``+`` that form-decoding turned into a space
    before the offset (``10:00:00 05:00``) is tolerated. Raises ``ValueError`` when unreadable.
    """
    raw = text.strip()
    match = _TRAILING_OFFSET_WITHOUT_PLUS.match(raw)
    if match and ("T" in match.group(1) or " " in match.group(1)):
        raw = f"{match.group(1)}+{match.group(2)}"
    parsed = datetime.fromisoformat(raw)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed.astimezone(UTC)


def standard_offset_label(zone: ZoneInfo, year: int) -> str:
    """The zone's standard (non-DST) offset as Shopify's ``timezone`` label prefix, e.g. ``(GMT-05:00)``."""
    offsets = [datetime(year, month, 1, 12, tzinfo=zone).utcoffset() or timedelta(0) for month in (1, 7)]
    offset = min(offsets)
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"(GMT{sign}{minutes // 60:02d}:{minutes % 60:02d})"
