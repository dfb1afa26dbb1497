"""A page walk that always ends: the guard every REST source's paginator runs its pages through.

An API that hands out a fresh cursor on every page while serving the same records never ends a naive walk
(seen in the field: the same 10 orders, 3,562 requests in 240 s). :class:`PageWalk` stops such a walk with
a :class:`PaginationLoopError` naming the request, the page and what repeated. Its rules, checked as the
walk goes (the paginator tells it every cursor it is about to follow and every page's records):

* **A repeated cursor**: the next page's cursor (a ``page_info``, a next URL, a page token) was
  followed before in this walk. Asking for it again can only bring the same pages again.
* **A page of records all seen before**: every record of a page, by id *and* version (``updated_at``),
  was already served in this walk. A record that was updated while the walk ran legitimately comes back
  (an order updated mid-walk moves behind the cursor of an ``updated_at``-sorted walk and is served again,
  with its new ``updated_at``), so an id seen twice is not an error, nor is a page that repeats some
  records; a page that only repeats record versions already served is the API going round in circles.
  Pages whose records carry no id (inventory levels, say) are not judged by this rule.
* **More records than the API counted**: when the paginator knows how many records the walk should bring
  (a count endpoint, a total header), the walk may bring that many plus slack (``max(page_size, 10 %)``,
  for records that move while the walk runs), and no more; nor more pages than that takes.
  A paginator that can count but would rather not pay a count request on every walk passes ``counter``
  instead: the walk asks it once, when it passes ``count_after_pages`` pages (a walk that long is rare,
  and a count request is cheap beside it), and is bounded by that count from then on. So an API that
  serves fresh records and fresh cursors forever is stopped within about ``count_after_pages`` pages too.
* **A cap on pages**: with or without a count, no more than ``max_pages`` pages (the resource's setting).

All checks are per page or per record id already in hand (the paginator parses every page anyway), so a
walk pays a set lookup per record and nothing per byte.

The paginators every REST source shares (in the spirit of dlt's ``rest_client/paginators.py``) decide a
walk's next request from the last response and run every cursor through an optional :class:`PageWalk`:

* :class:`LinkHeaderCursorPaginator` - ``Link: <…>; rel="next"`` carrying a cursor parameter (such as
  ``page_info``); the next request sends the cursor and the few parameters the API allows beside it.
* :class:`PageNumberPaginator` - ``page``/``per_page`` with the total pages (and records) in response
  headers the source names (e.g. ``X-WP-TotalPages``, ``X-WP-Total``); without them, a short page is the last.

Use :func:`paginate` to walk: it sends the first request, yields each response, and asks the paginator for
the next request until it has none.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests

#: Pages one walk may take when the resource does not say otherwise: 2.5 million records at 250 a page,
#: more than any single ``updated_at`` window the raw assets ask for.
DEFAULT_MAX_PAGES = 10_000
#: Pages a walk with a ``counter`` takes before it asks for its count (5,000 records at 250 a page).
COUNT_AFTER_PAGES = 20
#: The share of the counted records a walk may bring on top of the count (records updated mid-walk move).
COUNT_SLACK_SHARE = 0.10

#: A record's identity and version: ``(id, updated_at)``. Records without an id have none (``None``).
RecordVersion = tuple[Hashable, Hashable]


class PaginationLoopError(Exception):
    """A page walk was stopped because it would not end. Sources raise a subclass that is also their own
    API error (the client's pagination-loop error), so callers may catch either."""


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
        counter: Callable[[], int] | None = None,
        count_after_pages: int = COUNT_AFTER_PAGES,
        error: Callable[[str], PaginationLoopError] = PaginationLoopError,
    ) -> None:
        if max_pages < 1:
            raise ValueError(f"max_pages must be >= 1, got {max_pages}")
        self.request = request
        self.page_size = page_size
        self.expected_records: int | None = None
        self.max_pages = max_pages
        self.record_limit: int | None = None
        self._cap_from_count = False
        self._counter = counter if expected_records is None else None
        self._count_after_pages = count_after_pages
        self._error = error
        self.pages = 1  # the first page is asked for without a cursor
        self.records = 0
        self._cursors: dict[str, int] = {}
        self._seen: set[int] = set()
        if expected_records is not None:
            self.expect(expected_records)

    def expect(self, expected: int) -> None:
        """From now on the walk may bring ``expected`` records plus slack, in as many pages as they fill."""
        self.expected_records = expected
        self.record_limit = expected + count_slack(expected, self.page_size)
        # One page more than the records can fill: the last page may be empty.
        pages_for_count = math.ceil(self.record_limit / self.page_size) + 1
        if pages_for_count < self.max_pages:
            self.max_pages, self._cap_from_count = pages_for_count, True

    def follow(self, cursor: str) -> None:
        """The walk is about to ask for its next page with ``cursor``."""
        followed_at = self._cursors.get(cursor)
        if followed_at is not None:
            raise self._error(
                f"{self.request}: page {self.pages} links to the same cursor as page {followed_at - 1} did "
                f"(already followed in this walk); the API is handing out cursors that loop"
            )
        if self._counter is not None and self.pages >= self._count_after_pages:
            counter, self._counter = self._counter, None
            self.expect(counter())
            self._check_records(self.pages)
        if self.pages >= self.max_pages:
            raise self._error(self._cap_message())
        self.pages += 1
        self._cursors[cursor] = self.pages

    def page(self, number: int, versions: Sequence[RecordVersion | None]) -> None:
        """Page ``number`` (1-based) of the walk held records with these versions."""
        self.records += len(versions)
        self._check_records(number)
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

    def _check_records(self, number: int) -> None:
        if self.record_limit is not None and self.records > self.record_limit:
            assert self.expected_records is not None
            raise self._error(
                f"{self.request}: page {number} brings the walk to {self.records} records, more than the "
                f"{self.expected_records} the API counted plus {self.record_limit - self.expected_records} "
                f"of slack; the pages do not end"
            )

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


