"""``WooAPI``: the WordPress/WooCommerce REST wire behaviour of one site.

``handle(method, path, query, headers, base_url, is_ssl)`` → ``(status, headers, body bytes)``. Order of
work as in WordPress: a host-firewall fault (before WordPress), authentication errors (401 before routing),
the route (404 ``rest_no_route``), parameter validation (400 ``rest_invalid_param``), the permission check
(401 ``woocommerce_rest_cannot_view`` when anonymous), then the answer; ``latency_seconds`` is slept before
each authenticated answer (WooCommerce has no rate limit: latency and page size are its limit).
"""

from __future__ import annotations

import json
import math
import re
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import quote_plus
from zoneinfo import ZoneInfo

from sandbox.woocommerce import render
from sandbox.woocommerce.auth import BASIC_REALM, authenticate, parse_query
from sandbox.woocommerce.defects import apply_list_defects, corrupt
from sandbox.woocommerce.faults import ConnectionDropped, Fault
from sandbox.woocommerce.model import STATUS_CODES
from sandbox.woocommerce.orders import ALL_STATUSES, MAX_EVENT_LAG
from sandbox.woocommerce.seeding import rng_for

if TYPE_CHECKING:
    from sandbox.woocommerce.model import WooSite

UTC = ZoneInfo("UTC")
PREFIX = "/wp-json/wc/v3/"
ORDER_STATUS_ENUM = ("any", "trash", *[s for s in ALL_STATUSES if s != "trash"])
ORDERBY = {
    "orders": ("date", "id", "include", "title", "slug", "modified"),
    "products": (
        "date",
        "id",
        "include",
        "title",
        "slug",
        "price",
        "popularity",
        "rating",
        "menu_order",
        "modified",
    ),
    "customers": ("id", "include", "name", "registered_date"),
    "coupons": ("date", "id", "include", "title", "slug", "modified"),
    "refunds": ("date", "id", "include", "title", "slug", "modified"),
    "variations": ("date", "id", "include", "title", "slug", "modified"),
}
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|z|[+-]\d{2}(:?\d{2})?)?$")
_TRUE = ("true", "1", "yes", "on")
_FALSE = ("false", "0", "no", "off", "")
JSON_HEADERS = {"Content-Type": "application/json; charset=UTF-8"}


