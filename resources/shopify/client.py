"""Shopify Admin REST client: a Dagster resource that hands out per-shop clients.

``ShopifyClientResource`` holds configuration only (API version, page size, timeouts, retry policy). The
access token is never part of it: the caller reads it (from the environment variable named in the tenants
file) and passes it to :meth:`ShopifyClientResource.for_shop`, which returns a :class:`ShopifyShopClient`
for one shop.

The token travels only in the ``X-Shopify-Access-Token`` request header. It is not stored on anything that is
printed: not in ``repr``, exception messages, log records or metadata.

Shop base URLs:

* ``https://acme.myshopify.com`` - a real shop;
* ``http://127.0.0.1:8765/demo-ny`` - the sandbox server (``sandbox.shopify.server``);
* ``sandbox://demo-ny`` - the sandbox in-process (no sockets), once the demo wiring has registered its
  transport (:mod:`resources.transports`); any other scheme with a registered transport works alike.

See docs/shopify-client.md.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future
from datetime import datetime
from typing import Any

import requests
from pydantic import field_validator, model_validator

from resources import fast_json
from resources.client_base import ClientSettings, parse_base_url, send_unchained
from resources.gc_pause import collector_paused
from resources.http import (
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_RESPONSE_DEADLINE,
    PACERS,
    HttpStats,
    Pacer,
    PacerRegistry,
    RetryingRequester,
    RetryPolicy,
    Sleep,
    url_path,
)
from resources.http_session import EnvironmentOnceSession
from resources.page_encoding import EncodedPage, PageEncoder, PageFormatError, page_records
from resources.pagination import (
    DEFAULT_MAX_PAGES,
    LinkHeaderCursorPaginator,
    PageWalk,
    PaginationLoopError,
    PaginatorError,
    paginate,
    record_versions,
)
from resources.secrets import check_header_value, install_log_filter, scrub
from resources.shopify.deletions import OrderDeletion, check_window, moment_of, order_id_of
from resources.shopify.versions import DEFAULT_API_VERSION, ServedVersions

log = logging.getLogger(__name__)
install_log_filter(__name__)

CALL_LIMIT_HEADER = "X-Shopify-Shop-Api-Call-Limit"
TOKEN_HEADER = "X-Shopify-Access-Token"
MAX_PAGE_SIZE = 250
INVENTORY_IDS_PER_REQUEST = 50
_CURSOR_PARAMS = ("page_info", "limit", "fields")
#: Resources listed by ``updated_at`` window, with the query each takes besides the window. Orders come
#: sorted by ``updated_at`` (the cursor keeps the order), so a window's progress can be told from its pages.
#: Query parameters of a list request that its count request does not take.
_NOT_COUNT_PARAMS = frozenset({"limit", "order", "fields", "page_info"})
WINDOW_RESOURCES: dict[str, dict[str, str]] = {
    "orders": {"status": "any", "order": "updated_at asc"},
    "customers": {},
    "products": {},
}
SORTED_BY_UPDATED_AT = frozenset(
    name for name, query in WINDOW_RESOURCES.items() if query.get("order") == "updated_at asc"
)

#: Access scopes the raw assets need (see docs/shopify-client.md).
REQUIRED_SCOPES = (
    "read_orders",
    "read_all_orders",
    "read_customers",
    "read_products",
    "read_inventory",
    "read_locations",
)


# ---------------------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------------------
class ShopifyError(Exception):
    """Base class of everything this client raises.

    ``method``, ``path`` (URL path, never the query), ``status`` (``None`` for network failures) and
    ``api_message`` (the API's ``errors`` text) are always set. The message and ``api_message`` are
    scrubbed of every secret this process has read (``resources.secrets``).
    """

    def __init__(self, message: str, *, method: str, path: str, status: int | None, api_message: str) -> None:
        super().__init__(scrub(message))
        self.method = method
        self.path = path
        self.status = status
        self.api_message = scrub(api_message)


class ShopifyAuthError(ShopifyError):
    """401: the access token is invalid, revoked or missing."""


class ShopifyProtectedDataError(ShopifyError):
    """403: the app lacks a scope or protected-customer-data approval. ``resource`` names what was refused.

    The raw assets catch it, skip that entity and record a warning in their metadata.
    """

    def __init__(self, message: str, *, resource: str, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.resource = resource


class ShopifyAPIError(ShopifyError):
    """Any other 4xx, an unusable response, or retries exhausted (then ``attempts`` > 1)."""

    def __init__(self, message: str, *, attempts: int = 1, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.attempts = attempts


class ShopifyPaginationLoopError(ShopifyAPIError, PaginationLoopError):
    """A page walk that would not end was stopped (a repeated cursor, a page of records already served,
    more records than counted, or more pages than ``max_pages``): see ``resources/pagination.py``.
    ``status`` is that of the page that gave it away (200)."""


def api_error_text(response: requests.Response) -> str:
    """The API's error text: ``{"errors": "..."}``, ``{"errors": {"field": ["msg"]}}``, ``{"error": ...}``."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        errors = body.get("errors", body.get("error"))
        if isinstance(errors, str):
            return errors
        if isinstance(errors, dict):
            parts = []
            for key, value in errors.items():
                msgs = value if isinstance(value, list) else [value]
                parts.append(f"{key}: {', '.join(str(m) for m in msgs)}")
            return "; ".join(parts)
        if isinstance(errors, list):
            return "; ".join(str(e) for e in errors)
    text = (response.text or "").strip()
    if text and len(text) <= 200 and "<" not in text:
        return text
    return response.reason or ""


def _describe_answer(response: requests.Response) -> tuple[str, dict[str, Any]]:
    status = response.status_code
    api_message = api_error_text(response)
    return f"HTTP {status}: {api_message}", {"status": status, "api_message": api_message}


def _format_timestamp(value: datetime) -> str:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"timestamp must be timezone-aware (ISO 8601 with offset), got naive {value!r}")
    return value.isoformat()


