"""Shopify Admin API versions: when a version stops being served, and which version a shop answered with.

Shopify releases a stable Admin API version every quarter (``YYYY-01``, ``-04``, ``-07``, ``-10``), on the
first day of that month, and supports each for at least 12 months (../shared/docs/source-apis.md §1,
"Versioning"). A request for a retired version is not refused: Shopify serves it as the oldest supported
version and says so in ``X-Shopify-API-Version``. A shop about to move a tenant onto another version, or a
query reading a field marked deprecated, answers with ``X-Shopify-API-Deprecated-Reason``.

:func:`retirement_date` applies that rule to a version string: ``YYYY-MM`` is retired on the first day of
the same month one year later (``2025-07`` on 2026-07-01). ``unstable`` is never a stable release and has
no retirement date. :class:`ServedVersions` is what a client records of the answers it got: the versions
served and the deprecation reasons, each value once, never a header that could carry a secret.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from datetime import date

#: The version a client asks for when none is given, and a tenant's when its connection names none: the
#: newest stable release the sandbox serves (2026-10, released 2026-10-01, retired 2027-10-01). Move it on
#: each quarter or so, well before :func:`retirement_date`; the check ``api_version_ready`` warns from 90
#: days before.
DEFAULT_API_VERSION = "2026-10"
#: The version a response was served as.
VERSION_HEADER = "X-Shopify-API-Version"
#: Why a request used something deprecated (the shop serves an older version, a deprecated field was read).
DEPRECATED_HEADER = "X-Shopify-API-Deprecated-Reason"
#: The version without a stable release (and without a retirement date).
UNSTABLE = "unstable"
#: Months a stable version is supported from its release, at least (Shopify's versioning rule).
SUPPORTED_MONTHS = 12
#: How long a value of the deprecation header may be when recorded (Shopify sends a short URL or sentence).
MAX_REASON_CHARS = 300

_STABLE = re.compile(r"^(20\d{2})-(01|04|07|10)$")


def is_api_version(text: str) -> bool:
    """Whether ``text`` is a version Shopify publishes: a quarter's release (``YYYY-01/04/07/10``) or
    ``unstable``."""
    return text == UNSTABLE or _STABLE.match(text) is not None


def release_date(version: str) -> date:
    """The day stable ``version`` (``YYYY-MM``) was released: the first of its month."""
    match = _STABLE.match(version)
    if match is None:
        raise ValueError(
            f"{version!r} is not a stable Shopify Admin API version (YYYY-01, YYYY-04, YYYY-07 or YYYY-10)"
        )
    return date(int(match.group(1)), int(match.group(2)), 1)


def retirement_date(version: str) -> date | None:
    """The day Shopify stops serving ``version`` as itself: its release plus :data:`SUPPORTED_MONTHS` (the
    first of the same month a year later). None for ``unstable``; ValueError naming the value for anything
    that is not a published version."""
    if version == UNSTABLE:
        return None
    released = release_date(version)
    return date(released.year + SUPPORTED_MONTHS // 12, released.month, 1)


def days_until_retirement(version: str, today: date) -> int | None:
    """Days from ``today`` to ``version``'s retirement (0 on the day itself, negative once past); None for
    ``unstable``."""
    retires = retirement_date(version)
    return None if retires is None else (retires - today).days


class ServedVersions:
    """The versions a shop served one client's requests as and the deprecation reasons it gave (distinct
    values, in the order first seen). Thread-safe; fed every response's headers by the client."""

    def __init__(self, requested: str) -> None:
        self.requested = requested
        self._served: dict[str, None] = {}
        self._reasons: dict[str, None] = {}
        self._lock = threading.Lock()

    def observe(self, headers: Mapping[str, str]) -> None:
        """Note one response's ``X-Shopify-API-Version`` and ``X-Shopify-API-Deprecated-Reason``."""
        served = (headers.get(VERSION_HEADER) or "").strip()
        reason = (headers.get(DEPRECATED_HEADER) or "").strip()[:MAX_REASON_CHARS]
        if not served and not reason:
            return
        with self._lock:
            if served:
                self._served.setdefault(served, None)
            if reason:
                self._reasons.setdefault(reason, None)

    def absorb(self, other: ServedVersions) -> None:
        """Add what another client of the same fetch recorded."""
        served, reasons = other.served, other.deprecated_reasons
        with self._lock:
            for value in served:
                self._served.setdefault(value, None)
            for value in reasons:
                self._reasons.setdefault(value, None)

    @property
    def served(self) -> list[str]:
        with self._lock:
            return list(self._served)

    @property
    def deprecated_reasons(self) -> list[str]:
        with self._lock:
            return list(self._reasons)

    def sidecar(self) -> dict[str, str | None]:
        """What a raw partition's sidecar records: ``api_version_requested``, ``api_version_served`` (the
        versions served, joined with ``, `` when the shop changed version mid-fetch; None before any
        answer) and, when any was given, ``api_deprecated_reason`` (the distinct reasons, joined with
        `` | ``)."""
        served, reasons = self.served, self.deprecated_reasons
        meta: dict[str, str | None] = {
            "api_version_requested": self.requested,
            "api_version_served": ", ".join(served) if served else None,
        }
        if reasons:
            meta["api_deprecated_reason"] = " | ".join(reasons)
        return meta

    def summary(self) -> dict[str, object]:
        """The asset metadata's account of a tenant's fetch: requested, served and deprecation reasons."""
        return {
            "requested": self.requested,
            "served": self.served,
            "deprecated_reasons": self.deprecated_reasons,
        }