# ---------------------------------------------------------------------------------------------------------
# Paginators
# ---------------------------------------------------------------------------------------------------------
Params = dict[str, Any]


class PaginatorError(Exception):
    """A response does not say how to go on (e.g. a next link without its cursor). ``response`` is it."""

    def __init__(self, message: str, response: requests.Response) -> None:
        super().__init__(message)
        self.response = response


class BasePaginator:
    """Decides the requests of one walk: :meth:`init_request` gives the first page's query,
    :meth:`update_state` reads the last response, :attr:`has_next_page` says whether there is another and
    :meth:`update_request` gives its query. Every next page's cursor goes through ``walk``
    (:meth:`PageWalk.follow`) before it is asked for; the caller reports each page's records to the walk
    (:meth:`PageWalk.page`), since it parses them. One paginator per walk."""

    def __init__(self, walk: PageWalk | None = None) -> None:
        self.walk = walk
        self.has_next_page = True

    def init_request(self, params: Mapping[str, Any]) -> Params:
        """The first page's query (by default ``params`` as given)."""
        return dict(params)

    def update_state(self, response: requests.Response, records: Sequence[object] | None = None) -> None:
        """Read ``response`` (its page's ``records``, if the caller has them) to find the next page."""
        raise NotImplementedError

    def update_request(self, params: Mapping[str, Any]) -> Params:
        """The next page's query, given the last one."""
        raise NotImplementedError

    def _follow(self, cursor: str) -> None:
        if self.walk is not None:
            self.walk.follow(cursor)