def _resource_name(resource: str) -> str:
    """``"orders"`` -> ``"orders"``; ``"orders/450789469/refunds"`` -> ``"refunds"``."""
    return resource.strip("/").removesuffix(".json").rsplit("/", 1)[-1]


# ---------------------------------------------------------------------------------------------------------
# Per-shop client
# ---------------------------------------------------------------------------------------------------------
class ShopifyShopClient:
    """Talks to one shop. Get it from :meth:`ShopifyClientResource.for_shop`.

    Use one client per thread (a ``requests.Session`` is not meant to be shared across threads); the pacer
    for the shop is shared by every client of that shop in the process, so several threads may fetch date
    windows of the same shop concurrently and stay under the API's rate limit together.
    """

    def __init__(
        self,
        shop_url: str,
        token: str,
        *,
        api_version: str = DEFAULT_API_VERSION,
        page_size: int = MAX_PAGE_SIZE,
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        policy: RetryPolicy | None = None,
        leak_rate: float | None = None,
        pacers: PacerRegistry | None = None,
        sleep: Sleep = time.sleep,
        rng: random.Random | None = None,
        session: requests.Session | None = None,
        encoder: PageEncoder | None = None,
        max_pages: int = DEFAULT_MAX_PAGES,
        response_deadline: float | None = DEFAULT_RESPONSE_DEADLINE,
        max_response_bytes: int | None = DEFAULT_MAX_RESPONSE_BYTES,
        token_source: str | None = None,
    ) -> None:
        if not token:
            raise ValueError("an access token is required")
        # Where the token comes from (e.g. "environment variable ACME_TOKEN"): named, never shown, when the
        # token is unusable or the shop refuses it.
        self._token_source = token_source
        token = check_header_value(token, token_source or "the access token given to the Shopify client")
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}, got {page_size}")
        self.shop_url, mount = parse_base_url(
            shop_url, name="shop_url", usage=f"http(s)://host[/prefix] or sandbox://name, got {shop_url!r}"
        )
        self.api_version = api_version
        self.page_size = page_size
        self.max_pages = max_pages
        self._api_root = f"{self.shop_url}/admin/api/{api_version}"

        self._session = session or EnvironmentOnceSession()
        if mount is not None:
            mount(self._session)
        self._headers = {TOKEN_HEADER: token, "Accept": "application/json"}
        self._stats = HttpStats()
        #: The versions the shop served this client's requests as, and its deprecation reasons.
        self.versions = ServedVersions(api_version)
        self._pacer = (pacers if pacers is not None else PACERS).get(self.shop_url, leak_rate=leak_rate)
        self._http = RetryingRequester(
            self._session,
            policy=policy,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            pacer=self._pacer,
            rate_limit_header=CALL_LIMIT_HEADER,
            sleep=sleep,
            rng=rng,
            stats=self._stats,
            logger=log,
            response_deadline=response_deadline,
            max_response_bytes=max_response_bytes,
        )
        self._encoder = encoder or PageEncoder(workers=0)
        self._closed = False

    def __repr__(self) -> str:
        return f"ShopifyShopClient(shop_url={self.shop_url!r}, api_version={self.api_version!r})"

    def __enter__(self) -> ShopifyShopClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._session.close()

    @property
    def stats(self) -> dict[str, float]:
        """Counters: ``requests`` (attempts sent), ``retries``, ``throttled`` (429s seen),
        ``pacing_sleep_seconds``, ``retry_sleep_seconds``."""
        return self._stats.as_dict()

    @property
    def pacer(self) -> Pacer:
        return self._pacer

    def mean_response_seconds(self) -> float | None:
        """How long this client's requests waited for their answers, on average (None before any)."""
        stats = self.stats
        return stats["response_seconds"] / stats["requests"] if stats["requests"] else None

    # -- low level ---------------------------------------------------------------------------------------
    def _url(self, resource: str) -> str:
        return f"{self._api_root}/{resource.strip('/').removesuffix('.json')}.json"

    def _get(self, url: str, params: Mapping[str, Any] | None, resource: str) -> requests.Response:
        method = "GET"
        response = send_unchained(
            lambda: self._http.request(method, url, params=params, headers=self._headers),
            method,
            url,
            api_error=ShopifyAPIError,
            describe=_describe_answer,
        )
        self.versions.observe(response.headers)
        if response.status_code < 300:
            return response

        path = url_path(url)
        status = response.status_code
        api_message = api_error_text(response)
        message = f"{method} {path} -> HTTP {status}: {api_message}"
        common = {"method": method, "path": path, "status": status, "api_message": api_message}
        if status == 401:
            refused = f"; the shop refused the token in {self._token_source}" if self._token_source else ""
            raise ShopifyAuthError(message + refused, **common)
        if status == 403:
            raise ShopifyProtectedDataError(message, resource=_resource_name(resource), **common)
        raise ShopifyAPIError(message, **common)

    def _get_json(
        self, url: str, params: Mapping[str, Any] | None, resource: str
    ) -> tuple[Any, requests.Response]:
        response = self._get(url, params, resource)
        try:
            with collector_paused():  # a page is ~150,000 new dicts and lists, none of them cyclic
                return fast_json.loads(response.content), response
        except ValueError:
            raise self._format_error(url, response, "response body is not JSON") from None

    @staticmethod
    def _format_error(url: str, response: requests.Response, problem: str) -> ShopifyAPIError:
        path = url_path(url)
        return ShopifyAPIError(
            f"GET {path} -> HTTP {response.status_code}: {problem}",
            method="GET",
            path=path,
            status=response.status_code,
            api_message="",
        )

    def get_json(self, resource: str, params: Mapping[str, Any] | None = None) -> Any:
        """GET ``{api_root}/{resource}.json`` and return the decoded body."""
        body, _ = self._get_json(self._url(resource), params, resource)
        return body

    # -- pagination --------------------------------------------------------------------------------------
    def iter_pages(
        self, resource: str, params: Mapping[str, str | int], *, expected_records: int | None = None
    ) -> Iterator[list[dict]]:
        """Stream ``resource`` page by page, following ``Link: <…>; rel="next"``.

        The records are under the root key named by the resource's last path segment
        (``"orders"`` -> ``body["orders"]``). The next link's query (``page_info``, ``limit``, ``fields``) is
        re-applied to this client's own URL, so the token is only ever sent to the configured shop.

        The walk always ends: a looping API raises :class:`ShopifyPaginationLoopError` (see
        :meth:`_walk`); ``expected_records`` (e.g. from :meth:`count_orders`) bounds the records it may bring.
        """
        root_key = _resource_name(resource)
        walk = self._walk(resource, params, expected_records)
        for number, (url, response) in enumerate(self._iter_responses(resource, params, walk), start=1):
            try:
                with collector_paused():  # a page is ~150,000 new dicts and lists, none of them cyclic
                    records = page_records(response.content, root_key)
            except PageFormatError as exc:
                raise self._format_error(url, response, str(exc)) from None
            walk.page(number, record_versions(records))
            yield records

    def iter_encoded_pages(
        self, resource: str, params: Mapping[str, str | int], *, expected_records: int | None = None
    ) -> Iterator[EncodedPage]:
        """:meth:`iter_pages`, each page's records already encoded as raw-store lines by the client's
        :class:`PageEncoder` (in worker processes for big pages).

        One page ahead: the next page is asked for while this one is being encoded, and this one is
        handed over once the next has arrived, so a window's chain of requests waits on the API's latency
        alone, not on encoding and writing as well. Pages are handed over in order; one that cannot be
        read raises when its turn comes, and so does one the walk's guard stops (a request after it).
        """
        root_key = _resource_name(resource)
        walk = self._walk(resource, params, expected_records)
        ahead: tuple[str, requests.Response, Future[EncodedPage], int] | None = None
        for number, (url, response) in enumerate(self._iter_responses(resource, params, walk), start=1):
            encoding = self._encoder.submit(response.content, root_key)
            if ahead is not None:
                yield self._encoded(walk, *ahead)
                ahead = None
            if encoding.done():  # encoded in this thread (a small page): nothing to wait for
                yield self._encoded(walk, url, response, encoding, number)
            else:
                ahead = (url, response, encoding, number)
        if ahead is not None:
            yield self._encoded(walk, *ahead)

    def _encoded(
        self,
        walk: PageWalk,
        url: str,
        response: requests.Response,
        encoding: Future[EncodedPage],
        number: int,
    ) -> EncodedPage:
        try:
            page = encoding.result()
        except PageFormatError as exc:
            raise self._format_error(url, response, str(exc)) from None
        walk.page(number, page.versions)
        return page

    def _walk(self, resource: str, params: Mapping[str, str | int], expected_records: int | None) -> PageWalk:
        """The guard of one walk over ``resource``: it raises :class:`ShopifyPaginationLoopError` on a
        repeated ``page_info``, a page of records already served, more records than ``expected_records``
        plus slack, or more than ``max_pages`` pages (``resources/pagination.py``)."""
        path = url_path(self._url(resource))

        def error(message: str) -> ShopifyPaginationLoopError:
            return ShopifyPaginationLoopError(message, method="GET", path=path, status=200, api_message="")

        page_size = int(params.get("limit", 50))  # Shopify's default page size is 50
        counter = None
        if _resource_name(resource) in WINDOW_RESOURCES:  # each has a count endpoint with the same filters

            def counter() -> int:
                return self.count(resource, params)

        return PageWalk(
            f"GET {path}",
            page_size=page_size,
            max_pages=self.max_pages,
            expected_records=expected_records,
            counter=counter,
            error=error,
        )

    def _iter_responses(
        self, resource: str, params: Mapping[str, str | int], walk: PageWalk
    ) -> Iterator[tuple[str, requests.Response]]:
        """The successful responses of every page, with the URL each was asked of; the caller reads the
        body before asking for the next one. The shared :class:`LinkHeaderCursorPaginator` follows
        ``page_info`` and sends every next cursor through ``walk`` first."""
        url = self._url(resource)
        paginator = LinkHeaderCursorPaginator("page_info", _CURSOR_PARAMS[1:], walk=walk)

        def fetch(query: Mapping[str, Any]) -> requests.Response:
            return self._get(url, query, resource)

        responses = paginate(fetch, paginator, params)
        while True:
            try:
                response = next(responses)
            except StopIteration:
                return
            except PaginatorError as exc:
                raise self._format_error(url, exc.response, str(exc)) from None
            yield url, response

    def window_query(
        self, resource: str, updated_at_min: datetime | None, updated_at_max: datetime
    ) -> dict[str, str | int]:
        """The query of a page of ``resource`` (orders, customers, products) updated in
        ``[updated_at_min, updated_at_max]`` (both inclusive; no lower bound when ``None``)."""
        params: dict[str, str | int] = {**WINDOW_RESOURCES[resource], "limit": self.page_size}
        if updated_at_min is not None:
            params["updated_at_min"] = _format_timestamp(updated_at_min)
        params["updated_at_max"] = _format_timestamp(updated_at_max)
        return params

    def iter_window(
        self,
        resource: str,
        updated_at_min: datetime | None,
        updated_at_max: datetime,
        *,
        expected_records: int | None = None,
    ) -> Iterator[EncodedPage]:
        """Pages of ``resource`` updated in the window, encoded as raw-store lines (what the raw assets
        store); ``expected_records``: the window's count, if known (it bounds the walk)."""
        return self.iter_encoded_pages(
            resource,
            self.window_query(resource, updated_at_min, updated_at_max),
            expected_records=expected_records,
        )

    # -- resources --------------------------------------------------------------------------------------
    def get_shop(self) -> dict:
        return self.get_json("shop")["shop"]

    def iter_orders(
        self,
        updated_at_min: datetime | None,
        updated_at_max: datetime,
        fields: Sequence[str] | None = None,
        *,
        expected_records: int | None = None,
    ) -> Iterator[list[dict]]:
        """Orders of every status updated in ``[updated_at_min, updated_at_max]`` (both inclusive);
        ``expected_records``: their :meth:`count_orders`, if known (it bounds the walk)."""
        params = self.window_query("orders", updated_at_min, updated_at_max)
        if fields:
            params["fields"] = ",".join(fields)
        return self.iter_pages("orders", params, expected_records=expected_records)

    def count_orders(self, updated_at_min: datetime | None, updated_at_max: datetime) -> int:
        return self.count("orders", self.window_query("orders", updated_at_min, updated_at_max))

    def count(self, resource: str, params: Mapping[str, str | int]) -> int:
        """How many records ``GET {resource}.json`` with these filters holds (``{resource}/count.json``;
        paging, sorting and field parameters are left out: a count is neither paged nor sorted)."""
        filters = {k: v for k, v in params.items() if k not in _NOT_COUNT_PARAMS}
        body = self.get_json(f"{resource.strip('/').removesuffix('.json')}/count", filters)
        count = body.get("count") if isinstance(body, dict) else None
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ShopifyAPIError(
                f"GET {url_path(self._url(resource + '/count'))}: the answer holds no count",
                method="GET",
                path=url_path(self._url(resource + "/count")),
                status=200,
                api_message="",
            )
        return count

    def iter_order_deletions(
        self, deleted_at_min: datetime | None, deleted_at_max: datetime
    ) -> Iterator[list[OrderDeletion]]:
        """Orders deleted in ``[deleted_at_min, deleted_at_max]`` (both inclusive; no lower bound when
        ``None``), page by page: the activity log's ``destroy`` events of subject ``Order``
        (``events.json?filter=Order&verb=destroy`` with ``created_at_min``/``created_at_max``)."""
        check_window(deleted_at_min, deleted_at_max)
        params: dict[str, str | int] = {
            "filter": "Order",
            "verb": "destroy",
            "limit": self.page_size,
            "fields": "id,subject_id,subject_type,verb,created_at",
        }
        if deleted_at_min is not None:
            params["created_at_min"] = _format_timestamp(deleted_at_min)
        params["created_at_max"] = _format_timestamp(deleted_at_max)
        for page in self.iter_pages("events", params):
            yield [
                OrderDeletion(
                    order_id_of(event.get("subject_id"), field="events[].subject_id"),
                    moment_of(event.get("created_at"), field="events[].created_at"),
                )
                for event in page
                if event.get("verb") == "destroy" and event.get("subject_type") == "Order"
            ]

    def list_order_ids(self, processed_at_min: datetime, processed_at_max: datetime) -> set[int]:
        """The ids of the orders of every status the shop holds now whose ``processed_at`` falls in
        ``[processed_at_min, processed_at_max]`` (both inclusive): ``orders.json?fields=id``, the id-set
        side of a deletion check (an order deleted at the source is missing from it)."""
        check_window(processed_at_min, processed_at_max)
        params: dict[str, str | int] = {
            "status": "any",
            "limit": self.page_size,
            "fields": "id",
            "processed_at_min": _format_timestamp(processed_at_min),
            "processed_at_max": _format_timestamp(processed_at_max),
        }
        return {
            order_id_of(record.get("id"), field="orders[].id")
            for page in self.iter_pages("orders", params)
            for record in page
        }

    def order_exists(self, order_id: int) -> bool:
        """Whether the shop holds the order now (``orders/{id}.json?fields=id``; a 404 means it does not):
        confirms, one by one, what an id-set comparison found missing before it is recorded as deleted,
        so a page an id listing lost never deletes a real order."""
        try:
            body = self.get_json(f"orders/{int(order_id)}", {"fields": "id"})
        except ShopifyAPIError as error:
            if error.status == 404:
                return False
            raise
        return isinstance(body, dict) and isinstance(body.get("order"), dict)

    def iter_customers(
        self, updated_at_min: datetime | None, updated_at_max: datetime
    ) -> Iterator[list[dict]]:
        return self.iter_pages("customers", self.window_query("customers", updated_at_min, updated_at_max))

    def iter_products(
        self, updated_at_min: datetime | None, updated_at_max: datetime
    ) -> Iterator[list[dict]]:
        return self.iter_pages("products", self.window_query("products", updated_at_min, updated_at_max))

    def list_locations(self) -> list[dict]:
        return [location for page in self.iter_pages("locations", {}) for location in page]

    def iter_inventory_levels(self, location_ids: Sequence[int]) -> Iterator[list[dict]]:
        """Inventory levels at ``location_ids``, asking for at most 50 locations per request."""
        ids = [int(i) for i in location_ids]
        for start in range(0, len(ids), INVENTORY_IDS_PER_REQUEST):
            chunk = ids[start : start + INVENTORY_IDS_PER_REQUEST]
            params = {"location_ids": ",".join(str(i) for i in chunk), "limit": self.page_size}
            yield from self.iter_pages("inventory_levels", params)


