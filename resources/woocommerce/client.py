"""WooCommerce REST API v3 client: a Dagster resource that hands out one client per tenant site.

``WooCommerceClientResource`` holds configuration only (page size, timeouts, retry policy, pacing). The
consumer key and secret are never part of it: :meth:`WooCommerceClientResource.for_connection` reads them
from the environment variables a tenant's connection names (``resources/secrets.py``), or a caller passes
them to :meth:`WooCommerceClientResource.for_site`; either returns a :class:`WooCommerceSiteClient`.

How the keys travel (``auth``): HTTP Basic (``ck_…`` as user, ``cs_…`` as password) over https and
in-process simulators; the ``consumer_key``/``consumer_secret`` query parameters for hosts that strip the
Authorization header; an OAuth 1.0a one-legged HMAC-SHA256 signature (``requests-oauthlib``) over plain
http, where WooCommerce refuses keys sent in clear. Neither key nor secret is in ``repr``, an exception's
message or attributes, a log record or metadata; URLs are shown as paths, or with their key, secret and
signature parameters replaced by ``[REDACTED]``.

Site URLs: ``https://shop.example`` or ``https://example.com/wordpress`` (the WordPress address; the API is
under ``/wp-json/wc/v3``), ``http://127.0.0.1:PORT/name`` (a simulator's server), ``woosandbox://name`` (a
simulator in-process, through the transport registered for its scheme: ``resources/transports.py``).

See docs/woocommerce-client.md.
"""

from __future__ import annotations

import html
import logging
import random
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlsplit

import requests
import requests.auth
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA256, SIGNATURE_TYPE_QUERY
from requests_oauthlib import OAuth1

from resources import fast_json
from resources.client_base import ClientSettings, parse_base_url, send_unchained
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
from resources.pagination import (
    DEFAULT_MAX_PAGES,
    PageNumberPaginator,
    PageWalk,
    PaginationLoopError,
    Params,
    record_versions,
)
from resources.secrets import (
    SecretValueError,
    check_header_value,
    install_log_filter,
    query_redactor,
    read_secret,
)

log = logging.getLogger(__name__)
install_log_filter(__name__, "oauthlib", "requests_oauthlib")

API_PREFIX = "wp-json/wc/v3"
#: WooCommerce's largest ``per_page``: more is refused with 400 ``rest_invalid_param``.
MAX_PER_PAGE = 100
TOTAL_RECORDS_HEADER = "X-WP-Total"
TOTAL_PAGES_HEADER = "X-WP-TotalPages"
#: A record's version for the page walk's loop rule: WooCommerce's modification time in UTC.
VERSION_FIELD = "date_modified_gmt"
AUTH_SCHEMES = ("auto", "basic", "query", "oauth1")
#: Query parameters that carry credentials (query fallback, OAuth 1.0a): never shown.
CREDENTIAL_PARAMS = (
    "consumer_key",
    "consumer_secret",
    "oauth_consumer_key",
    "oauth_consumer_secret",
    "oauth_signature",
)
_redact_credentials = query_redactor(*CREDENTIAL_PARAMS)
_HTML_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
#: Record listing queries: every order of any status (WooCommerce's default is ``any`` but a plugin may
#: change it), sorted by id ascending, which keeps a record's position while the walk runs (see
#: :meth:`WooCommerceSiteClient.iter_pages`).
BY_ID = {"orderby": "id", "order": "asc"}


def redact(text: str) -> str:
    """``text`` with every credential query parameter's value (``consumer_key=…``, ``consumer_secret=…``,
    ``oauth_signature=…``) replaced by ``[REDACTED]`` and every registered secret scrubbed."""
    return _redact_credentials(text)


def resolve_auth(auth: str, site_url: str) -> str:
    """The scheme ``auth`` stands for at ``site_url``: ``auto`` is OAuth 1.0a over plain http (where
    WooCommerce refuses keys sent in clear), HTTP Basic over https and in-process simulators."""
    if auth not in AUTH_SCHEMES:
        raise ValueError(f"auth must be one of {', '.join(AUTH_SCHEMES)}, got {auth!r}")
    if auth != "auto":
        return auth
    return "oauth1" if urlsplit(site_url).scheme.lower() == "http" else "basic"


