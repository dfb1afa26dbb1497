"""A page walk that always ends: the guard every REST source's paginator runs its pages through.

An API that hands out a fresh cursor on every page while serving the same records never ends a naive walk
(seen in the field: the same 10 orders, 3,562 requests in 240 s). :class:`PageWalk` stops such a walk with
a :class:`PaginationLoopError` naming the request, the page and what repeated. Its rules, checked as the
walk goes (the paginator tells it every cursor it is about to follow and every page's records):

* **A repeated cursor**: the next page's cursor (Shopify's ``page_info``, a next URL, a page token) was
  followed before in this walk. Asking for it again can only bring the same pages again.
* **A page of records all seen before**: every record of a page, by id *and* version (``updated_at``),
  was already served in this walk. A record that was updated while the walk ran legitimately comes back
  (an order updated mid-walk moves behind the cursor of an ``updated_at``-sorted walk and is served again,
  with its new ``updated_at``), so an id seen twice is not an error, nor is a page that repeats some
  records; a page that only repeats record versions already served is the API going round in circles.
  Pages whose records carry no id (Shopify's inventory levels) are not judged by this rule.
* **More records than the API counted**: when the paginator knows how many records the walk should bring
  (a count endpoint, a total header), the walk may bring that many plus slack (``max(page_size, 10 %)``,
  for records that move while the walk runs), and no more; nor more pages than that takes.
* **A cap on pages**: with or without a count, no more than ``max_pages`` pages (the resource's setting).

All checks are per page or per record id already in hand (the paginator parses every page anyway), so a
walk pays a set lookup per record and nothing per byte.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Sequence

#: Pages one walk may take when the resource does not say otherwise: 2.5 million records at 250 a page,
#: more than any single ``updated_at`` window the raw assets ask for.
DEFAULT_MAX_PAGES = 10_000
#: The share of the counted records a walk may bring on top of the count (records updated mid-walk move).
COUNT_SLACK_SHARE = 0.10

#: A record's identity and version: ``(id, updated_at)``. Records without an id have none (``None``).
RecordVersion = tuple[Hashable, Hashable]


class PaginationLoopError(Exception):
    """A page walk was stopped because it would not end. Sources raise a subclass that is also their own
    API error (e.g. ``ShopifyPaginationLoopError``), so callers may catch either."""


_SCALARS = (str, int, float)


def record_versions(
    records: Sequence[object], version_field: str = "updated_at"
) -> list[RecordVersion | None]:
    """Each record's ``(id, version)``; ``None`` for a record that is not an object with a scalar ``id``
    (a version that is not a scalar counts as none)."""
    versions: list[RecordVersion | None] = []
    for record in records:
        record_id = record.get("id") if isinstance(record, dict) else None
        if isinstance(record_id, _SCALARS):
            version = record.get(version_field)  # type: ignore[union-attr]
            versions.append((record_id, version if isinstance(version, _SCALARS) else None))
        else:
            versions.append(None)
    return versions


def count_slack(expected: int, page_size: int) -> int:
    """How many records a walk may bring beyond the ``expected`` count."""
    return max(page_size, math.ceil(expected * COUNT_SLACK_SHARE))


class PageWalk:
    """The state of one page walk (one chain of cursors from a first request to the last page).

    ``request`` names the walk in errors (``"GET /admin/api/2025-07/orders.json"``: a path, never a query,
    which may carry cursors); ``error`` builds the source's :class:`PaginationLoopError` from a message.
    The paginator calls :meth:`follow` before asking for each page after the first and :meth:`page` with
    each page's record versions (in page order; it may be a page late, as when pages are encoded while the
    next is fetched).
    """

    def __init__(
        self,
        request: str,
        *,
        page_size: int,
        max_pages: int = DEFAULT_MAX_PAGES,
        expected_records: int | None = None,
        error: Callable[[str], PaginationLoopError] = PaginationLoopError,
    ) -> None:
        if max_pages < 1:
            raise ValueError(f"max_pages must be >= 1, got {max_pages}")
        self.request = request
        self.page_size = page_size
        self.expected_records = expected_records
        self.max_pages = max_pages
        self.record_limit: int | None = None
        self._cap_from_count = False
        if expected_records is not None:
            self.record_limit = expected_records + count_slack(expected_records, page_size)
            # One page more than the records can fill: the last page may be empty.
            pages_for_count = math.ceil(self.record_limit / page_size) + 1
            if pages_for_count < max_pages:
                self.max_pages, self._cap_from_count = pages_for_count, True
        self._error = error
        self.pages = 1  # the first page is asked for without a cursor
        self.records = 0
        self._cursors: dict[str, int] = {}
        self._seen: set[int] = set()

    def follow(self, cursor: str) -> None:
        """The walk is about to ask for its next page with ``cursor``."""
        followed_at = self._cursors.get(cursor)
        if followed_at is not None:
            raise self._error(
                f"{self.request}: page {self.pages} links to the same cursor as page {followed_at - 1} did "
                f"(already followed in this walk); the API is handing out cursors that loop"
            )
        if self.pages >= self.max_pages:
            raise self._error(self._cap_message())
        self.pages += 1
        self._cursors[cursor] = self.pages

    def page(self, number: int, versions: Sequence[RecordVersion | None]) -> None:
        """Page ``number`` (1-based) of the walk held records with these versions."""
        self.records += len(versions)
        if self.record_limit is not None and self.records > self.record_limit:
            raise self._error(
                f"{self.request}: page {number} brings the walk to {self.records} records, more than the "
                f"{self.expected_records} the API counted plus {self.record_limit - self.expected_records} "
                f"of slack; the pages do not end"
            )
        if not versions:
            return
        seen = self._seen
        keys = [hash(version) for version in versions if version is not None]
        if len(keys) == len(versions) and all(key in seen for key in keys):
            first = versions[0]
            assert first is not None
            ids = f"{len(versions)} record id{'s' * (len(versions) != 1)}"
            raise self._error(
                f"{self.request}: page {number} repeats {ids} already seen in this walk "
                f"(same updated_at; first: {first[0]}); the API is handing out cursors that loop"
            )
        seen.update(keys)

    def _cap_message(self) -> str:
        if self._cap_from_count:
            return (
                f"{self.request}: page {self.pages} links to another page, but the {self.expected_records} "
                f"records the API counted (plus slack) fill at most {self.max_pages} pages of "
                f"{self.page_size}; the pages do not end"
            )
        return (
            f"{self.request}: page {self.pages} links to another page, but a walk may take at most "
            f"{self.max_pages} pages (max_pages); the pages do not end"
        )
