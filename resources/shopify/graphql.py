"""Shopify GraphQL Admin API client for one shop: queries, cost pacing, THROTTLED retries, pagination.

``ShopifyGraphQLClient`` POSTs query documents (``resources/shopify/graphql_queries.py``) to
``{shop}/admin/api/{version}/graphql.json`` with the token in ``X-Shopify-Access-Token`` only, through the
project's retrying HTTP requester (``resources/http.py``: timeouts, 429/5xx/network retries with backoff,
bounded responses), and paces itself on the shop's cost bucket (``graphql_cost.CostPacer``).

What is GraphQL's own:

* a ``THROTTLED`` answer (``errors[].extensions.code``, no ``data``, whatever the HTTP status) is retried
  like a 429: the bucket estimate takes the answer's ``throttleStatus`` and the next attempt waits until
  the query's requested cost has been restored (counted in ``throttled`` and ``retries``);
* a mutation (``bulkOperationRunQuery``) is sent again only after a 429 or ``THROTTLED``, which Shopify
  answers without running it: after a timeout or a 5xx it may have started a job, which the bulk runner
  (``resources/shopify/bulk.py``, through :meth:`ShopifyGraphQLClient.bulk_execute`) looks for instead;
* any other error (``errors`` in the answer, with or without ``data``) raises :class:`ShopifyAPIError`
  naming the operation and the messages (``ACCESS_DENIED`` raises :class:`ShopifyProtectedDataError`,
  which the raw assets treat as for REST's 403); never the token, the variables or the query text;
* connections are walked with ``first``/``after`` until ``pageInfo.hasNextPage`` is false, each walk
  guarded by the shared :class:`resources.pagination.PageWalk` (a repeated cursor, a page of nodes
  already served, more pages than ``max_pages``); a node whose nested connection was cut at its page size
  has the rest paged in (an order's line items, shipping lines and discount applications, a product's
  variants), and a nested connection that cannot be paged (a refund's) is an error naming the node,
  never a silent loss.

Records come back in the GraphQL record shape (``graphql_records``): nodes with every connection
unwrapped into a list. Translating them into REST's shape is the Shopify source's business
(``platform_assets/sources/shopify/graphql_translate.py``). See docs/shopify-graphql.md.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

import requests

from resources import fast_json
from resources.client_base import parse_base_url, send_unchained
from resources.http import (
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_RESPONSE_DEADLINE,
    RETRY_RATE_LIMITED_ONLY,
    HttpStats,
    RetryingRequester,
    RetryPolicy,
    Sleep,
    url_path,
)
from resources.http_session import EnvironmentOnceSession
from resources.pagination import DEFAULT_MAX_PAGES, PageWalk, record_versions
from resources.secrets import check_header_value, install_log_filter
from resources.shopify import graphql_queries as q
from resources.shopify.client import (
    TOKEN_HEADER,
    ShopifyAPIError,
    ShopifyAuthError,
    ShopifyClientResource,
    ShopifyPaginationLoopError,
    ShopifyProtectedDataError,
    api_error_text,
)
from resources.shopify.deletions import (
    ORDER_GID_PREFIX,
    OrderDeletion,
    check_window,
    moment_of,
    order_id_of,
)
from resources.shopify.graphql_cost import GRAPHQL_PACERS, CostPacer, CostPacerRegistry
from resources.shopify.graphql_records import (
    connection_nodes,
    truncated_connections,
    unwrap_connections,
)
from resources.shopify.versions import DEFAULT_API_VERSION, ServedVersions

log = logging.getLogger(__name__)
install_log_filter(__name__)

THROTTLED = "THROTTLED"
ACCESS_DENIED = "ACCESS_DENIED"
#: Root connections of the windowed entities: (query document, connection field, page size).
WINDOW_QUERIES: dict[str, tuple[str, str, int]] = {
    "orders": (q.ORDERS_QUERY, "orders", q.ORDERS_PAGE),
    "customers": (q.CUSTOMERS_QUERY, "customers", q.CUSTOMERS_PAGE),
    "products": (q.PRODUCTS_QUERY, "products", q.PRODUCTS_PAGE),
}
#: Nested connections paged in through the root node by id, per entity: (root field, {connection: fields}).
PAGED_NESTED: dict[str, tuple[str, dict[str, str]]] = {
    "orders": ("order", q.ORDER_PAGED_CONNECTIONS),
    "products": ("product", {"variants": q.VARIANT_FIELDS}),
}


def search_window(
    updated_at_min: datetime | None, updated_at_max: datetime, *, field: str = "updated_at"
) -> str:
    """Shopify's search syntax for ``field`` (``updated_at``; ``processed_at``, ``occurred_at``) in
    ``[min, max]`` (both inclusive; no lower bound when ``min`` is None), as REST's
    ``updated_at_min``/``updated_at_max``."""
    for value in (updated_at_min, updated_at_max):
        if value is not None and (value.tzinfo is None or value.utcoffset() is None):
            raise ValueError(f"timestamp must be timezone-aware (ISO 8601 with offset), got naive {value!r}")
    high = f"{field}:<='{updated_at_max.isoformat()}'"
    return high if updated_at_min is None else f"{field}:>='{updated_at_min.isoformat()}' AND {high}"


def is_mutation(document: str) -> bool:
    """Whether ``document`` is a mutation (not to be sent twice: see ``RETRY_RATE_LIMITED_ONLY``)."""
    return document.lstrip().startswith("mutation")


def _error_codes(errors: Sequence[Any]) -> list[str]:
    return [
        str((error.get("extensions") or {}).get("code") or "")
        for error in errors
        if isinstance(error, Mapping)
    ]


def _error_messages(errors: Sequence[Any]) -> str:
    return "; ".join(
        str(error.get("message") or "") if isinstance(error, Mapping) else str(error) for error in errors
    )


class ShopifyGraphQLClient:
    """Talks GraphQL to one shop. Get it from :meth:`for_shop`. One client per thread; the shop's cost
    pacer is shared by every client of that shop in the process."""

    def __init__(
        self,
        shop_url: str,
        token: str,
        *,
        api_version: str = DEFAULT_API_VERSION,
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        policy: RetryPolicy | None = None,
        pacers: CostPacerRegistry | None = None,
        sleep: Sleep = time.sleep,
        rng: random.Random | None = None,
        session: requests.Session | None = None,
        max_pages: int = DEFAULT_MAX_PAGES,
        response_deadline: float | None = DEFAULT_RESPONSE_DEADLINE,
        max_response_bytes: int | None = DEFAULT_MAX_RESPONSE_BYTES,
        token_source: str | None = None,
    ) -> None:
        if not token:
            raise ValueError("an access token is required")
        self._token_source = token_source
        token = check_header_value(token, token_source or "the access token given to the Shopify client")
        self.shop_url, mount = parse_base_url(
            shop_url, name="shop_url", usage=f"http(s)://host[/prefix] or sandbox://name, got {shop_url!r}"
        )
        self.api_version = api_version
        self.max_pages = max_pages
        self._url = f"{self.shop_url}/admin/api/{api_version}/graphql.json"
        self._path = url_path(self._url)
        self._session = session or EnvironmentOnceSession()
        if mount is not None:
            mount(self._session)
        self._headers = {TOKEN_HEADER: token, "Accept": "application/json"}
        self._stats = HttpStats()
        #: The versions the shop served this client's requests as, and its deprecation reasons (the bulk
        #: operations' start and polls included: they go through :meth:`execute`).
        self.versions = ServedVersions(api_version)
        self._policy = policy or RetryPolicy()
        self._sleep = sleep
        self._pacer = (pacers if pacers is not None else GRAPHQL_PACERS).get(self.shop_url)
        requester = {
            "policy": self._policy,
            "connect_timeout": connect_timeout,
            "read_timeout": read_timeout,
            "sleep": sleep,
            "rng": rng,
            "stats": self._stats,
            "logger": log,
            "response_deadline": response_deadline,
            "max_response_bytes": max_response_bytes,
        }
        self._http = RetryingRequester(self._session, **requester)
        # A mutation that timed out or got a 5xx may have been carried out (a bulk job started): it is
        # sent again only after a 429, which Shopify answers without running anything.
        self._http_mutation = RetryingRequester(self._session, retry=RETRY_RATE_LIMITED_ONLY, **requester)
        self._rng = rng or random.Random()
        self._closed = False

    @classmethod
    def for_shop(
        cls,
        settings: ShopifyClientResource,
        shop_url: str,
        token: str,
        *,
        api_version: str | None = None,
        sleep: Sleep = time.sleep,
        pacers: CostPacerRegistry | None = None,
        session: requests.Session | None = None,
        token_source: str | None = None,
    ) -> ShopifyGraphQLClient:
        """A client for ``shop_url`` with the timeouts, retry policy and bounds of the Shopify client
        resource ``settings`` (the same resource configures both APIs)."""
        return cls(
            shop_url,
            token,
            api_version=api_version or settings.api_version,
            connect_timeout=settings.connect_timeout,
            read_timeout=settings.read_timeout,
            policy=settings.retry_policy(),
            pacers=pacers,
            sleep=sleep,
            session=session,
            max_pages=settings.max_pages,
            response_deadline=settings.response_deadline_seconds,
            max_response_bytes=settings.max_response_bytes,
            token_source=token_source,
        )

    def __repr__(self) -> str:
        return f"ShopifyGraphQLClient(shop_url={self.shop_url!r}, api_version={self.api_version!r})"

    def __enter__(self) -> ShopifyGraphQLClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._session.close()

    @property
    def stats(self) -> dict[str, float]:
        """Counters: ``requests`` (attempts sent), ``retries`` (429/5xx/network and THROTTLED),
        ``throttled`` (429s and THROTTLED answers), ``pacing_sleep_seconds``, ``retry_sleep_seconds``."""
        return self._stats.as_dict()

    @property
    def pacer(self) -> CostPacer:
        return self._pacer

    # -- one query ----------------------------------------------------------------------------------------
    def _error(
        self, operation: str, message: str, *, status: int | None, api_message: str = ""
    ) -> ShopifyAPIError:
        return ShopifyAPIError(
            f"POST {self._path} ({operation}) -> {message}",
            method="POST",
            path=self._path,
            status=status,
            api_message=api_message,
        )

    def _post(self, document: str, variables: Mapping[str, Any], operation: str) -> requests.Response:
        body = {"query": document, "variables": dict(variables)}
        http = self._http_mutation if is_mutation(document) else self._http
        response = send_unchained(
            lambda: http.request("POST", self._url, headers=self._headers, json=body),
            "POST",
            self._url,
            api_error=ShopifyAPIError,
            describe=lambda r: (
                f"HTTP {r.status_code}: {api_error_text(r)}",
                {"status": r.status_code, "api_message": api_error_text(r)},
            ),
        )
        self.versions.observe(response.headers)
        status = response.status_code
        if status < 300 or (status < 500 and self._is_throttled_body(response)):
            return response
        api_message = api_error_text(response)
        common = {"method": "POST", "path": self._path, "status": status, "api_message": api_message}
        message = f"POST {self._path} ({operation}) -> HTTP {status}: {api_message}"
        if status == 401:
            refused = f"; the shop refused the token in {self._token_source}" if self._token_source else ""
            raise ShopifyAuthError(message + refused, **common)
        if status == 403:
            raise ShopifyProtectedDataError(message, resource=operation, **common)
        raise ShopifyAPIError(message, **common)

    @staticmethod
    def _is_throttled_body(response: requests.Response) -> bool:
        try:
            body = fast_json.loads(response.content)
        except ValueError:
            return False
        return isinstance(body, dict) and THROTTLED in _error_codes(body.get("errors") or [])

    def execute(self, document: str, variables: Mapping[str, Any] | None = None, *, operation: str) -> dict:
        """Run one query and return its ``data``. ``operation`` names it in errors and logs (e.g.
        ``orders``): never the variables, which may hold cursors, nor the token.

        Waits for the query's cost on the shop's bucket first; a THROTTLED answer is retried (up to the
        retry policy's ``max_attempts``) once its cost has been restored."""
        variables = dict(variables or {})
        for attempt in range(1, self._policy.max_attempts + 1):
            booked = self._pacer.known_cost(document)
            wait = self._pacer.reserve(booked)
            if wait > 0:
                self._stats.add(pacing_sleep_seconds=wait)
                self._sleep(wait)
            try:
                response = self._post(document, variables, operation)
                try:
                    body = fast_json.loads(response.content)
                except ValueError:
                    body = None
            except BaseException:
                self._pacer.observe(document, booked, None)
                raise
            if not isinstance(body, dict):
                self._pacer.observe(document, booked, None)
                raise self._error(operation, "the answer is not a JSON object", status=response.status_code)
            self._pacer.observe(document, booked, (body.get("extensions") or {}).get("cost"))
            errors = body.get("errors") or []
            codes = _error_codes(errors)
            if errors and THROTTLED in codes and body.get("data") is None:
                self._stats.add(throttled=1)
                if attempt == self._policy.max_attempts:
                    raise self._error(
                        operation,
                        f"{_error_messages(errors)} ({THROTTLED}); gave up after {attempt} attempts",
                        status=response.status_code,
                        api_message=_error_messages(errors),
                    )
                # The next attempt waits for the query's cost at the reported restore rate (pacing);
                # an answer without one falls back on the retry policy's backoff.
                backoff = 0.0 if self._pacer.restore_rate else self._policy.backoff(attempt, self._rng)
                self._stats.add(retries=1, retry_sleep_seconds=backoff)
                log.warning(
                    "POST %s (%s): %s (attempt %d/%d), retrying",
                    self._path,
                    operation,
                    THROTTLED,
                    attempt,
                    self._policy.max_attempts,
                )
                if backoff > 0:
                    self._sleep(backoff)
                continue
            if errors:
                messages = _error_messages(errors)
                if ACCESS_DENIED in codes:
                    raise ShopifyProtectedDataError(
                        f"POST {self._path} ({operation}) -> {messages}",
                        resource=operation,
                        method="POST",
                        path=self._path,
                        status=response.status_code,
                        api_message=messages,
                    )
                raise self._error(operation, messages, status=response.status_code, api_message=messages)
            data = body.get("data")
            if not isinstance(data, dict):
                raise self._error(operation, "the answer holds no data", status=response.status_code)
            return data
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def bulk_execute(self, document: str, variables: Mapping[str, Any] | None = None) -> dict:
        """:meth:`execute` as the bulk operations runner calls it (``resources/shopify/bulk.py``:
        ``execute(query, variables) -> data``): the same paced, retrying POST, named for errors by the
        bulk operation it starts or polls."""
        operation = "bulkOperationRunQuery" if is_mutation(document) else "bulk operation status"
        return self.execute(document, variables, operation=operation)

    # -- connections --------------------------------------------------------------------------------------
    def iter_connection(
        self,
        document: str,
        path: Sequence[str],
        *,
        page_size: int,
        operation: str,
        variables: Mapping[str, Any] | None = None,
        after: str | None = None,
    ) -> Iterator[list[dict]]:
        """The nodes of the connection at ``path`` in ``document``'s data, page by page (as returned:
        nested connections not unwrapped), following ``pageInfo.endCursor`` while ``hasNextPage``;
        ``after``: start after this cursor."""

        def loop_error(message: str) -> ShopifyPaginationLoopError:
            return ShopifyPaginationLoopError(
                message, method="POST", path=self._path, status=200, api_message=""
            )

        walk = PageWalk(
            f"POST {self._path} ({operation})",
            page_size=page_size,
            max_pages=self.max_pages,
            error=loop_error,
        )
        number = 0
        while True:
            data = self.execute(
                document, {**(variables or {}), "first": page_size, "after": after}, operation=operation
            )
            connection: Any = data
            for key in path:
                connection = connection.get(key) if isinstance(connection, dict) else None
            if not isinstance(connection, dict):
                raise self._error(operation, f"the answer holds no {'.'.join(path)} connection", status=200)
            nodes = connection_nodes(connection)
            number += 1
            walk.page(number, record_versions(nodes, "updatedAt"))
            yield nodes
            info = connection.get("pageInfo") or {}
            if not info.get("hasNextPage"):
                return
            cursor = info.get("endCursor")
            if not cursor:
                raise self._error(operation, f"page {number} has a next page but no endCursor", status=200)
            walk.follow(str(cursor))
            after = str(cursor)

    def _complete(self, entity: str, node: dict) -> dict:
        """``node`` with its cut nested connections paged in full, as a GraphQL record (unwrapped)."""
        root, pageable = PAGED_NESTED.get(entity, ("", {}))
        for path, connection in list(truncated_connections(node)):
            if path not in pageable:
                raise self._error(
                    entity,
                    f"{node.get('id')} has more {path} than one query can bring "
                    f"(a nested connection that cannot be paged further); not stored short",
                    status=200,
                )
            rest = self.iter_connection(
                q.nested_page_query(root, path, pageable[path]),
                (root, path),
                page_size=q.NESTED_PAGE,
                operation=f"{root}.{path}",
                variables={"id": node["id"]},
                after=(connection.get("pageInfo") or {}).get("endCursor"),
            )
            node[path] = {"nodes": connection_nodes(connection) + [item for page in rest for item in page]}
        return unwrap_connections(node)

    # -- resources ----------------------------------------------------------------------------------------
    def get_shop(self) -> dict:
        """The shop (timezone, currency, plan...)."""
        return self.execute(q.SHOP_QUERY, operation="shop")["shop"]

    def iter_window(
        self, entity: str, updated_at_min: datetime | None, updated_at_max: datetime
    ) -> Iterator[list[dict]]:
        """GraphQL records of ``entity`` (orders, customers, products) updated in ``[min, max]`` (both
        inclusive), sorted by ``updated_at``, page by page."""
        document, field, page_size = WINDOW_QUERIES[entity]
        pages = self.iter_connection(
            document,
            (field,),
            page_size=page_size,
            operation=entity,
            variables={"query": search_window(updated_at_min, updated_at_max)},
        )
        for page in pages:
            yield [self._complete(entity, node) for node in page]

    def iter_order_deletions(
        self, deleted_at_min: datetime | None, deleted_at_max: datetime
    ) -> Iterator[list[OrderDeletion]]:
        """Orders deleted in ``[deleted_at_min, deleted_at_max]`` (both inclusive; no lower bound when
        ``None``), page by page: ``deletionEvents(subjectTypes: [ORDER])`` with ``occurred_at`` terms."""
        check_window(deleted_at_min, deleted_at_max)
        pages = self.iter_connection(
            q.DELETION_EVENTS_QUERY,
            ("deletionEvents",),
            page_size=q.DELETION_EVENTS_PAGE,
            operation="deletionEvents",
            variables={"query": search_window(deleted_at_min, deleted_at_max, field="occurred_at")},
        )
        for page in pages:
            yield [
                OrderDeletion(
                    order_id_of(node.get("subjectId"), field="deletionEvents.subjectId"),
                    moment_of(node.get("occurredAt"), field="deletionEvents.occurredAt"),
                )
                for node in page
                if node.get("subjectType", "ORDER") == "ORDER"
            ]

    def list_order_ids(self, processed_at_min: datetime, processed_at_max: datetime) -> set[int]:
        """The ids of the orders the shop holds now whose ``processed_at`` falls in ``[min, max]`` (both
        inclusive): ``orders(query: "processed_at:>=… AND processed_at:<=…") { nodes { id } }``, the
        id-set side of a deletion check."""
        check_window(processed_at_min, processed_at_max)
        pages = self.iter_connection(
            q.ORDER_IDS_QUERY,
            ("orders",),
            page_size=q.ORDER_IDS_PAGE,
            operation="orders (ids)",
            variables={"query": search_window(processed_at_min, processed_at_max, field="processed_at")},
        )
        return {order_id_of(node.get("id"), field="orders.id") for page in pages for node in page}

    def count_orders(self, updated_at_min: datetime | None, updated_at_max: datetime) -> int:
        """How many orders (every status) were updated in ``[min, max]`` (both inclusive; no lower bound
        when ``min`` is None), as REST's ``orders/count.json`` counts them: ``ordersCount(query:,
        limit: null)``. A count that is not EXACT (a lower bound) raises :class:`ShopifyAPIError`: a
        reconciliation must never compare against a floor."""
        variables = {"query": search_window(updated_at_min, updated_at_max)}
        data = self.execute(q.ORDERS_COUNT_QUERY, variables, operation="ordersCount")
        counted = data.get("ordersCount")
        count = counted.get("count") if isinstance(counted, dict) else None
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise self._error("ordersCount", "the answer holds no count", status=200)
        precision = counted.get("precision") if isinstance(counted, dict) else None
        if precision != "EXACT":
            raise self._error(
                "ordersCount",
                f"the count is not exact (precision {precision}, count {count}): "
                "not usable as the source's count",
                status=200,
            )
        return count

    def iter_order_changes(
        self, updated_at_min: datetime | None, updated_at_max: datetime
    ) -> Iterator[list[dict]]:
        """The orders (every status) updated in ``[min, max]`` (both inclusive), oldest change first, page
        by page, as ``{id, processedAt, updatedAt}`` nodes: ``orders(query: "updated_at:>=… AND
        updated_at:<=…", sortKey: UPDATED_AT)``, the late-change probe."""
        return self.iter_connection(
            q.ORDER_CHANGES_QUERY,
            ("orders",),
            page_size=q.ORDER_CHANGES_PAGE,
            operation="orders (changes)",
            variables={"query": search_window(updated_at_min, updated_at_max)},
        )

    def order_exists(self, order_id: int) -> bool:
        """Whether the shop holds the order now (``order(id:)`` is null when it does not)."""
        variables = {"id": f"{ORDER_GID_PREFIX}{int(order_id)}"}
        data = self.execute(q.ORDER_EXISTS_QUERY, variables, operation="order")
        return isinstance(data.get("order"), dict)

    def list_locations(self) -> list[dict]:
        """Every location, as GraphQL records."""
        return [
            unwrap_connections(node)
            for page in self.iter_connection(
                q.LOCATIONS_QUERY, ("locations",), page_size=q.LOCATIONS_PAGE, operation="locations"
            )
            for node in page
        ]

    def iter_inventory_levels(self, location_ids: Sequence[str]) -> Iterator[list[dict]]:
        """Inventory levels (with ``available``) at each location (GIDs), page by page per location."""
        for location_id in location_ids:
            for page in self.iter_connection(
                q.INVENTORY_LEVELS_QUERY,
                ("location", "inventoryLevels"),
                page_size=q.INVENTORY_LEVELS_PAGE,
                operation="inventoryLevels",
                variables={"id": location_id},
            ):
                yield [unwrap_connections(node) for node in page]
