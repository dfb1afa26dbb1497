"""The Shopify Admin REST API of one sandbox store, transport-free.

``ShopifyAPI.handle`` takes a request (method, shop-relative path, query string, headers, the shop's base
URL) and returns ``(status, headers, body bytes)``. The HTTP server and the in-process ``requests``
adapter both call it, so both transports answer the same bytes.

Behaviour reproduced (see docs/sandbox.md): versioned paths with fallback of unknown versions to the oldest
supported one, token auth (401), scopes and protected customer data (403), the 60-day order window without
``read_all_orders``, ``status=open`` by default, inclusive time filters, ``fields``, ``limit`` (max 250),
cursor pagination with ``Link`` headers, the leaky-bucket rate limit (429) and injected faults.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

from sandbox.common.httpserver import FileBody
from sandbox.shopify import defect_wire
from sandbox.shopify import events as event_log
from sandbox.shopify.faults import ConnectionDropped
from sandbox.shopify.graphql.bulk import BULK_FILE_PREFIX
from sandbox.shopify.inventory import inventory_levels
from sandbox.shopify.lru import LruCache
from sandbox.shopify.model import Order, SandboxShop
from sandbox.shopify.order_query import OrderFilter, OrderQuery
from sandbox.shopify.paging import Cursor, InvalidPageInfo, Page, decode, link_header, page
from sandbox.shopify.render import Renderer
from sandbox.shopify.timeutil import parse_timestamp

#: API versions the sandbox serves as themselves; other well-formed versions get the oldest one.
SUPPORTED_VERSIONS: tuple[str, ...] = ("2025-07", "2025-10", "2026-01", "2026-04", "2026-07", "2026-10")
OLDEST_VERSION = SUPPORTED_VERSIONS[0]

ERROR_UNAUTHORIZED = "[API] Invalid API key or access token (unrecognized login or wrong password)"
ERROR_PROTECTED_DATA = (
    "[API] This app is not approved to access REST endpoints with protected customer data. "
    "See https://partners.shopify.com/1/apps/1/customer_data for more details."
)
ERROR_THROTTLED = (
    "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service."
)
ERROR_LIMIT = "Limit exceeds maximum limit of 250"
PAGINATION_DOCS = "https://shopify.dev/api/usage/pagination-rest"
DEPRECATION_DOCS = "https://shopify.dev/api/usage/versioning#deprecation-practices"
RETRY_AFTER = "2.0"
MAX_LIMIT = 250
DEFAULT_LIMIT = 50
#: Without ``read_all_orders`` only orders created within this window before the clock are visible.
ORDER_WINDOW = timedelta(days=60)
#: At most this many ids in ``inventory_item_ids`` / ``location_ids``.
MAX_INVENTORY_IDS = 50
#: Rendered payloads kept per clock (rendering is a pure function of the item and the clock, so the
#: caches only save time; they are bounded so that walking millions of orders stays in bounded memory).
RENDER_CACHE_ITEMS = 5_000
#: Order payload dicts (``fields=`` and single orders) are much bigger in memory than their JSON text.
PAYLOAD_CACHE_ITEMS = 1_000

_VERSIONED = re.compile(r"^/admin/api/([^/]+)/(.+)\.json$")
_UNVERSIONED = re.compile(r"^/admin/(?!api/)(.+)\.json$")
_VERSION = re.compile(r"^(\d{4})-(\d{2})$")
_PAGING_PARAMS = {"page_info", "limit", "fields"}
_SCOPES = {
    "orders": "read_orders",
    "customers": "read_customers",
    "products": "read_products",
    "locations": "read_locations",
    "inventory_levels": "read_inventory",
}
_FINANCIAL = {"paid", "pending", "authorized", "partially_paid", "partially_refunded", "refunded", "voided"}

Response = tuple[int, dict[str, str], bytes]


class ApiError(Exception):
    """An error answer: HTTP status and JSON body (``{"errors": ...}``)."""

    def __init__(self, status: int, errors: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(status, errors)
        self.status = status
        self.errors = errors
        self.headers = headers or {}


def resolve_version(requested: str) -> str | None:
    """The version that serves a request for ``requested`` (None if it is not a version string)."""
    if requested == "unstable" or requested in SUPPORTED_VERSIONS:
        return requested
    match = _VERSION.match(requested)
    if match and 1 <= int(match.group(2)) <= 12:
        return OLDEST_VERSION
    return None


def _dumps(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _project(item: dict, fields: str | None) -> dict:
    """Keep only the requested top-level fields (Shopify's ``fields=`` parameter)."""
    if not fields:
        return item
    wanted = {name.strip() for name in fields.split(",") if name.strip()}
    return {key: value for key, value in item.items() if key in wanted}


@dataclass
class _Request:
    method: str
    resource_path: str
    params: dict[str, str]
    param_names: list[str]
    headers: dict[str, str]
    base_url: str
    version: str
    #: The path carried a version (``/admin/api/{version}/...``), as opposed to ``/admin/...``.
    versioned: bool = True


class ShopifyAPI:
    """Answers Admin REST requests for one :class:`SandboxShop`."""

    def __init__(self, shop: SandboxShop) -> None:
        self.shop = shop

    # ----- entry point ------------------------------------------------------------------------------------
    def handle(
        self,
        method: str,
        path: str,
        query: str,
        headers: Mapping[str, str],
        base_url: str,
        *,
        sleep: Callable[[float], None] = time.sleep,
        body: bytes = b"",
    ) -> Response:
        """Answer one request. ``path`` is shop-relative (``/admin/api/2025-07/orders.json``).

        ``body`` is the request body (GraphQL requests: ``POST .../graphql.json``). A bulk operation's
        file (``/bulk-operations/{token}.jsonl``, a signed URL: no token needed) is answered with a
        :class:`~sandbox.common.httpserver.FileBody`, which the transports stream.

        ``base_url`` (e.g. ``http://127.0.0.1:8765/demo-ny`` or ``sandbox://demo-ny``) prefixes ``Link``
        URLs. ``sleep`` performs injected delays and latency (transports may wrap it to honour timeouts).
        Raises :class:`ConnectionDropped` when a ``drop`` fault fires.
        """
        shop = self.shop
        target = path + (f"?{query}" if query else "")
        fault = shop.faults.take(target)
        if fault is not None:
            if fault.kind == "drop":
                raise ConnectionDropped(target)
            if fault.kind == "status":
                return self._fault_response(fault.status)
            sleep(fault.delay)

        if path.startswith(BULK_FILE_PREFIX) and path.endswith(".jsonl"):
            return self._bulk_file(path[len(BULK_FILE_PREFIX) : -len(".jsonl")])
        version_header: dict[str, str] = {}
        used: int | None = None
        try:
            request = self._parse(method, path, query, headers, base_url)
            version_header = self._version_headers(request)
            token = request.headers.get("x-shopify-access-token")
            if token != shop.spec.access_token:
                raise ApiError(401, ERROR_UNAUTHORIZED)
            if request.resource_path == "graphql" and request.versioned:
                return self._graphql(request, body, version_header)
            accepted, used = shop.bucket.try_acquire()
            if not accepted:
                raise ApiError(429, ERROR_THROTTLED, {"Retry-After": RETRY_AFTER})
            if shop.spec.latency_seconds > 0:
                sleep(shop.spec.latency_seconds)
            payload, extra = self._route(request)
            status = 200
        except ApiError as error:
            status, payload, extra = error.status, {"errors": error.errors}, error.headers
        response_headers = {
            "Content-Type": "application/json; charset=utf-8",
            "X-Shopify-Shop-Api-Call-Limit": (
                f"{used}/{shop.bucket.capacity}" if used is not None else shop.bucket.header()
            ),
            **version_header,
            **extra,
        }
        body = payload if isinstance(payload, bytes) else _dumps(payload)
        return status, response_headers, body

    def _version_headers(self, request: _Request) -> dict[str, str]:
        """``X-Shopify-API-Version`` (the version served), and the deprecation header when the shop is set
        to serve an older version than the one asked for (``shop.graphql.settings.serve_version``)."""
        served = self.shop.graphql.settings.serve_version if self.shop.has_graphql else None
        if served is None or served == request.version:
            return {"X-Shopify-API-Version": request.version}
        return {
            "X-Shopify-API-Version": served,
            "X-Shopify-API-Deprecated-Reason": DEPRECATION_DOCS,
        }

    def _graphql(self, request: _Request, body: bytes, version_header: dict[str, str]) -> Response:
        """``POST /admin/api/{version}/graphql.json`` (cost-limited by its own bucket, not the REST one)."""
        version = version_header["X-Shopify-API-Version"]
        status, extra, payload = self.shop.graphql.handle(
            request.method, request.headers, body, request.base_url, version
        )
        headers = {"Content-Type": "application/json; charset=utf-8", **version_header, **extra}
        return status, headers, _dumps(payload)

    def _bulk_file(self, token: str) -> Response:
        status, headers, content, size = self.shop.graphql.serve_file(token)
        if isinstance(content, str):
            return status, headers, FileBody(content, size)  # type: ignore[return-value]
        return status, headers, content

    def _fault_response(self, status: int) -> Response:
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "X-Shopify-Shop-Api-Call-Limit": self.shop.bucket.header(),
        }
        if status == 429:
            headers["Retry-After"] = RETRY_AFTER
            return status, headers, _dumps({"errors": ERROR_THROTTLED})
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = "Error"
        return status, headers, _dumps({"errors": phrase})

    def _parse(
        self, method: str, path: str, query: str, headers: Mapping[str, str], base_url: str
    ) -> _Request:
        match = _VERSIONED.match(path)
        if match:
            version = resolve_version(match.group(1))
            if version is None:
                raise ApiError(404, "Not Found")
            resource_path = match.group(2)
        else:
            match = _UNVERSIONED.match(path)
            if not match:
                raise ApiError(404, "Not Found")
            version, resource_path = OLDEST_VERSION, match.group(1)
        versioned = _VERSIONED.match(path) is not None
        pairs = parse_qsl(query, keep_blank_values=True)
        params: dict[str, str] = {}
        names: list[str] = []
        for name, value in pairs:
            name = name[:-2] if name.endswith("[]") else name
            if name in params and name in {"ids", "inventory_item_ids", "location_ids"}:
                value = f"{params[name]},{value}"
            params[name] = value
            if name not in names:
                names.append(name)
        return _Request(
            method=method.upper(),
            resource_path=resource_path,
            params=params,
            param_names=names,
            headers={key.lower(): value for key, value in headers.items()},
            base_url=base_url.rstrip("/"),
            version=version,
            versioned=versioned,
        )

    # ----- routing ----------------------------------------------------------------------------------------
    def _route(self, request: _Request) -> tuple[Any, dict[str, str]]:
        parts = request.resource_path.split("/")
        resource = parts[0]
        foreign = self._foreign_route(request, parts)
        if foreign is not None:
            return foreign
        if resource != "shop" and resource not in _SCOPES:
            raise ApiError(404, "Not Found")
        if request.method not in {"GET", "HEAD"}:
            if resource == "shop":
                raise ApiError(404, "Not Found")
            raise ApiError(403, f"[API] This action requires merchant approval for write_{resource} scope.")
        if resource == "shop":
            if len(parts) != 1:
                raise ApiError(404, "Not Found")
            return {"shop": _project(Renderer(self.shop).shop_payload(), request.params.get("fields"))}, {}
        scope = _SCOPES[resource]
        if scope not in self.shop.spec.scopes:
            raise ApiError(403, f"[API] This action requires merchant approval for {scope} scope.")
        if resource in self.shop.spec.forbidden_resources:
            raise ApiError(403, ERROR_PROTECTED_DATA)
        handler = getattr(self, f"_{resource}")
        return handler(request, parts[1:])

    # ----- shared list machinery --------------------------------------------------------------------------
    @staticmethod
    def _limit(params: dict[str, str]) -> int:
        raw = params.get("limit")
        if raw is None or raw == "":
            return DEFAULT_LIMIT
        try:
            limit = int(raw)
        except ValueError:
            raise ApiError(400, {"limit": "limit is invalid"}) from None
        if limit > MAX_LIMIT:
            raise ApiError(400, ERROR_LIMIT)
        if limit < 1:
            raise ApiError(400, {"limit": "limit must be greater than 0"})
        return limit

    def _list(
        self,
        request: _Request,
        resource: str,
        build_rows: Callable[[dict[str, str]], list[tuple[tuple[int, ...], Any]]] | None,
        render: Callable[[Any], Any] | None,
        select: Callable[[dict[str, str], int, Cursor | None], Page] | None = None,
        write: Callable[[list[Any], str | None], bytes] | None = None,
    ) -> tuple[Any, dict[str, str]]:
        """One page of a list endpoint.

        The page is cut from all ``build_rows`` sorted by key, or picked by ``select``; its body is the
        ``render``ed items, or whatever ``write(items, fields)`` writes.
        """
        params = request.params
        limit = self._limit(params)
        if "page_info" in params:
            extra = [name for name in request.param_names if name not in _PAGING_PARAMS]
            if extra:
                raise ApiError(
                    400,
                    {
                        name: f"{name} cannot be passed when page_info is present. "
                        f"See {PAGINATION_DOCS} for more information."
                        for name in extra
                    },
                )
            try:
                cursor = decode(params["page_info"], resource)
            except InvalidPageInfo:
                raise ApiError(400, {"page_info": "Invalid value."}) from None
            filters = dict(cursor.filters)
            fields = params.get("fields") or cursor.fields
        else:
            cursor = None
            filters = {name: value for name, value in params.items() if name not in _PAGING_PARAMS}
            fields = params.get("fields") or None
        if select is not None:
            result = select(filters, limit, cursor)
        else:
            assert build_rows is not None
            result = page(build_rows(filters), limit, cursor)
        if write is not None:
            body = write(result.items, fields)
        elif fields:
            assert render is not None
            body = _dumps({resource: [_project(render(item), fields) for item in result.items]})
        else:
            assert render is not None
            fragments = [self._fragment(resource, item, render) for item in result.items]
            body = b'{"' + resource.encode() + b'":[' + b",".join(fragments) + b"]}"
        version = request.version

        def url_for(token: str) -> str:
            return f"{request.base_url}/admin/api/{version}/{resource}.json?limit={limit}&page_info={token}"

        link = link_header(url_for, resource, tuple(sorted(filters.items())), fields, result)
        return body, ({"Link": link} if link else {})

    def _fragment(self, resource: str, item: Any, render: Callable[[Any], Any]) -> bytes:
        """Serialized JSON of one list item, cached until the clock moves."""
        cache: LruCache[int, bytes] = self.shop.cached(
            f"fragments:{resource}", lambda: LruCache(RENDER_CACHE_ITEMS)
        )
        key = getattr(item, "id", None)
        if key is None:
            return _dumps(render(item))
        fragment = cache.get(key)
        if fragment is None:
            fragment = _dumps(render(item))
            cache.put(key, fragment)
        return fragment

    def _orders_body(self, orders: list[Order | defect_wire.SecondCopy], fields: str | None) -> bytes:
        """An ``orders.json`` body: full orders straight from their JSON text, or projected payloads.

        Planted defects rewrite the orders they hit (a ``SecondCopy`` is a ``conflicting_duplicate``).
        """
        shop = self.shop
        payloads, fragments = [], []
        for item in orders:
            second_copy = isinstance(item, defect_wire.SecondCopy)
            order = item.order if isinstance(item, defect_wire.SecondCopy) else item
            if fields:
                payload = defect_wire.patch_payload(
                    shop, order, self._order_payload(order, fields), second_copy
                )
                payloads.append(_project(payload, fields))
            else:
                fragments.append(
                    defect_wire.patch_fragment(shop, order, self._order_fragment(order), second_copy)
                )
        if fields:
            return _dumps({"orders": payloads})
        return b'{"orders":[' + b",".join(fragments) + b"]}"

    def _order_fragment(self, order: Order) -> bytes:
        """An order's list JSON, written straight as text (``order_json``), cached until the clock moves."""
        cache: LruCache[int, bytes] = self.shop.cached(
            "fragments:orders", lambda: LruCache(RENDER_CACHE_ITEMS)
        )
        fragment = cache.get(order.id)
        if fragment is None:
            fragment = Renderer(self.shop).order_json(order).encode()
            cache.put(order.id, fragment)
        return fragment

    def _time_filters(self, filters: dict[str, str], names: tuple[str, ...]) -> dict[str, float]:
        """Parse ``{name}_min`` / ``{name}_max`` filters to epoch seconds (inclusive bounds)."""
        zone = self.shop.spec.zone
        bounds: dict[str, float] = {}
        for name in names:
            for suffix in ("_min", "_max"):
                key = name + suffix
                raw = filters.get(key)
                if raw is None or raw == "":
                    continue
                try:
                    bounds[key] = parse_timestamp(raw, zone).timestamp()
                except ValueError:
                    raise ApiError(400, {key: f"{key} is invalid"}) from None
        return bounds

    @staticmethod
    def _in_bounds(bounds: dict[str, float], name: str, value: float) -> bool:
        low = bounds.get(name + "_min")
        high = bounds.get(name + "_max")
        return (low is None or value >= low) and (high is None or value <= high)

    @staticmethod
    def _ids(filters: dict[str, str], name: str) -> set[int] | None:
        raw = filters.get(name)
        if raw is None or raw.strip() == "":
            return None
        try:
            return {int(part) for part in raw.split(",") if part.strip()}
        except ValueError:
            raise ApiError(400, {name: f"{name} is invalid"}) from None

    @staticmethod
    def _since_id(filters: dict[str, str]) -> int | None:
        raw = filters.get("since_id")
        if raw is None or raw == "":
            return None
        try:
            return int(raw)
        except ValueError:
            raise ApiError(400, {"since_id": "since_id is invalid"}) from None

    @staticmethod
    def _sort(filters: dict[str, str], allowed: set[str]) -> tuple[str, int]:
        """(field, +1 ascending / -1 descending) from the ``order`` parameter; default ``id asc``."""
        raw = (filters.get("order") or "").strip().lower().replace("+", " ")
        if not raw:
            return "id", 1
        parts = raw.split()
        field = parts[0]
        direction = -1 if len(parts) > 1 and parts[1] == "desc" else 1
        if field not in allowed:
            return "id", 1
        return field, direction

    # ----- orders -----------------------------------------------------------------------------------------
    def _visible_from(self) -> float | None:
        if "read_all_orders" in self.shop.spec.scopes:
            return None
        return (self.shop.clock - ORDER_WINDOW).timestamp()

    def _order_filter(self, filters: dict[str, str]) -> OrderFilter:
        """Validate ``orders.json`` filters (400 on the first bad one, in Shopify's order of checks)."""
        status = filters.get("status") or "open"
        if status not in {"open", "closed", "cancelled", "any"}:
            raise ApiError(400, {"status": "status is invalid"})
        financial = filters.get("financial_status") or "any"
        if financial not in _FINANCIAL | {"any", "unpaid"}:
            raise ApiError(400, {"financial_status": "financial_status is invalid"})
        ids = self._ids(filters, "ids")
        since_id = self._since_id(filters)
        bounds = self._time_filters(filters, ("created_at", "updated_at", "processed_at"))
        field, direction = self._sort(filters, {"id", "created_at", "updated_at", "processed_at"})
        return OrderFilter(
            status=status,
            financial=financial,
            ids=frozenset(ids) if ids is not None else None,
            since_id=since_id,
            bounds=tuple(sorted(bounds.items())),
            field=field,
            direction=direction,
            visible_from=self._visible_from(),
        )

    def _order_page(self, filters: dict[str, str], limit: int, cursor: Cursor | None) -> Page:
        query = OrderQuery(self.shop, self._order_filter(filters))
        return defect_wire.serve_page(self.shop, query, limit, cursor)

    def _visible_order(self, raw_id: str) -> Order:
        try:
            order = self.shop.order(int(raw_id))
        except ValueError:
            order = None
        visible_from = self._visible_from()
        if order is None or (visible_from is not None and order.created_at.timestamp() < visible_from):
            raise ApiError(404, "Not Found")
        return order

    def _order_payload(self, order: Order, fields: str | None) -> dict:
        """The order payload as a dict, for ``fields=`` and single-order answers (cached per clock).

        The embedded customer is left out (null) when ``fields`` does not ask for it: it is the one part
        of an order that depends on the customer's other orders, and projecting drops it anyway.
        """
        embed = not fields or "customer" in {name.strip() for name in fields.split(",")}
        cache: LruCache[tuple[int, bool], dict] = self.shop.cached(
            "order_payloads", lambda: LruCache(PAYLOAD_CACHE_ITEMS)
        )
        payload = cache.get((order.id, embed))
        if payload is None:
            payload = json.loads(Renderer(self.shop).order_json(order, embed_customer=embed))
            cache.put((order.id, embed), payload)
        return payload

    def _orders(self, request: _Request, rest: list[str]) -> tuple[Any, dict[str, str]]:
        fields = request.params.get("fields")
        if not rest:
            return self._list(request, "orders", None, None, select=self._order_page, write=self._orders_body)
        if rest == ["count"]:
            filters = {k: v for k, v in request.params.items() if k not in _PAGING_PARAMS}
            return {"count": OrderQuery(self.shop, self._order_filter(filters)).count()}, {}
        order = self._visible_order(rest[0])
        renderer = Renderer(self.shop)
        if len(rest) == 1:
            payload = defect_wire.patch_payload(self.shop, order, self._order_payload(order, fields))
            return {"order": _project(payload, fields)}, {}
        if rest[1] == "refunds" and len(rest) == 2:
            refunds = [_project(renderer.refund(order, r), fields) for r in order.refunds_at(self.shop.clock)]
            return {"refunds": refunds}, {}
        if rest[1] == "refunds" and len(rest) == 3:
            for refund in order.refunds_at(self.shop.clock):
                if str(refund.id) == rest[2]:
                    return {"refund": _project(renderer.refund(order, refund), fields)}, {}
            raise ApiError(404, "Not Found")
        if rest[1] == "transactions" and len(rest) == 2:
            moves = order.transactions_at(self.shop.clock)
            return {"transactions": [_project(renderer.transaction(order, t), fields) for t in moves]}, {}
        raise ApiError(404, "Not Found")

    # ----- customers --------------------------------------------------------------------------------------
    def _customer_rows(self, filters: dict[str, str]) -> list[tuple[tuple[int, ...], Any]]:
        ids = self._ids(filters, "ids")
        since_id = self._since_id(filters)
        bounds = self._time_filters(filters, ("created_at", "updated_at"))
        field, direction = self._sort(filters, {"id", "created_at", "updated_at"})
        renderer = Renderer(self.shop)
        clock = self.shop.clock
        rows = []
        for customer in self.shop.people.customers:
            if customer.created_at > clock:
                break
            if (ids is not None and customer.id not in ids) or (
                since_id is not None and customer.id <= since_id
            ):
                continue
            created = int(customer.created_at.timestamp())
            updated = int(renderer.customer_updated_at(customer).timestamp())
            if not (
                self._in_bounds(bounds, "created_at", created)
                and self._in_bounds(bounds, "updated_at", updated)
            ):
                continue
            value = {"id": customer.id, "created_at": created, "updated_at": updated}[field]
            rows.append(((direction * value, direction * customer.id), customer))
        rows.sort(key=lambda pair: pair[0])
        return rows

    def _customers(self, request: _Request, rest: list[str]) -> tuple[Any, dict[str, str]]:
        if not rest:
            return self._list(request, "customers", self._customer_rows, Renderer(self.shop).customer)
        if rest == ["count"]:
            filters = {k: v for k, v in request.params.items() if k not in _PAGING_PARAMS}
            return {"count": len(self._customer_rows(filters))}, {}
        if len(rest) == 1 and rest[0].isdigit():
            customer = self.shop.people.by_id.get(int(rest[0]))
            if customer is not None and customer.created_at <= self.shop.clock:
                payload = Renderer(self.shop).customer(customer)
                return {"customer": _project(payload, request.params.get("fields"))}, {}
        raise ApiError(404, "Not Found")

    # ----- products ---------------------------------------------------------------------------------------
    def _product_rows(self, filters: dict[str, str]) -> list[tuple[tuple[int, ...], Any]]:
        ids = self._ids(filters, "ids")
        since_id = self._since_id(filters)
        bounds = self._time_filters(filters, ("created_at", "updated_at"))
        field, direction = self._sort(filters, {"id", "created_at", "updated_at"})
        clock = self.shop.clock
        rows = []
        for product in self.shop.catalog.products:
            if product.created_at > clock:
                continue
            if (ids is not None and product.id not in ids) or (
                since_id is not None and product.id <= since_id
            ):
                continue
            if any(
                filters.get(name) and filters[name] != getattr(product, name)
                for name in ("product_type", "vendor", "handle")
            ):
                continue
            if filters.get("status") and filters["status"] not in {"active", "any"}:
                continue
            created = int(product.created_at.timestamp())
            updated = int(product.updated_at(clock).timestamp())
            if not (
                self._in_bounds(bounds, "created_at", created)
                and self._in_bounds(bounds, "updated_at", updated)
            ):
                continue
            value = {"id": product.id, "created_at": created, "updated_at": updated}[field]
            rows.append(((direction * value, direction * product.id), product))
        rows.sort(key=lambda pair: pair[0])
        return rows

    def _products(self, request: _Request, rest: list[str]) -> tuple[Any, dict[str, str]]:
        if not rest:
            return self._list(request, "products", self._product_rows, Renderer(self.shop).product)
        if rest == ["count"]:
            filters = {k: v for k, v in request.params.items() if k not in _PAGING_PARAMS}
            return {"count": len(self._product_rows(filters))}, {}
        if len(rest) == 1 and rest[0].isdigit():
            product = self.shop.catalog.by_product_id.get(int(rest[0]))
            if product is not None and product.created_at <= self.shop.clock:
                payload = Renderer(self.shop).product(product)
                return {"product": _project(payload, request.params.get("fields"))}, {}
        raise ApiError(404, "Not Found")

    # ----- locations and inventory ------------------------------------------------------------------------
    def _locations(self, request: _Request, rest: list[str]) -> tuple[Any, dict[str, str]]:
        renderer = Renderer(self.shop)
        fields = request.params.get("fields")
        locations = [loc for loc in self.shop.locations if loc.created_at <= self.shop.clock]
        if not rest:
            return {"locations": [_project(renderer.location(loc), fields) for loc in locations]}, {}
        if rest == ["count"]:
            return {"count": len(locations)}, {}
        for location in locations:
            if len(rest) == 1 and str(location.id) == rest[0]:
                return {"location": _project(renderer.location(location), fields)}, {}
        raise ApiError(404, "Not Found")

    def _inventory_rows(self, filters: dict[str, str]) -> list[tuple[tuple[int, ...], Any]]:
        item_ids = self._ids(filters, "inventory_item_ids")
        location_ids = self._ids(filters, "location_ids")
        if item_ids is None and location_ids is None:
            raise ApiError(422, {"base": ["inventory_item_ids or location_ids must be specified"]})
        for name, values in (("inventory_item_ids", item_ids), ("location_ids", location_ids)):
            if values is not None and len(values) > MAX_INVENTORY_IDS:
                raise ApiError(422, {name: [f"must contain at most {MAX_INVENTORY_IDS} ids"]})
        bounds = self._time_filters(filters, ("updated_at",))
        rows = []
        for level in inventory_levels(self.shop):
            if item_ids is not None and level.inventory_item_id not in item_ids:
                continue
            if location_ids is not None and level.location_id not in location_ids:
                continue
            if not self._in_bounds(bounds, "updated_at", level.updated_at.timestamp()):
                continue
            rows.append(((level.inventory_item_id, level.location_id), level))
        return rows

    def _inventory_levels(self, request: _Request, rest: list[str]) -> tuple[Any, dict[str, str]]:
        if rest:
            raise ApiError(404, "Not Found")
        return self._list(
            request, "inventory_levels", self._inventory_rows, Renderer(self.shop).inventory_level
        )

    # ----- endpoints foreign clients call first: granted scopes and the activity log --------------------
    def _foreign_route(self, request: _Request, parts: list[str]) -> tuple[Any, dict[str, str]] | None:
        """``/admin/oauth/access_scopes.json`` and ``events``; None for every other path."""
        if request.resource_path == "oauth/access_scopes":
            if request.versioned or request.method not in {"GET", "HEAD"}:
                raise ApiError(404, "Not Found")
            return {"access_scopes": [{"handle": scope} for scope in sorted(self.shop.spec.scopes)]}, {}
        if parts[0] != "events":
            return None
        if request.method not in {"GET", "HEAD"}:
            raise ApiError(404, "Not Found")
        return self._events(request, parts[1:])

    def _event_subjects(self) -> frozenset[str]:
        """Subject types whose events the token may read (Shopify shows events of readable resources)."""
        spec = self.shop.spec
        subjects = set()
        if "read_orders" in spec.scopes and "orders" not in spec.forbidden_resources:
            subjects.add("Order")
        if "read_products" in spec.scopes:
            subjects.add("Product")
        return frozenset(subjects)

    def _all_events(self) -> list[event_log.Event]:
        subjects = self._event_subjects()
        visible_from = self._visible_from()
        return self.shop.cached(
            f"events:{sorted(subjects)}:{visible_from}",
            lambda: event_log.shop_events(self.shop, subjects, visible_from),
        )

    def _event_rows(self, filters: dict[str, str]) -> list[tuple[tuple[int, ...], Any]]:
        """Events matching ``filter`` (subject types, comma-separated, case-insensitive), ``verb``,
        ``since_id`` and ``created_at_min/max``, by id ascending."""
        raw_filter = filters.get("filter") or ""
        subjects = {part.strip().lower() for part in raw_filter.split(",") if part.strip()} or None
        verb = filters.get("verb") or None
        since_id = self._since_id(filters)
        bounds = self._time_filters(filters, ("created_at",))
        rows = []
        for event in self._all_events():
            if subjects is not None and event.subject_type.lower() not in subjects:
                continue
            if (verb is not None and event.verb != verb) or (since_id is not None and event.id <= since_id):
                continue
            if not self._in_bounds(bounds, "created_at", event.created_at.timestamp()):
                continue
            rows.append(((event.id,), event))
        return rows

    def _events(self, request: _Request, rest: list[str]) -> tuple[Any, dict[str, str]]:
        zone = self.shop.spec.zone

        def render(event: event_log.Event) -> dict:
            return event_log.render(event, zone)

        if not rest:
            return self._list(request, "events", self._event_rows, render)
        if rest == ["count"]:
            filters = {k: v for k, v in request.params.items() if k not in _PAGING_PARAMS}
            return {"count": len(self._event_rows(filters))}, {}
        if len(rest) == 1 and rest[0].isdigit():
            for event in self._all_events():
                if event.id == int(rest[0]):
                    return {"event": _project(render(event), request.params.get("fields"))}, {}
        raise ApiError(404, "Not Found")