def format_gmt(value: datetime) -> str:
    """A timezone-aware datetime as WooCommerce's GMT filter value (``2026-03-01T05:00:00``, sent with
    ``dates_are_gmt=true``); naive datetimes are refused (their timezone is unknown)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"timestamp must be timezone-aware, got naive {value!r}")
    return value.astimezone(UTC).replace(tzinfo=None, microsecond=0).isoformat()


# ---------------------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------------------
class WooCommerceError(Exception):
    """Base class of everything this client raises.

    ``method``, ``path`` (URL path, never the query), ``status`` (``None`` for network failures), ``code``
    (WooCommerce's error code, e.g. ``woocommerce_rest_authentication_error``; ``""`` without one) and
    ``api_message`` (its ``message``) are always set. Messages are redacted (:func:`redact`).
    """

    def __init__(
        self,
        message: str,
        *,
        method: str,
        path: str,
        status: int | None,
        code: str = "",
        api_message: str = "",
    ) -> None:
        super().__init__(redact(message))
        self.method = method
        self.path = path
        self.status = status
        self.code = code
        self.api_message = redact(api_message)


class WooCommerceAuthError(WooCommerceError):
    """401 ``woocommerce_rest_authentication_error``: the consumer key or secret is wrong, missing or its
    signature does not match. The message names the variable to check."""


class WooCommercePermissionError(WooCommerceError):
    """401/403 ``woocommerce_rest_cannot_view``: the key is valid but its WordPress user (or its Read
    access) may not list this resource."""


class WooCommerceNotFoundError(WooCommerceError):
    """404: ``rest_no_route`` (the REST API is not reachable there: plain permalinks, WooCommerce inactive
    or its REST API blocked) or a record that does not exist (``woocommerce_rest_*_invalid_id``)."""


class WooCommerceInvalidParamError(WooCommerceError):
    """400 ``rest_invalid_param``: ``params`` names the refused query parameters."""

    def __init__(self, message: str, *, params: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.params = params


class WooCommerceAPIError(WooCommerceError):
    """Any other failure: another 4xx, a body that is not WooCommerce JSON (a firewall's HTML page), a body
    over ``max_response_bytes``, or retries exhausted (then ``attempts`` > 1)."""

    def __init__(self, message: str, *, attempts: int = 1, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.attempts = attempts


class WooCommercePaginationLoopError(WooCommerceAPIError, PaginationLoopError):
    """A page walk that would not end was stopped (``resources/pagination.py``)."""


def _error_body(response: requests.Response) -> tuple[str, str, dict]:
    """WooCommerce's ``{"code", "message", "data"}`` error body, or ``("", text, {})``."""
    try:
        body = fast_json.loads(response.content or b"")
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("code"), str):
        data = body.get("data") if isinstance(body.get("data"), dict) else {}
        return body["code"], html.unescape(str(body.get("message", ""))), data
    return "", _not_json_description(response) if body is None else "", {}


def _describe_answer(response: requests.Response) -> tuple[str, dict[str, Any]]:
    status = response.status_code
    code, api_message, _ = _error_body(response)
    what = f"HTTP {status}" + (f" {code}" if code else "") + (f": {api_message}" if api_message else "")
    return what, {"status": status, "code": code, "api_message": api_message}


def _not_json_description(response: requests.Response) -> str:
    """What a body that is not JSON is: an HTML page (by its title) or a few words of text."""
    text = (response.text or "").strip()
    if not text:
        return "empty body"
    content_type = response.headers.get("Content-Type", "")
    if "html" in content_type.lower() or text[:1] == "<":
        title = _HTML_TITLE.search(text)
        shown = " ".join(html.unescape(title.group(1)).split())[:80] if title else ""
        return (
            "the response is an HTML page, not WooCommerce JSON"
            + (f" (title: {shown!r})" if shown else "")
            + "; a firewall, security plugin, maintenance or login page answered instead of the REST API"
        )
    return f"the response is not JSON: {' '.join(text.split())[:80]!r}"


# ---------------------------------------------------------------------------------------------------------
# Authentication
# ---------------------------------------------------------------------------------------------------------
class QueryStringAuth(requests.auth.AuthBase):
    """Sends the key and secret as the ``consumer_key``/``consumer_secret`` query parameters (for hosts
    that strip the Authorization header). Its ``repr`` shows neither."""

    def __init__(self, consumer_key: str, consumer_secret: str) -> None:
        self._params = {"consumer_key": consumer_key, "consumer_secret": consumer_secret}

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.prepare_url(request.url, self._params)
        return request

    def __repr__(self) -> str:
        return "QueryStringAuth(consumer_key=[REDACTED], consumer_secret=[REDACTED])"


class _BasicAuth(requests.auth.HTTPBasicAuth):
    def __repr__(self) -> str:
        return "BasicAuth([REDACTED])"


class _OAuth1(OAuth1):
    def __repr__(self) -> str:
        return "OAuth1(HMAC-SHA256, [REDACTED])"


def make_auth(scheme: str, consumer_key: str, consumer_secret: str) -> requests.auth.AuthBase:
    """The ``requests`` auth of ``scheme`` (``basic``, ``query`` or ``oauth1``). OAuth 1.0a is one-legged
    (no token), HMAC-SHA256, its ``oauth_*`` parameters in the query string: the base string is
    ``GET&enc(URL without query)&enc(sorted, encoded parameters)``, the key ``consumer_secret&``, as
    WooCommerce checks it (``WC_REST_Authentication::check_oauth_signature``). Each attempt is signed anew
    (fresh nonce and timestamp: WooCommerce refuses a nonce seen before and a timestamp 15 minutes off)."""
    if scheme == "basic":
        return _BasicAuth(consumer_key, consumer_secret)
    if scheme == "query":
        return QueryStringAuth(consumer_key, consumer_secret)
    if scheme == "oauth1":
        return _OAuth1(
            consumer_key,
            client_secret=consumer_secret,
            signature_method=SIGNATURE_HMAC_SHA256,
            signature_type=SIGNATURE_TYPE_QUERY,
        )
    raise ValueError(f"auth must be basic, query or oauth1, got {scheme!r}")


# ---------------------------------------------------------------------------------------------------------
# Store settings
# ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StoreSettings:
    """What the store records about money and time: its currency and decimals (``system_status``), its
    timezone (WordPress's ``timezone_string``, else a fixed ``gmt_offset``, from the ``/wp-json/`` index:
    ``system_status``'s ``default_timezone`` is PHP's, always UTC under WordPress, not the store's), and
    whether its prices include tax (the ``woocommerce_prices_include_tax`` setting; ``None`` when the key
    may not read settings)."""

    currency: str | None
    number_of_decimals: int | None
    timezone: str | None
    gmt_offset: float | None
    prices_include_tax: bool | None
    wc_version: str | None


class SiteConnection(Protocol):
    """What the client needs of a tenant's WooCommerce connection (``platform_assets``' model has it)."""

    site_url: str
    consumer_key_env: str
    consumer_secret_env: str
    auth: str
    request_interval_seconds: float | None
    page_concurrency: int | None


# ---------------------------------------------------------------------------------------------------------
# Per-site client
# ---------------------------------------------------------------------------------------------------------
class WooCommerceSiteClient:
    """Talks to one WooCommerce site. Get it from :class:`WooCommerceClientResource`.

    Thread-safe: each thread gets its own HTTP session (parallel page fetches use them); all share the
    site's pacer (a minimum interval between requests, when configured) and the counters.
    """

    def __init__(
        self,
        site_url: str,
        consumer_key: str,
        consumer_secret: str,
        *,
        auth: str = "auto",
        per_page: int = MAX_PER_PAGE,
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        policy: RetryPolicy | None = None,
        request_interval: float = 0.0,
        page_concurrency: int = 2,
        max_rewalks: int = 2,
        max_pages: int = DEFAULT_MAX_PAGES,
        response_deadline: float | None = DEFAULT_RESPONSE_DEADLINE,
        max_response_bytes: int | None = DEFAULT_MAX_RESPONSE_BYTES,
        pacers: PacerRegistry | None = None,
        sleep: Sleep = time.sleep,
        rng: random.Random | None = None,
        session_factory: Callable[[], requests.Session] | None = None,
        key_source: str | None = None,
        secret_source: str | None = None,
    ) -> None:
        # Where the key and secret come from ("environment variable ACME_WC_KEY"): named, never shown.
        self._key_source = key_source or "the consumer key given to the WooCommerce client"
        self._secret_source = secret_source or "the consumer secret given to the WooCommerce client"
        consumer_key = check_header_value(consumer_key or "", self._key_source)
        consumer_secret = check_header_value(consumer_secret or "", self._secret_source)
        if not 1 <= per_page <= MAX_PER_PAGE:
            raise ValueError(f"per_page must be between 1 and {MAX_PER_PAGE}, got {per_page}")
        if page_concurrency < 1:
            raise ValueError(f"page_concurrency must be >= 1, got {page_concurrency}")
        if request_interval < 0:
            raise ValueError(f"request_interval must be >= 0 seconds, got {request_interval}")
        self.site_url, self._mount = parse_base_url(
            site_url,
            name="site_url",
            usage="https://host[/path], http://127.0.0.1:port[/path] or scheme://name",
        )
        self.auth_scheme = resolve_auth(auth, self.site_url)
        self.per_page = per_page
        self.page_concurrency = page_concurrency
        self.max_rewalks = max_rewalks
        self.max_pages = max_pages
        self._api_root = f"{self.site_url}/{API_PREFIX}"
        self._auth = make_auth(self.auth_scheme, consumer_key, consumer_secret)
        self._session_factory = session_factory or requests.Session
        self._stats = HttpStats()
        self._counters = {"rewalks": 0, "duplicates_dropped": 0, "unsettled_walks": 0}
        self._counter_lock = threading.Lock()
        self._pacer: Pacer | None = None
        if request_interval > 0:
            registry = pacers if pacers is not None else PACERS
            self._pacer = registry.get(self.site_url, bucket_size=1, leak_rate=1.0 / request_interval)
        self._requester_options: dict[str, Any] = {
            "policy": policy,
            "connect_timeout": connect_timeout,
            "read_timeout": read_timeout,
            "pacer": self._pacer,
            "sleep": sleep,
            "rng": rng,
            "stats": self._stats,
            "logger": log,
            "response_deadline": response_deadline,
            "max_response_bytes": max_response_bytes,
        }
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._sessions_lock = threading.Lock()
        #: Thread pools of the parallel page fetches, by size, kept for the client's life so that their
        #: threads (and the session each holds) serve every walk.
        self._pools: dict[int, ThreadPoolExecutor] = {}
        self._closed = False

    def __repr__(self) -> str:
        return f"WooCommerceSiteClient(site_url={self.site_url!r}, auth={self.auth_scheme!r})"

    def __enter__(self) -> WooCommerceSiteClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the page-fetching threads and close every HTTP session the client opened (one per thread
        that used it)."""
        with self._sessions_lock:
            self._closed = True
            sessions, self._sessions = self._sessions, []
            pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            pool.shutdown(wait=True, cancel_futures=True)
        for session in sessions:
            session.close()

    def _pool(self, size: int) -> ThreadPoolExecutor:
        """The client's pool of ``size`` page-fetching threads (made on first use)."""
        with self._sessions_lock:
            if self._closed:
                raise RuntimeError("the WooCommerce client is closed")
            pool = self._pools.get(size)
            if pool is None:
                pool = ThreadPoolExecutor(max_workers=size, thread_name_prefix="woocommerce-page")
                self._pools[size] = pool
            return pool

    @property
    def sessions(self) -> int:
        """HTTP sessions open (one per thread that has sent a request)."""
        with self._sessions_lock:
            return len(self._sessions)

    @property
    def stats(self) -> dict[str, float]:
        """Counters: ``requests`` (attempts sent), ``retries``, ``throttled`` (429s seen),
        ``pacing_sleep_seconds``, ``retry_sleep_seconds``, ``response_seconds``, and of the walks:
        ``rewalks`` (walks repeated because the listed set shrank while they ran), ``duplicates_dropped``
        (records served twice in one walk, dropped) and ``unsettled_walks`` (walks still changing after
        ``max_rewalks``). Suitable as asset metadata."""
        with self._counter_lock:
            return {**self._stats.as_dict(), **self._counters}

    def _count(self, name: str, delta: int = 1) -> None:
        with self._counter_lock:
            self._counters[name] += delta

    # -- low level ---------------------------------------------------------------------------------------
    def _requester(self) -> RetryingRequester:
        """This thread's retrying requester, on a session of its own (a Session is not shared by threads)."""
        requester = getattr(self._local, "requester", None)
        if requester is None:
            session = self._session_factory()
            session.auth = self._auth
            if self._mount is not None:
                self._mount(session)
            with self._sessions_lock:
                if self._closed:
                    raise RuntimeError("the WooCommerce client is closed")
                self._sessions.append(session)
            requester = RetryingRequester(session, **self._requester_options)
            self._local.requester = requester
        return requester

    def _url(self, resource: str) -> str:
        return f"{self._api_root}/{resource.strip('/')}"

    def _get(self, url: str, params: Mapping[str, Any] | None) -> requests.Response:
        """GET with retries (429, 5xx, network errors; ``Retry-After`` honoured); a WooCommerce error
        raised as the :class:`WooCommerceError` that says what is wrong."""
        method = "GET"
        path = url_path(url)
        response = send_unchained(
            lambda: self._requester().request(
                method, url, params=params, headers={"Accept": "application/json"}
            ),
            method,
            url,
            api_error=WooCommerceAPIError,
            describe=_describe_answer,
        )
        if response.status_code < 300:
            return response
        raise self._status_error(method, path, response)

    def _status_error(self, method: str, path: str, response: requests.Response) -> WooCommerceError:
        status = response.status_code
        code, api_message, data = _error_body(response)
        detail = f"{method} {path} -> HTTP {status}" + (f" {code}" if code else "") + f": {api_message}"
        common: dict[str, Any] = {
            "method": method,
            "path": path,
            "status": status,
            "code": code,
            "api_message": api_message,
        }
        site = self.site_url
        resource = path.split(f"/{API_PREFIX}/", 1)[-1]
        key_check, secret_check = self._check(self._key_source), self._check(self._secret_source)
        if status == 401 and code != "woocommerce_rest_authentication_error":
            # WooCommerce saw no credentials (anonymous: woocommerce_rest_cannot_view), or something in
            # front of WordPress asked for its own (no WooCommerce error code).
            what = (
                f"WooCommerce received no consumer key from {site}: the web server may strip the "
                f"Authorization header (set the connection's auth to 'query'); check {key_check}"
                if code
                else f"{site} refused the request before WooCommerce saw the key (HTTP authentication in "
                "front of the site, or a security plugin)"
            )
            return WooCommerceAuthError(f"{what}: {detail}", **common)
        if code == "woocommerce_rest_authentication_error":
            lowered = api_message.lower()
            if "signature" in lowered or "secret" in lowered:
                what = f"WooCommerce rejected the consumer secret for {site} (check {secret_check})"
            elif "missing" in lowered:
                what = (
                    f"WooCommerce received no consumer key from {site}: the web server may strip the "
                    f"Authorization header (set the connection's auth to 'query'); check {key_check}"
                )
            else:
                what = f"WooCommerce rejected the consumer key for {site} (check {key_check})"
            return WooCommerceAuthError(f"{what}: {detail}", **common)
        if code == "woocommerce_rest_cannot_view" or status == 403:
            return WooCommercePermissionError(
                f"the consumer key for {site} may not read {resource}: its WordPress user lacks the "
                f"capability or the key lacks Read access (give the key Read access for a user who can "
                f"manage WooCommerce): {detail}",
                **common,
            )
        if code == "rest_no_route":
            return WooCommerceNotFoundError(
                f"{site} has no WooCommerce REST route /{API_PREFIX}/{resource}: WordPress permalinks must "
                "not be 'Plain' (Settings > Permalinks), WooCommerce must be active and its REST API "
                f"reachable under {site}/wp-json/: {detail}",
                **common,
            )
        if status == 404:
            return WooCommerceNotFoundError(detail, **common)
        if code == "rest_invalid_param":
            params = data.get("params") if isinstance(data.get("params"), dict) else {}
            names = tuple(str(name) for name in params)
            reasons = "; ".join(str(reason) for reason in params.values())
            plural = "s" * (len(names) != 1)
            return WooCommerceInvalidParamError(
                f"WooCommerce refused the parameter{plural} {', '.join(names) or '(unnamed)'} "
                f"of {method} {path}" + (f": {reasons}" if reasons else "") + f" ({detail})",
                params=names,
                **common,
            )
        return WooCommerceAPIError(detail, **common)

    @staticmethod
    def _check(source: str) -> str:
        """What to check: ``"the variable ACME_CK"`` for an environment variable, else the source."""
        variable = source.removeprefix("environment variable ")
        return f"the variable {variable}" if variable != source else source

    def _json(self, url: str, response: requests.Response) -> Any:
        try:
            return fast_json.loads(response.content)
        except ValueError:
            path = url_path(url)
            raise WooCommerceAPIError(
                f"GET {path} -> HTTP {response.status_code}: {_not_json_description(response)}",
                method="GET",
                path=path,
                status=response.status_code,
            ) from None

    def get_json(self, resource: str, params: Mapping[str, Any] | None = None) -> Any:
        """GET ``{site}/wp-json/wc/v3/{resource}`` and return the decoded body."""
        url = self._url(resource)
        return self._json(url, self._get(url, params))

    # -- pagination --------------------------------------------------------------------------------------
    def _records(self, url: str, response: requests.Response) -> list[dict]:
        body = self._json(url, response)
        if not isinstance(body, list):
            path = url_path(url)
            raise WooCommerceAPIError(
                f"GET {path} -> HTTP {response.status_code}: expected a JSON list of records, got "
                f"{type(body).__name__}",
                method="GET",
                path=path,
                status=response.status_code,
            )
        return body

    def _new_walk(self, url: str) -> tuple[PageWalk, PageNumberPaginator]:
        path = url_path(url)

        def error(message: str) -> WooCommercePaginationLoopError:
            return WooCommercePaginationLoopError(message, method="GET", path=path, status=200)

        walk = PageWalk(f"GET {path}", page_size=self.per_page, max_pages=self.max_pages, error=error)
        paginator = PageNumberPaginator(
            per_page=self.per_page,
            total_pages_header=TOTAL_PAGES_HEADER,
            total_records_header=TOTAL_RECORDS_HEADER,
            walk=walk,
        )
        return walk, paginator

    def _fetch_page(
        self, url: str, query: Params, number: int
    ) -> tuple[list[dict], requests.Response | None]:
        """One page's records; a page past the end after the set shrank (WordPress answers 400
        ``…invalid_page_number``) is an empty page."""
        try:
            response = self._get(url, query)
        except WooCommerceError as exc:
            if number > 1 and exc.status == 400 and exc.code.endswith("invalid_page_number"):
                return [], None
            raise
        return self._records(url, response), response

    def _walk_once(
        self, resource: str, params: Mapping[str, Any], concurrency: int, totals: list[int]
    ) -> Iterator[list[dict]]:
        """One walk over the numbered pages, in page order; ``totals`` receives every page's
        ``X-WP-Total``. With ``concurrency`` > 1, once the first page has told the total pages, up to that
        many pages are in flight at once (pages asked for ahead are still handed over in order); a total
        that grows while the walk runs extends it."""
        url = self._url(resource)
        walk, paginator = self._new_walk(url)
        query = paginator.init_request(params)

        def header_int(response: requests.Response | None, name: str) -> int | None:
            value = response.headers.get(name, "").strip() if response is not None else ""
            return int(value) if value.isdigit() else None

        def page_done(number: int, records: list[dict], response: requests.Response | None) -> None:
            walk.page(number, record_versions(records, VERSION_FIELD))
            total = header_int(response, TOTAL_RECORDS_HEADER)
            if total is not None:
                totals.append(total)

        records, response = self._fetch_page(url, query, 1)
        page_done(1, records, response)
        yield records
        assert response is not None
        paginator.update_state(response, records)
        if concurrency <= 1 or paginator.total_pages is None:
            number = 1
            while paginator.has_next_page:
                number += 1
                query = paginator.update_request(query)
                records, response = self._fetch_page(url, query, number)
                page_done(number, records, response)
                yield records
                if response is None:
                    return
                paginator.update_state(response, records)
            return
        if not paginator.has_next_page:
            return
        # The paginator has followed page 2 already; later pages go through the walk as they are asked for.
        target = paginator.total_pages
        next_number = 2
        pending: deque[tuple[int, Future[tuple[list[dict], requests.Response | None]]]] = deque()
        pool = self._pool(concurrency)

        def submit() -> None:
            nonlocal next_number
            if next_number > 2:
                walk.follow(str(next_number))
            page_query = {**query, paginator.page_param: next_number}
            pending.append((next_number, pool.submit(self._fetch_page, url, page_query, next_number)))
            next_number += 1

        try:
            while next_number <= target and len(pending) < concurrency:
                submit()
            while pending:
                number, future = pending.popleft()
                records, response = future.result()
                page_done(number, records, response)
                grown = header_int(response, TOTAL_PAGES_HEADER)
                if grown is not None and grown > target:
                    target = grown
                yield records
                while next_number <= target and len(pending) < concurrency:
                    submit()
        finally:
            for _, future in pending:  # the walk was left early: pages not yet started are not asked for
                future.cancel()

    def iter_pages(
        self, resource: str, params: Mapping[str, Any] | None = None, *, concurrency: int | None = None
    ) -> Iterator[list[dict]]:
        """Stream ``resource`` page by page (``page``/``per_page``, totals from ``X-WP-Total`` and
        ``X-WP-TotalPages``), each record id served once.

        Numbered pages are positions in a list the store may change while the walk runs: a record that
        leaves the list (modified out of the window, deleted) moves every later record one place up, so the
        record at the next page's edge is skipped; one that enters it ahead of the walk moves them down, so
        one is served twice. The queries sort by id ascending (an edit does not move a record, new records
        come last), records served twice are dropped by id, and when a page reports a smaller
        ``X-WP-Total`` than an earlier one, the list shrank under the walk: it is walked again (at most
        ``max_rewalks`` times) and only records not yet served are handed over. So is a walk that brought
        fewer distinct records than the last page reported (a record entered the list behind the walk).

        ``concurrency``: pages in flight at once (default: the client's ``page_concurrency``).
        Iterators are lazy: nothing is requested until the first page is pulled.
        """
        concurrency = self.page_concurrency if concurrency is None else max(1, concurrency)
        seen: set[Any] = set()
        for attempt in range(self.max_rewalks + 1):
            totals: list[int] = []
            walked: set[Any] = set()
            for page in self._walk_once(resource, params or {}, concurrency, totals):
                fresh = []
                for record in page:
                    key = record.get("id") if isinstance(record, dict) else None
                    if key is None:
                        fresh.append(record)
                        continue
                    walked.add(key)
                    if key in seen:
                        if attempt == 0:
                            self._count("duplicates_dropped")
                        continue
                    seen.add(key)
                    fresh.append(record)
                if fresh:
                    yield fresh
            shrank = any(later < earlier for earlier, later in zip(totals, totals[1:], strict=False))
            short = bool(totals) and len(walked) < totals[-1]
            if not (shrank or short):
                return
            if attempt == self.max_rewalks:
                self._count("unsettled_walks")
                log.warning(
                    "GET %s: the listed records kept changing during %d walks (totals %s); records that "
                    "left the list mid-walk may be missing until the next run",
                    url_path(self._url(resource)),
                    attempt + 1,
                    totals,
                )
                return
            self._count("rewalks")
            log.info(
                "GET %s: the list changed during the walk (totals %s, %d distinct records); walking it again",
                url_path(self._url(resource)),
                totals,
                len(walked),
            )

    def count(self, resource: str, params: Mapping[str, Any] | None = None) -> int:
        """How many records ``resource`` lists with these filters: ``X-WP-Total`` of a one-record page."""
        url = self._url(resource)
        response = self._get(url, {**(params or {}), "page": 1, "per_page": 1})
        value = response.headers.get(TOTAL_RECORDS_HEADER, "").strip()
        if not value.isdigit():
            path = url_path(url)
            raise WooCommerceAPIError(
                f"GET {path}: the answer has no {TOTAL_RECORDS_HEADER} header",
                method="GET",
                path=path,
                status=200,
            )
        return int(value)

    # -- resources --------------------------------------------------------------------------------------
    @staticmethod
    def modified_query(modified_from: datetime | None, modified_to: datetime | None) -> dict[str, str]:
        """The filter for records modified in ``[modified_from, modified_to)`` (UTC, to the second).

        WooCommerce's ``modified_after`` and ``modified_before`` are both exclusive (``>`` and ``<`` on
        the GMT modification time, stored to the second), so ``modified_after`` is sent one second before
        ``modified_from``: a record modified exactly at the window's start is in it, one modified exactly
        at its end is in the next window."""
        query: dict[str, str] = {}
        if modified_from is not None:
            query["modified_after"] = format_gmt(modified_from - timedelta(seconds=1))
        if modified_to is not None:
            query["modified_before"] = format_gmt(modified_to)
        if query:
            query["dates_are_gmt"] = "true"
        return query

    def orders_query(self, modified_from: datetime | None, modified_to: datetime | None) -> dict[str, str]:
        """The query of every order (any status) modified in ``[modified_from, modified_to)``."""
        return {"status": "any", **BY_ID, **self.modified_query(modified_from, modified_to)}

    def iter_orders(
        self,
        modified_from: datetime | None,
        modified_to: datetime | None,
        *,
        concurrency: int | None = None,
    ) -> Iterator[list[dict]]:
        """Orders of every status ``any`` covers (all but ``trash``) modified in
        ``[modified_from, modified_to)`` (timezone-aware; ``None``: unbounded), page by page, sorted by id."""
        return self.iter_pages(
            "orders", self.orders_query(modified_from, modified_to), concurrency=concurrency
        )

    def count_orders(self, modified_from: datetime | None, modified_to: datetime | None) -> int:
        return self.count("orders", self.orders_query(modified_from, modified_to))

    def iter_refunds(self, order_id: int) -> Iterator[list[dict]]:
        """The refunds of one order (``amount`` positive; the order's own ``refunds[].total`` is negative)."""
        return self.iter_pages(f"orders/{int(order_id)}/refunds", BY_ID, concurrency=1)

    def iter_products(
        self, modified_from: datetime | None = None, modified_to: datetime | None = None
    ) -> Iterator[list[dict]]:
        """Products of every status modified in the window (all of them without one), sorted by id."""
        query = {"status": "any", **BY_ID, **self.modified_query(modified_from, modified_to)}
        return self.iter_pages("products", query)

    def iter_variations(self, product_id: int) -> Iterator[list[dict]]:
        """The variations of one variable product."""
        return self.iter_pages(f"products/{int(product_id)}/variations", BY_ID, concurrency=1)

    def iter_customers(self) -> Iterator[list[dict]]:
        """Every customer: the list has no date filter (a full scan), and ``role=all`` is sent since
        WooCommerce lists only the ``customer`` role by default (shop managers and admins who bought are
        customers too)."""
        return self.iter_pages("customers", {"role": "all", **BY_ID})

    def iter_coupons(
        self, modified_from: datetime | None = None, modified_to: datetime | None = None
    ) -> Iterator[list[dict]]:
        """Coupons modified in the window (all of them without one), sorted by id."""
        return self.iter_pages("coupons", {**BY_ID, **self.modified_query(modified_from, modified_to)})

    def get_system_status(self) -> dict:
        """``system_status`` as WooCommerce returns it (environment, database, settings, …)."""
        body = self.get_json("system_status")
        if not isinstance(body, dict):
            raise WooCommerceAPIError(
                f"GET {url_path(self._url('system_status'))}: expected a JSON object",
                method="GET",
                path=url_path(self._url("system_status")),
                status=200,
            )
        return body

    def get_site_index(self) -> dict:
        """The WordPress REST index (``/wp-json/``): the site's name, ``timezone_string``, ``gmt_offset``."""
        url = f"{self.site_url}/wp-json/"
        body = self._json(url, self._get(url, None))
        return body if isinstance(body, dict) else {}

    def get_store_settings(self) -> StoreSettings:
        """The store's currency, decimals, timezone and tax setting (:class:`StoreSettings`): three
        requests (``system_status``, ``/wp-json/``, ``settings/tax/woocommerce_prices_include_tax``)."""
        status = self.get_system_status()
        settings = status.get("settings") if isinstance(status.get("settings"), dict) else {}
        environment = status.get("environment") if isinstance(status.get("environment"), dict) else {}
        index = self.get_site_index()
        timezone = index.get("timezone_string") or None
        offset = index.get("gmt_offset")
        try:
            gmt_offset = float(offset) if offset not in (None, "") else None
        except (TypeError, ValueError):
            gmt_offset = None
        try:
            setting = self.get_json("settings/tax/woocommerce_prices_include_tax")
            value = setting.get("value") if isinstance(setting, dict) else None
            prices_include_tax = (
                {"yes": True, "no": False}.get(str(value).lower()) if value is not None else None
            )
        except (WooCommercePermissionError, WooCommerceNotFoundError):
            prices_include_tax = None
        decimals = settings.get("number_of_decimals")
        return StoreSettings(
            currency=settings.get("currency") or None,
            number_of_decimals=decimals
            if isinstance(decimals, int) and not isinstance(decimals, bool)
            else None,
            timezone=str(timezone) if timezone else None,
            gmt_offset=gmt_offset,
            prices_include_tax=prices_include_tax,
            wc_version=environment.get("version") or environment.get("wc_version") or None,
        )


# ---------------------------------------------------------------------------------------------------------
# Dagster resource
# ---------------------------------------------------------------------------------------------------------
class WooCommerceClientResource(ClientSettings):
    """Configuration for WooCommerce REST API access; :meth:`for_connection` returns a client for one
    tenant's site. Holds no secret. Timeouts, retry policy, ``max_pages`` and the response bounds:
    :class:`ClientSettings`."""

    #: Records per page (WooCommerce allows at most 100; fewer pages is fewer PHP boots on the host).
    per_page: int = MAX_PER_PAGE
    #: Seconds between two requests to one site at least, across all threads (0: no pacing). WooCommerce
    #: has no rate limit of its own; hosts and firewalls do. A connection may set its own.
    request_interval_seconds: float = 0.0
    #: Pages of one walk in flight at once once the total pages are known (a connection may set its own).
    page_concurrency: int = 2
    #: Times a walk is repeated when the listed records shrank under it (see docs/woocommerce-client.md).
    max_rewalks: int = 2

    def for_site(
        self,
        site_url: str,
        consumer_key: str,
        consumer_secret: str,
        *,
        auth: str = "auto",
        request_interval_seconds: float | None = None,
        page_concurrency: int | None = None,
        key_source: str | None = None,
        secret_source: str | None = None,
        sleep: Sleep = time.sleep,
        pacers: PacerRegistry | None = None,
        rng: random.Random | None = None,
        session_factory: Callable[[], requests.Session] | None = None,
    ) -> WooCommerceSiteClient:
        """A client for ``site_url`` with these keys; ``key_source``/``secret_source`` (e.g. "environment
        variable ACME_WC_KEY") are named in the errors about them. The last four keyword arguments are for
        tests (a fake sleep, a private pacer registry on a fake clock, seeded jitter, a prepared session)."""
        return WooCommerceSiteClient(
            site_url,
            consumer_key,
            consumer_secret,
            auth=auth,
            per_page=self.per_page,
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            policy=self.retry_policy(),
            request_interval=(
                self.request_interval_seconds
                if request_interval_seconds is None
                else request_interval_seconds
            ),
            page_concurrency=self.page_concurrency if page_concurrency is None else page_concurrency,
            max_rewalks=self.max_rewalks,
            max_pages=self.max_pages,
            response_deadline=self.response_deadline_seconds,
            max_response_bytes=self.max_response_bytes,
            pacers=pacers,
            sleep=sleep,
            rng=rng,
            session_factory=session_factory,
            key_source=key_source,
            secret_source=secret_source,
        )

    def for_connection(self, connection: SiteConnection, **test_options: Any) -> WooCommerceSiteClient:
        """A client for a tenant's WooCommerce connection, its key and secret read now from the
        environment variables the connection names (errors name the variable, never the value)."""
        try:
            consumer_key = read_secret(connection.consumer_key_env)
            consumer_secret = read_secret(connection.consumer_secret_env)
        except SecretValueError as exc:
            error = SecretValueError(f"{exc} (the WooCommerce REST API key for {connection.site_url})")
        else:
            return self.for_site(
                connection.site_url,
                consumer_key,
                consumer_secret,
                auth=connection.auth,
                request_interval_seconds=connection.request_interval_seconds,
                page_concurrency=connection.page_concurrency,
                key_source=f"environment variable {connection.consumer_key_env}",
                secret_source=f"environment variable {connection.consumer_secret_env}",
                **test_options,
            )
        raise error  # outside the except block: nothing chained