# ---------------------------------------------------------------------------------------------------------
# Dagster resource
# ---------------------------------------------------------------------------------------------------------
class ShopifyClientResource(ClientSettings):
    """Configuration for Shopify Admin REST access; :meth:`for_shop` returns a client for one shop.

    Timeouts, retry policy, ``max_pages`` and the response bounds: :class:`ClientSettings`."""

    api_version: str = DEFAULT_API_VERSION
    page_size: int = MAX_PAGE_SIZE
    leak_rate_per_second: float | None = None  # None: derived from the bucket size the shop reports
    #: Business days of one shop fetched at once by the raw assets, all through the shop's one pacer.
    max_concurrent_windows: int = 16
    #: Threads with no day left to start help the days still paging, taking over the upper half of a
    #: window's remaining ``updated_at`` range (orders only: their pages come sorted by it), while the
    #: shop's bucket has room to spare. See ``platform_assets/sources/shopify/window_split.py``.
    split_windows: bool = True
    #: Tenants fetched side by side by the raw assets (each shop has a bucket of its own).
    max_concurrent_tenants: int = 4
    #: Processes that parse and re-encode the raw assets' big pages (None: one per CPU core; 0: none, the
    #: fetching threads do it). One interpreter cannot keep up with a Plus shop's ceiling on its own.
    page_workers: int | None = None
    #: A GraphQL tenant's run covering more than this many business days of orders, customers or products
    #: (or its first sync: no partition of the entity yet) reads the whole range with one bulk operation
    #: (``platform_assets/sources/shopify/bulk_fetch.py``); 0: never.
    bulk_min_days: int = 7
    #: Seconds before the first look at a running bulk operation; each wait after is half as long again as
    #: the one before, up to ``bulk_poll_max_seconds`` (None: 10 times ``bulk_poll_seconds``, 20 s by
    #: default), so a job of minutes is polled a dozen times, not hundreds (``resources/shopify/bulk.py``).
    bulk_poll_seconds: float = 2.0
    bulk_poll_max_seconds: float | None = None

    @field_validator("bulk_min_days")
    @classmethod
    def _days_not_negative(cls, value: int) -> int:
        if value < 0:
            raise ValueError(f"bulk_min_days must be >= 0 (0: never bulk), got {value}")
        return value

    @field_validator("bulk_poll_seconds")
    @classmethod
    def _poll_positive(cls, value: float) -> float:
        if value <= 0:
            raise ValueError(f"bulk_poll_seconds must be > 0, got {value}")
        return value

    @model_validator(mode="after")
    def _poll_cap_not_below_start(self) -> ShopifyClientResource:
        cap = self.bulk_poll_max_seconds
        if cap is not None and cap < self.bulk_poll_seconds:
            raise ValueError(
                f"bulk_poll_max_seconds ({cap:g}) must be >= bulk_poll_seconds ({self.bulk_poll_seconds:g})"
            )
        return self

    def page_encoder(self) -> PageEncoder:
        """A page encoder for one run's fetch; close it (``with``) when the fetch is done."""
        return PageEncoder(self.page_workers)

    def for_shop(
        self,
        shop_url: str,
        token: str,
        *,
        api_version: str | None = None,
        sleep: Sleep = time.sleep,
        pacers: PacerRegistry | None = None,
        rng: random.Random | None = None,
        session: requests.Session | None = None,
        encoder: PageEncoder | None = None,
        token_source: str | None = None,
    ) -> ShopifyShopClient:
        """A client for ``shop_url`` authenticating with ``token``; ``token_source`` (e.g. "environment
        variable ACME_TOKEN") is named in the errors about the token.

        The keyword-only arguments are for tests: a fake ``sleep``, a private pacer registry (with a fake
        clock), a seeded ``rng`` for backoff jitter, a prepared ``session``; ``encoder`` encodes the pages
        of :meth:`ShopifyShopClient.iter_window` (default: in the calling thread).
        """
        return ShopifyShopClient(
            shop_url,
            token,
            api_version=api_version or self.api_version,
            page_size=self.page_size,
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            policy=self.retry_policy(),
            leak_rate=self.leak_rate_per_second,
            pacers=pacers,
            sleep=sleep,
            rng=rng,
            session=session,
            encoder=encoder,
            max_pages=self.max_pages,
            response_deadline=self.response_deadline_seconds,
            max_response_bytes=self.max_response_bytes,
            token_source=token_source,
        )