class ApiError(Exception):
    """A WordPress REST error: ``{"code","message","data":{"status"}}`` (+ ``params``/``details``)."""

    def __init__(self, status: int, code: str, message: str, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra or {}

    def body(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "data": {"status": self.status, **self.extra}}


def _join_list(items: tuple[str, ...]) -> str:
    """``wp_sprintf('%l')``: "a, b, and c"."""
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + ", and " + items[-1]


class Params:
    """Validated query parameters of one request; collects WordPress's ``rest_invalid_param`` details."""

    def __init__(self, query: dict[str, str | list[str]]) -> None:
        self.query = query
        self.invalid: dict[str, tuple[str, str]] = {}

    def _raw(self, name: str) -> str | list[str] | None:
        return self.query.get(name)

    def integer(
        self, name: str, default: int | None, minimum: int | None = None, maximum: int | None = None
    ) -> int | None:
        raw = self._raw(name)
        if raw is None or raw == "":
            return default
        text = raw if isinstance(raw, str) else raw[0]
        try:
            value = float(text)
            if value != int(value):
                raise ValueError
            number = int(value)
        except ValueError:
            self.invalid[name] = ("rest_invalid_type", f"{name} is not of type integer.")
            return default
        if minimum is not None and maximum is not None and not minimum <= number <= maximum:
            self.invalid[name] = (
                "rest_out_of_bounds",
                f"{name} must be between {minimum} (inclusive) and {maximum} (inclusive)",
            )
        elif minimum is not None and number < minimum:
            self.invalid[name] = ("rest_out_of_bounds", f"{name} must be greater than or equal to {minimum}")
        return number

    def enum(self, name: str, default: str, options: tuple[str, ...]) -> str:
        raw = self._raw(name)
        if raw is None:
            return default
        value = raw if isinstance(raw, str) else raw[0]
        if value not in options:
            self.invalid[name] = ("rest_not_in_enum", f"{name} is not one of {_join_list(options)}.")
            return default
        return value

    def enum_list(self, name: str, default: list[str], options: tuple[str, ...]) -> list[str]:
        raw = self._raw(name)
        if raw is None:
            return default
        values = raw if isinstance(raw, list) else [v for v in re.split(r"[,\s]+", raw) if v]
        for index, value in enumerate(values):
            if value not in options:
                self.invalid[name] = (
                    "rest_not_in_enum",
                    f"{name}[{index}] is not one of {_join_list(options)}.",
                )
                return default
        return values

    def boolean(self, name: str, default: bool) -> bool:
        raw = self._raw(name)
        if raw is None:
            return default
        value = (raw if isinstance(raw, str) else raw[0]).lower()
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        self.invalid[name] = ("rest_invalid_type", f"{name} is not of type boolean.")
        return default

    def date(self, name: str) -> str | None:
        raw = self._raw(name)
        if raw is None:
            return None
        value = raw if isinstance(raw, str) else raw[0]
        if not _DATE_RE.match(value):
            self.invalid[name] = ("rest_invalid_date", "Invalid date.")
            return None
        return value

    def ids(self, name: str) -> list[int] | None:
        raw = self._raw(name)
        if raw is None:
            return None
        values = raw if isinstance(raw, list) else [v for v in re.split(r"[,\s]+", raw) if v]
        try:
            return [int(v) for v in values]
        except ValueError:
            self.invalid[name] = ("rest_invalid_type", f"{name}[0] is not of type integer.")
            return None

    def check(self) -> None:
        if self.invalid:
            names = list(self.invalid)
            raise ApiError(
                400,
                "rest_invalid_param",
                f"Invalid parameter(s): {', '.join(names)}",
                {
                    "params": {n: m for n, (_, m) in self.invalid.items()},
                    "details": {
                        n: {"code": c, "message": m, "data": None} for n, (c, m) in self.invalid.items()
                    },
                },
            )


def instant(value: str, gmt: bool, zone: ZoneInfo) -> datetime:
    """A filter date as an instant: with an offset as given; naive in UTC (``dates_are_gmt``) or site time."""
    parsed = datetime.fromisoformat(value.replace("z", "Z").replace(" ", "T"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC if gmt else zone)
    return parsed.astimezone(UTC)


class WooAPI:
    """The REST API of one site."""

    def __init__(self, site: WooSite, now: Callable[[], float] = time.time) -> None:
        self.site = site
        self._lock = threading.Lock()
        self._requests = 0
        #: The wall clock OAuth timestamps are checked against (tests may replace it).
        self.now = now

    # ---- entry point ---------------------------------------------------------------------------------------
    def handle(
        self,
        method: str,
        path: str,
        query: str,
        headers: Mapping[str, str],
        base_url: str,
        is_ssl: bool = True,
        sleep: Callable[[float], None] = time.sleep,
    ) -> tuple[int, dict[str, str], bytes]:
        """Answer one request; ``base_url`` is the site's home URL (links and the OAuth base URL)."""
        fault = self.site.faults.take(f"{path}?{query}") or self._firewall()
        if fault is not None:
            if fault.kind == "drop":
                raise ConnectionDropped()
            if fault.kind == "delay":
                sleep(fault.delay)
            else:
                extra = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
                phrase = {429: "Too Many Requests", 503: "Service Unavailable"}.get(fault.status, "Error")
                page = f"<html><head><title>{fault.status} {phrase}</title></head>"
                page += f"<body><h1>{phrase}</h1></body></html>"
                return fault.status, {"Content-Type": "text/html; charset=UTF-8", **extra}, page.encode()
        if path.rstrip("/") == "/wp-json":
            return self._json(200, self._index(base_url))
        if not path.startswith("/wp-json/"):
            return (
                404,
                {"Content-Type": "text/html; charset=UTF-8"},
                b"<html><body><h1>Not Found</h1></body></html>",
            )
        params = parse_query(query)
        auth = authenticate(
            {self.site.spec.consumer_key: self.site.spec.consumer_secret},
            method,
            base_url + path,
            params,
            headers,
            is_ssl,
            self.site.used_nonces,
            self.now,
        )
        if auth.error is not None:
            extra = {"WWW-Authenticate": BASIC_REALM} if is_ssl else {}
            status, out_headers, body = self._json(401, ApiError(401, *auth.error).body())
            return status, {**out_headers, **extra}, body
        try:
            status, out_headers, payload = self._route(
                method.upper(), path, params, auth.authenticated, base_url, sleep
            )
        except ApiError as error:
            return self._json(error.status, error.body())
        if isinstance(payload, bytes):
            return status, out_headers, payload
        result = self._json(status, payload)
        return result[0], {**result[1], **out_headers}, result[2] if method.upper() != "HEAD" else b""

    def _firewall(self) -> Fault | None:
        """A refusal of the host firewall for ``spec.firewall_rate`` of the requests (deterministic)."""
        rate = self.site.spec.firewall_rate
        if rate <= 0:
            return None
        with self._lock:
            self._requests += 1
            number = self._requests
        rng = rng_for(self.site.spec.seed, "firewall", number)
        if rng.random() >= rate:
            return None
        return Fault("", "status", rng.choice((429, 503)), retry_after=rng.choice((None, rng.randint(1, 30))))

    @staticmethod
    def _json(status: int, payload: Any) -> tuple[int, dict[str, str], bytes]:
        return (
            status,
            dict(JSON_HEADERS),
            json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode(),
        )

    # ---- routing -------------------------------------------------------------------------------------------
    def _route(
        self,
        method: str,
        path: str,
        params: dict[str, str | list[str]],
        authenticated: bool,
        base: str,
        sleep: Callable[[float], None],
    ) -> tuple[int, dict[str, str], Any]:
        if not path.startswith(PREFIX):
            if path.rstrip("/") == PREFIX.rstrip("/"):
                return 200, {}, {"namespace": "wc/v3", "routes": {}}
            raise ApiError(404, "rest_no_route", "No route was found matching the URL and request method.")
        rest = path[len(PREFIX) :].strip("/")
        parts = rest.split("/") if rest else []
        routes: list[tuple[str, Callable[..., Any]]] = [
            (r"orders", self._orders),
            (r"orders/(\d+)", self._order),
            (r"orders/(\d+)/refunds", self._refunds),
            (r"orders/(\d+)/refunds/(\d+)", self._refund),
            (r"products", self._products),
            (r"products/(\d+)", self._product),
            (r"products/(\d+)/variations", self._variations),
            (r"customers", self._customers),
            (r"customers/(\d+)", self._customer),
            (r"coupons", self._coupons),
            (r"system_status", self._system_status),
            (r"settings/(general|tax)", self._settings),
            (r"settings/(general|tax)/([a-z_]+)", self._setting),
        ]
        for pattern, handler in routes:
            match = re.fullmatch(pattern, "/".join(parts))
            if match is None:
                continue
            if method not in ("GET", "HEAD"):
                if not authenticated:
                    raise ApiError(
                        401,
                        "woocommerce_rest_cannot_create",
                        "Sorry, you are not allowed to create resources.",
                    )
                raise ApiError(
                    401,
                    "woocommerce_rest_authentication_error",
                    "The API key provided does not have write permissions.",
                )
            p = Params(params)
            return handler(p, authenticated, base, sleep, *match.groups())
        raise ApiError(404, "rest_no_route", "No route was found matching the URL and request method.")

    def _permit(self, authenticated: bool, single: bool = False) -> None:
        if not authenticated:
            message = (
                "Sorry, you cannot view this resource." if single else "Sorry, you cannot list resources."
            )
            raise ApiError(401, "woocommerce_rest_cannot_view", message)

    def _latency(self, sleep: Callable[[float], None]) -> None:
        if self.site.spec.latency_seconds > 0:
            sleep(self.site.spec.latency_seconds)

    # ---- paging --------------------------------------------------------------------------------------------
    def _paging(self, p: Params) -> tuple[int, int, int | None]:
        page = p.integer("page", 1, minimum=1) or 1
        per_page = p.integer("per_page", 10, minimum=1, maximum=100) or 10
        offset = p.integer("offset", None)
        return page, per_page, offset

    def _page(
        self, items: list[Any], p: Params, page: int, per_page: int, offset: int | None, base: str, route: str
    ) -> tuple[list[Any], dict[str, str]]:
        total = len(items)
        start = offset if offset is not None else (page - 1) * per_page
        chunk = items[max(0, start) : max(0, start) + per_page]
        pages = math.ceil(total / per_page) if total else 0
        return chunk, self._headers(total, pages, page, p, base, route)

    def _headers(self, total: int, pages: int, page: int, p: Params, base: str, route: str) -> dict[str, str]:
        headers = {"X-WP-Total": str(total), "X-WP-TotalPages": str(pages)}
        links = []
        if page > 1:
            links.append(
                f'<{self._link(p, base, route, min(page - 1, pages) if pages else page - 1)}>; rel="prev"'
            )
        if pages > page:
            links.append(f'<{self._link(p, base, route, page + 1)}>; rel="next"')
        if links:
            headers["Link"] = ", ".join(links)
        return headers

    @staticmethod
    def _link(p: Params, base: str, route: str, page: int) -> str:
        """``add_query_arg('page', n, add_query_arg(query_params, rest_url(route)))``."""
        pairs: list[tuple[str, str]] = []
        seen_page = False
        for key, value in p.query.items():
            if key == "page":
                pairs.append(("page", str(page)))
                seen_page = True
            elif isinstance(value, list):
                pairs += [(f"{key}[]", v) for v in value]
            else:
                pairs.append((key, value))
        if not seen_page:
            pairs.append(("page", str(page)))
        query = "&".join(f"{quote_plus(k, safe='[]')}={quote_plus(v)}" for k, v in pairs)
        return f"{base}{PREFIX}{route}?{query}"

    # ---- orders --------------------------------------------------------------------------------------------
    def _orders(
        self, p: Params, authenticated: bool, base: str, sleep: Callable[[float], None]
    ) -> tuple[int, dict[str, str], Any]:
        site = self.site
        page, per_page, offset = self._paging(p)
        gmt = p.boolean("dates_are_gmt", False)
        bounds = {name: p.date(name) for name in ("after", "before", "modified_after", "modified_before")}
        order = p.enum("order", "desc", ("asc", "desc"))
        orderby = p.enum("orderby", "date", ORDERBY["orders"])
        statuses = p.enum_list("status", ["any"], ORDER_STATUS_ENUM)
        include = p.ids("include")
        exclude = p.ids("exclude")
        customer = p.integer("customer", None)
        p.check()
        self._permit(authenticated)
        self._latency(sleep)
        key = (
            site.clock,
            gmt,
            tuple(sorted(bounds.items())),
            order,
            orderby,
            tuple(statuses),
            tuple(include or ()),
            tuple(exclude or ()),
            customer,
        )
        with site.lock:
            ids = site.query_cache.get(key)
            if ids is None:
                ids = self._order_ids(bounds, gmt, statuses, include, exclude, customer, orderby, order)
                site.query_cache[key] = ids
                while len(site.query_cache) > 4:
                    site.query_cache.popitem(last=False)
        start = offset if offset is not None else (page - 1) * per_page
        window, fail = apply_list_defects(site, ids, start, per_page, page)
        if fail:
            return (
                500,
                {},
                {
                    "code": "internal_server_error",
                    "message": "<p>There has been a critical error on this website.</p>",
                    "data": {"status": 500},
                    "additional_errors": [],
                },
            )
        pages = math.ceil(len(ids) / per_page) if ids else 0
        headers = self._headers(len(ids), pages, page, p, base, "orders")
        body = [self._order_body(site.order(order_id), base) for order_id in window]  # type: ignore[arg-type]
        return 200, headers, body

    def _order_body(self, order: Any, base: str) -> dict[str, Any]:
        site = self.site
        return corrupt(site, render.order_json(order, site.clock, site.zone, site.spec.currency, base))

    def _order_ids(
        self,
        bounds: dict[str, str | None],
        gmt: bool,
        statuses: list[str],
        include: list[int] | None,
        exclude: list[int] | None,
        customer: int | None,
        orderby: str,
        order: str,
    ) -> list[int]:
        site = self.site
        zone = site.zone
        lo = {k: int(instant(v, gmt, zone).timestamp()) for k, v in bounds.items() if v}
        wanted = {STATUS_CODES[s] for s in STATUS_CODES if s != "trash"} if "any" in statuses else set()
        wanted |= {STATUS_CODES[s] for s in statuses if s != "any"}
        days = site.days
        first_day, last_day = days[0], days[-1]
        if "after" in lo:
            first_day = max(
                first_day,
                datetime.fromtimestamp(lo["after"], UTC).astimezone(zone).date() - timedelta(days=1),
            )
        if "modified_after" in lo:
            edge = datetime.fromtimestamp(lo["modified_after"], UTC) - MAX_EVENT_LAG
            first_day = max(first_day, edge.astimezone(zone).date() - timedelta(days=1))
        for name in ("before", "modified_before"):
            if name in lo:
                last_day = min(
                    last_day,
                    datetime.fromtimestamp(lo[name], UTC).astimezone(zone).date() + timedelta(days=1),
                )
        rows: list[tuple[int, int, int]] = []
        include_set = set(include) if include else None
        exclude_set = set(exclude or ())
        for day in days:
            if day < first_day or day > last_day:
                continue
            digest = site.digest(day)
            for i, order_id in enumerate(digest.ids):
                if digest.status[i] not in wanted:
                    continue
                created, modified = digest.created[i], digest.modified[i]
                if ("after" in lo and created <= lo["after"]) or ("before" in lo and created >= lo["before"]):
                    continue
                if ("modified_after" in lo and modified <= lo["modified_after"]) or (
                    "modified_before" in lo and modified >= lo["modified_before"]
                ):
                    continue
                if (include_set is not None and order_id not in include_set) or order_id in exclude_set:
                    continue
                rows.append((order_id, created, modified))
        if customer is not None:
            rows = [r for r in rows if (o := site.order(r[0])) is not None and o.customer_id == customer]
        reverse = order == "desc"
        if orderby == "id":
            rows.sort(key=lambda r: r[0], reverse=reverse)
        elif orderby == "modified":
            rows.sort(key=lambda r: (r[2], r[0]), reverse=reverse)
        elif orderby == "include" and include:
            position = {order_id: index for index, order_id in enumerate(include)}
            rows.sort(key=lambda r: position.get(r[0], 0))
        else:
            rows.sort(key=lambda r: (r[1], r[0]), reverse=reverse)
        return [r[0] for r in rows]

    def _order(
        self, p: Params, authenticated: bool, base: str, sleep: Callable[[float], None], order_id: str
    ) -> tuple[int, dict[str, str], Any]:
        p.check()
        self._permit(authenticated, single=True)
        found = self.site.order(int(order_id))
        if found is None:
            raise ApiError(404, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
        self._latency(sleep)
        return 200, {}, self._order_body(found, base)

    def _refunds(
        self, p: Params, authenticated: bool, base: str, sleep: Callable[[float], None], order_id: str
    ) -> tuple[int, dict[str, str], Any]:
        page, per_page, offset = self._paging(p)
        order = p.enum("order", "desc", ("asc", "desc"))
        orderby = p.enum("orderby", "date", ORDERBY["refunds"])
        p.check()
        self._permit(authenticated)
        found = self.site.order(int(order_id))
        if found is None:
            raise ApiError(404, "woocommerce_rest_invalid_order_id", "Invalid order ID.")
        self._latency(sleep)
        # Sorted as asked: WC_REST_Order_Refunds_Controller takes order/orderby (default: newest first).
        refunds = self._sort(
            found.refunds_at(self.site.clock),
            orderby,
            order,
            lambda r: r.at,
            lambda r: r.at,
            lambda r: str(r.id),
            None,
        )
        chunk, headers = self._page(refunds, p, page, per_page, offset, base, f"orders/{order_id}/refunds")
        return 200, headers, [render.refund_json(found, r, self.site.zone, base) for r in chunk]

    def _refund(
        self,
        p: Params,
        authenticated: bool,
        base: str,
        sleep: Callable[[float], None],
        order_id: str,
        refund_id: str,
    ) -> tuple[int, dict[str, str], Any]:
        p.check()
        self._permit(authenticated, single=True)
        found = self.site.order(int(order_id))
        refund = (
            next((r for r in found.refunds_at(self.site.clock) if r.id == int(refund_id)), None)
            if found
            else None
        )
        if found is None or refund is None:
            raise ApiError(404, "woocommerce_rest_invalid_id", "Invalid ID.")
        return 200, {}, render.refund_json(found, refund, self.site.zone, base)

    # ---- catalogue, customers, coupons ---------------------------------------------------------------------
    def _dated_filter(
        self,
        p: Params,
        items: list[Any],
        created: Callable[[Any], datetime],
        modified: Callable[[Any], datetime],
    ) -> list[Any]:
        gmt = p.boolean("dates_are_gmt", False)
        bounds = {name: p.date(name) for name in ("after", "before", "modified_after", "modified_before")}
        p.check()
        zone = self.site.zone
        for name, value in bounds.items():
            if not value:
                continue
            edge = instant(value, gmt, zone)
            getter = modified if name.startswith("modified") else created
            items = [i for i in items if (getter(i) > edge if name.endswith("after") else getter(i) < edge)]
        return items

    def _sort(
        self,
        items: list[Any],
        orderby: str,
        order: str,
        created: Callable[[Any], datetime],
        modified: Callable[[Any], datetime],
        name: Callable[[Any], str],
        include: list[int] | None,
    ) -> list[Any]:
        reverse = order == "desc"
        if orderby == "id":
            return sorted(items, key=lambda i: i.id, reverse=reverse)
        if orderby == "modified":
            return sorted(items, key=lambda i: (modified(i), i.id), reverse=reverse)
        if orderby in ("title", "slug", "name"):
            return sorted(items, key=lambda i: (name(i), i.id), reverse=reverse)
        if orderby == "include" and include:
            return sorted(items, key=lambda i: include.index(i.id) if i.id in include else 0)
        return sorted(items, key=lambda i: (created(i), i.id), reverse=reverse)

    def _products(
        self, p: Params, authenticated: bool, base: str, sleep: Callable[[float], None]
    ) -> tuple[int, dict[str, str], Any]:
        site = self.site
        page, per_page, offset = self._paging(p)
        order = p.enum("order", "desc", ("asc", "desc"))
        orderby = p.enum("orderby", "date", ORDERBY["products"])
        kind = p.enum("type", "", ("simple", "grouped", "external", "variable"))
        status = p.enum("status", "any", ("any", "future", "trash", "draft", "pending", "private", "publish"))
        sku = p.query.get("sku")
        include = p.ids("include")
        clock = site.clock
        items = [x for x in site.catalog.products if x.date_created <= clock]
        items = self._dated_filter(p, items, lambda x: x.date_created, lambda x: min(x.date_modified, clock))
        self._permit(authenticated)
        self._latency(sleep)
        if kind:
            items = [x for x in items if x.type == kind]
        if status != "any":
            items = [x for x in items if x.status == status]
        if isinstance(sku, str) and sku:
            wanted = set(sku.split(","))
            items = [x for x in items if x.sku in wanted]
        if include:
            items = [x for x in items if x.id in include]
        items = self._sort(
            items,
            orderby,
            order,
            lambda x: x.date_created,
            lambda x: min(x.date_modified, clock),
            lambda x: x.name,
            include,
        )
        chunk, headers = self._page(items, p, page, per_page, offset, base, "products")
        return 200, headers, [self._product_json(x, base) for x in chunk]

    def _product_json(self, product: Any, base: str) -> dict[str, Any]:
        body = render.product_json(product, self.site.zone, base)
        modified = min(product.date_modified, self.site.clock)
        body.update(
            {
                "date_modified": render.local(modified, self.site.zone),
                "date_modified_gmt": render.gmt(modified),
            }
        )
        return body

    def _find_product(self, product_id: str) -> Any:
        product = next((x for x in self.site.catalog.products if x.id == int(product_id)), None)
        if product is None or product.date_created > self.site.clock:
            raise ApiError(404, "woocommerce_rest_product_invalid_id", "Invalid ID.")
        return product

    def _product(
        self, p: Params, authenticated: bool, base: str, sleep: Callable[[float], None], product_id: str
    ) -> tuple[int, dict[str, str], Any]:
        p.check()
        self._permit(authenticated, single=True)
        return 200, {}, self._product_json(self._find_product(product_id), base)

    def _variations(
        self, p: Params, authenticated: bool, base: str, sleep: Callable[[float], None], product_id: str
    ) -> tuple[int, dict[str, str], Any]:
        page, per_page, offset = self._paging(p)
        order = p.enum("order", "desc", ("asc", "desc"))
        orderby = p.enum("orderby", "date", ORDERBY["variations"])
        p.check()
        self._permit(authenticated)
        product = self._find_product(product_id)
        self._latency(sleep)
        items = self._sort(
            list(product.variations),
            orderby,
            order,
            lambda v: v.date_created,
            lambda v: v.date_modified,
            lambda v: v.sku,
            None,
        )
        chunk, headers = self._page(
            items, p, page, per_page, offset, base, f"products/{product_id}/variations"
        )
        return 200, headers, [render.variation_json(v, product, self.site.zone, base) for v in chunk]

    def _customers(
        self, p: Params, authenticated: bool, base: str, sleep: Callable[[float], None]
    ) -> tuple[int, dict[str, str], Any]:
        site = self.site
        page, per_page, offset = self._paging(p)
        order = p.enum("order", "asc", ("asc", "desc"))
        orderby = p.enum("orderby", "name", ORDERBY["customers"])
        role = p.enum(
            "role",
            "customer",
            (
                "all",
                "administrator",
                "editor",
                "author",
                "contributor",
                "subscriber",
                "customer",
                "shop_manager",
            ),
        )
        email = p.query.get("email")
        include = p.ids("include")
        p.check()
        self._permit(authenticated)
        self._latency(sleep)
        items = [c for c in site.catalog.customers if c.date_created <= site.clock]
        if role != "all":
            items = [c for c in items if c.role == role]
        if isinstance(email, str) and email:
            items = [c for c in items if c.email.lower() == email.lower()]
        if include:
            items = [c for c in items if c.id in include]
        if orderby == "registered_date":
            orderby = "date"
        items = self._sort(
            items,
            orderby,
            order,
            lambda c: c.date_created,
            lambda c: c.date_modified,
            lambda c: c.username if hasattr(c, "username") else c.email.split("@")[0],
            include,
        )
        chunk, headers = self._page(items, p, page, per_page, offset, base, "customers")
        return 200, headers, [render.customer_json(c, site.zone, c.id % 3 != 0, base) for c in chunk]

    def _customer(
        self, p: Params, authenticated: bool, base: str, sleep: Callable[[float], None], customer_id: str
    ) -> tuple[int, dict[str, str], Any]:
        p.check()
        self._permit(authenticated, single=True)
        site = self.site
        found = next(
            (c for c in site.catalog.customers if c.id == int(customer_id) and c.date_created <= site.clock),
            None,
        )
        if found is None:
            raise ApiError(404, "woocommerce_rest_invalid_id", "Invalid resource ID.")
        return 200, {}, render.customer_json(found, site.zone, found.id % 3 != 0, base)

    def _coupons(
        self, p: Params, authenticated: bool, base: str, sleep: Callable[[float], None]
    ) -> tuple[int, dict[str, str], Any]:
        page, per_page, offset = self._paging(p)
        order = p.enum("order", "desc", ("asc", "desc"))
        orderby = p.enum("orderby", "date", ORDERBY["coupons"])
        # The date filters of WC_REST_CRUD_Controller (after/before/modified_*/dates_are_gmt), as for orders.
        coupons = self._dated_filter(
            p, list(self.site.catalog.coupons), lambda c: c.date_created, lambda c: c.date_created
        )
        self._permit(authenticated)
        self._latency(sleep)
        items = self._sort(
            coupons,
            orderby,
            order,
            lambda c: c.date_created,
            lambda c: c.date_created,
            lambda c: c.code,
            None,
        )
        chunk, headers = self._page(items, p, page, per_page, offset, base, "coupons")
        return 200, headers, [render.coupon_json(c, self.site.zone, base) for c in chunk]

    # ---- site information ---------------------------------------------------------------------------------
    def _index(self, base: str) -> dict[str, Any]:
        """``GET /wp-json/``: WordPress's index, where the site timezone is (``timezone_string``,
        ``gmt_offset`` in hours at the clock)."""
        spec = self.site.spec
        offset = self.site.clock.astimezone(self.site.zone).utcoffset() or timedelta(0)
        hours = offset.total_seconds() / 3600
        return {
            "name": spec.display_name,
            "description": "",
            "url": base,
            "home": base,
            "gmt_offset": int(hours) if hours == int(hours) else hours,
            "timezone_string": spec.timezone,
            "namespaces": ["oembed/1.0", "wc/v3", "wp/v2"],
            "authentication": [],
            "routes": {},
        }

    def _system_status(
        self, p: Params, authenticated: bool, base: str, sleep: Callable[[float], None]
    ) -> tuple[int, dict[str, str], Any]:
        p.check()
        self._permit(authenticated)
        spec = self.site.spec
        symbols = {"USD": "&#36;", "GBP": "&pound;", "EUR": "&euro;"}
        return (
            200,
            {},
            {
                "environment": {
                    "home_url": base,
                    "site_url": base,
                    "version": "9.4.2",
                    "wp_version": "6.7.1",
                    "wp_multisite": False,
                    "wp_memory_limit": 268435456,
                    "wp_debug_mode": False,
                    "wp_cron": True,
                    "language": "en_US",
                    "server_info": "nginx",
                    "php_version": "8.2.26",
                    "mysql_version": "8.0.40",
                    "default_timezone": "UTC",
                },
                "database": {"wc_database_version": "9.4.2", "database_prefix": "wp_"},
                "active_plugins": [
                    {"plugin": "woocommerce/woocommerce.php", "name": "WooCommerce", "version": "9.4.2"}
                ],
                "theme": {"name": "Storefront", "version": "4.6.0"},
                "settings": {
                    "api_enabled": True,
                    "force_ssl": False,
                    "currency": spec.currency,
                    "currency_symbol": symbols.get(spec.currency, spec.currency),
                    "currency_position": "left",
                    "thousand_separator": ",",
                    "decimal_separator": ".",
                    "number_of_decimals": 2,
                    "geolocation_enabled": False,
                    "taxonomies": {
                        "external": "external",
                        "grouped": "grouped",
                        "simple": "simple",
                        "variable": "variable",
                    },
                },
                "security": {
                    "secure_connection": base.startswith(("https", "woosandbox")),
                    "hide_errors": True,
                },
                "pages": [],
            },
        )

    def _settings_values(self, group: str) -> list[dict[str, Any]]:
        spec = self.site.spec
        if group == "general":
            return [
                {
                    "id": "woocommerce_currency",
                    "label": "Currency",
                    "type": "select",
                    "default": "USD",
                    "value": spec.currency,
                },
                {
                    "id": "woocommerce_default_country",
                    "label": "Country / State",
                    "type": "select",
                    "default": "US:CA",
                    "value": spec.country,
                },
            ]
        return [
            {
                "id": "woocommerce_prices_include_tax",
                "label": "Prices entered with tax",
                "type": "radio",
                "default": "no",
                "value": "yes" if spec.prices_include_tax else "no",
            },
            {
                "id": "woocommerce_tax_round_at_subtotal",
                "label": "Rounding",
                "type": "checkbox",
                "default": "no",
                "value": "no",
            },
        ]

    def _settings(
        self, p: Params, authenticated: bool, base: str, sleep: Callable[[float], None], group: str
    ) -> tuple[int, dict[str, str], Any]:
        p.check()
        self._permit(authenticated)
        return 200, {}, [{**s, "group_id": group} for s in self._settings_values(group)]

    def _setting(
        self, p: Params, authenticated: bool, base: str, sleep: Callable[[float], None], group: str, name: str
    ) -> tuple[int, dict[str, str], Any]:
        p.check()
        self._permit(authenticated, single=True)
        found = next((s for s in self._settings_values(group) if s["id"] == name), None)
        if found is None:
            raise ApiError(404, "rest_setting_setting_invalid", "Invalid setting.")
        return 200, {}, {**found, "group_id": group}