class LinkHeaderCursorPaginator(BasePaginator):
    """Follows ``Link: <url>; rel="next"`` whose query carries ``cursor_param`` (e.g. ``page_info``).

    The next request sends only the link's ``cursor_param`` and ``keep_params`` (an API may answer 400 to a
    filter beside its cursor), keeping the first request's value of a kept parameter the link dropped.
    The link's host is ignored: the caller applies the query to its own URL, so a token never travels to a
    host the link names. A next link without a cursor raises :class:`PaginatorError`.
    """

    def __init__(
        self,
        cursor_param: str = "page_info",
        keep_params: Sequence[str] = ("limit", "fields"),
        *,
        walk: PageWalk | None = None,
    ) -> None:
        super().__init__(walk)
        self.cursor_param = cursor_param
        self.keep_params = tuple(keep_params)
        self.cursor: str | None = None
        self._first: Params = {}
        self._linked: Params = {}

    def init_request(self, params: Mapping[str, Any]) -> Params:
        self._first = dict(params)
        return dict(params)

    def update_state(self, response: requests.Response, records: Sequence[object] | None = None) -> None:
        next_link = response.links.get("next", {}).get("url")
        if not next_link:
            self.has_next_page, self.cursor = False, None
            return
        linked = dict(parse_qsl(urlsplit(next_link).query, keep_blank_values=True))
        cursor = linked.get(self.cursor_param, "")
        if not cursor:
            raise PaginatorError(f"no {self.cursor_param} in the Link header's next URL", response)
        self._follow(cursor)
        self.has_next_page, self.cursor, self._linked = True, cursor, linked

    def update_request(self, params: Mapping[str, Any]) -> Params:
        query = {k: v for k, v in self._linked.items() if k in (self.cursor_param, *self.keep_params)}
        for key in self.keep_params:
            if key not in query and key in self._first:
                query[key] = self._first[key]
        return query


class PageNumberPaginator(BasePaginator):
    """Numbered pages: ``page_param`` (from ``base_page``) and ``per_page_param``; the total pages from
    ``total_pages_header`` and the total records from ``total_records_header`` (it bounds the walk,
    :meth:`PageWalk.expect`), when the source's API sends them and its client names them. Without a
    total-pages header, a page with fewer than ``per_page`` records (or none) is the last.
    """

    def __init__(
        self,
        *,
        per_page: int,
        page_param: str = "page",
        per_page_param: str = "per_page",
        base_page: int = 1,
        total_pages_header: str | None = None,
        total_records_header: str | None = None,
        walk: PageWalk | None = None,
    ) -> None:
        super().__init__(walk)
        if per_page < 1:
            raise ValueError(f"per_page must be >= 1, got {per_page}")
        self.per_page = per_page
        self.page_param = page_param
        self.per_page_param = per_page_param
        self.page = base_page
        self.total_pages: int | None = None
        self.total_records: int | None = None
        self.total_pages_header = total_pages_header
        self.total_records_header = total_records_header

    def init_request(self, params: Mapping[str, Any]) -> Params:
        return {**params, self.page_param: self.page, self.per_page_param: self.per_page}

    @staticmethod
    def _header_int(response: requests.Response, name: str | None) -> int | None:
        value = response.headers.get(name, "").strip() if name else ""
        return int(value) if value.isdigit() else None

    def update_state(self, response: requests.Response, records: Sequence[object] | None = None) -> None:
        total_pages = self._header_int(response, self.total_pages_header)
        total_records = self._header_int(response, self.total_records_header)
        if total_records is not None and self.total_records is None:
            self.total_records = total_records
            if self.walk is not None and self.walk.expected_records is None:
                self.walk.expect(total_records)
        if total_pages is not None:
            self.total_pages = total_pages
            self.has_next_page = self.page < total_pages
        else:
            if records is None:
                body = response.json()
                records = body if isinstance(body, list) else []
            self.has_next_page = len(records) >= self.per_page
        if self.has_next_page:
            self._follow(str(self.page + 1))
            self.page += 1

    def update_request(self, params: Mapping[str, Any]) -> Params:
        return {**params, self.page_param: self.page}


def paginate(
    fetch: Callable[[Params], requests.Response],
    paginator: BasePaginator,
    params: Mapping[str, Any] | None = None,
    *,
    records: Callable[[requests.Response], Sequence[object]] | None = None,
) -> Iterator[requests.Response]:
    """Walk the pages: ``fetch(query)`` each page's response and yield it, until ``paginator`` has no
    next page. ``records`` (a response's records) lets the paginator and its walk see each page's records:
    the walk's page rules then apply here too (:meth:`PageWalk.page`)."""
    query = paginator.init_request(params or {})
    number = 0
    while True:
        response = fetch(query)
        number += 1
        page = records(response) if records is not None else None
        if page is not None and paginator.walk is not None:
            paginator.walk.page(number, record_versions(page))
        yield response
        paginator.update_state(response, page)
        if not paginator.has_next_page:
            return
        query = paginator.update_request(query)
