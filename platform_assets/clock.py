"""The pipeline's clock and the window of a business day: what "now", "today" and "yesterday" mean to
every source and every layer (a business day is a calendar day in the tenant's timezone)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def day_window(day: date, timezone: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of a local business day as aware datetimes (23 or 25 hours long on DST changes)."""
    start = datetime.combine(day, time(0), tzinfo=timezone)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=timezone)
    return start, end


def system_clock() -> datetime:
    """The machine's clock, in UTC."""
    return datetime.now(UTC)


#: The pipeline's clock. A simulation whose world runs at another time (the test harness on a sandbox shop
#: whose clock is months away from today) replaces it, so that "today" and "yesterday" mean the same to
#: the pipeline as to the source it reads.
clock: Callable[[], datetime] = system_clock


def utc_now() -> datetime:
    """Now, in UTC, by the pipeline's clock: which days have begun, which are over, when rows are written."""
    return clock().astimezone(UTC)
