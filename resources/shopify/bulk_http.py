"""The two HTTP calls a bulk load makes: GraphQL requests to the shop, and the streamed download of the
result file.

:class:`GraphQLPoster` is a minimal GraphQL client, one callable ``execute(query, variables) -> data``
(:data:`GraphQLExecute`), so that the bulk runner takes any executor: the paginated GraphQL client
(``resources/shopify/graphql.py``, when it lands) can replace it without the runner changing. It posts
with the shop's token header, and retries on the shared policy of ``resources/http.py`` (tenacity,
:func:`~resources.http.retry_condition`, :class:`~resources.http.WaitRetryAfter`: 429 and 5xx with
``Retry-After`` honoured, transient network errors), plus ``THROTTLED`` answers, waited out from the
``throttleStatus`` Shopify sends. A *mutation* (e.g. ``bulkOperationRunQuery``) is retried only on 429 and
``THROTTLED``, which Shopify answers without running it: a timed-out or 5xx mutation may have started a
job, and the runner finds that job rather than starting a second one.

:func:`download` streams the result file to disk (never held in memory), checks it arrived whole, and
retries transient failures from the start. The file's URL is signed (a credential for the shop's data):
it is never put in an exception, and registered as a secret (``resources/secrets.py``) before it is
requested, so that ``urllib3``'s debug log line shows it redacted; the access token is never sent with it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import orjson
import requests
import tenacity

from resources.client_base import parse_base_url
from resources.http import (
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_RESPONSE_DEADLINE,
    TRANSIENT_EXCEPTIONS,
    ResponseTooLarge,
    RetryPolicy,
    Sleep,
    WaitRetryAfter,
    read_body,
    retry_condition,
    url_path,
)
from resources.secrets import check_header_value, install_log_filter, remember
from resources.shopify.client import TOKEN_HEADER, ShopifyAPIError, ShopifyAuthError
from resources.transports import NETWORK_SCHEMES, transport_for

log = logging.getLogger(__name__)
install_log_filter(__name__)

#: ``execute(query, variables)`` -> the response's ``data``; raises on GraphQL or HTTP errors.
GraphQLExecute = Callable[[str, Mapping[str, Any]], dict]
#: Bytes per read while streaming the result file.
DOWNLOAD_CHUNK = 1024 * 1024


class BulkDownloadGone(Exception):
    """The result file's URL no longer serves it (expired or removed): the job must be run again."""


class GraphQLPoster:
    """``POST {shop}/admin/api/{version}/graphql.json``: a :data:`GraphQLExecute` (see module doc)."""

    def __init__(
        self,
        shop_url: str,
        token: str,
        *,
        api_version: str = "2025-07",
        policy: RetryPolicy | None = None,
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        session: requests.Session | None = None,
        sleep: Sleep = time.sleep,
        rng: random.Random | None = None,
        token_source: str | None = None,
    ) -> None:
        token = check_header_value(token, token_source or "the access token given to the GraphQL client")
        self.shop_url, mount = parse_base_url(
            shop_url, name="shop_url", usage=f"http(s)://host[/prefix] or sandbox://name, got {shop_url!r}"
        )
        self.url = f"{self.shop_url}/admin/api/{api_version}/graphql.json"
        self.session = session or requests.Session()
        if mount is not None:
            mount(self.session)
        self.policy = policy or RetryPolicy()
        self.timeout = (connect_timeout, read_timeout)
        self._headers = {
            TOKEN_HEADER: token,
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._token_source = token_source

    def __repr__(self) -> str:
        return f"GraphQLPoster(url={self.url!r})"

    def close(self) -> None:
        self.session.close()

    def __call__(self, query: str, variables: Mapping[str, Any] | None = None) -> dict:
        body = orjson.dumps({"query": query, "variables": dict(variables or {})})
        mutation = query.lstrip().startswith("mutation")
        for attempt in range(1, self.policy.max_attempts + 1):
            payload = self._post(body, mutation)
            errors = payload.get("errors")
            throttled = isinstance(errors, list) and any(
                (error.get("extensions") or {}).get("code") == "THROTTLED" for error in errors
            )
            if throttled and attempt < self.policy.max_attempts:
                self._sleep(_throttle_wait(payload))
                continue
            if errors:
                raise self._error(f"GraphQL errors: {_error_text(errors)}", 200, _error_text(errors))
            data = payload.get("data")
            if not isinstance(data, dict):
                raise self._error("the response has no data", 200, "")
            return data
        raise AssertionError("unreachable")  # the last attempt returns or raises

    def _post(self, body: bytes, mutation: bool) -> dict:
        """One POST, retried as the module doc says; the parsed JSON answer."""
        retry = retry_condition(self.policy)
        if mutation:
            retry = tenacity.retry_if_result(lambda response: response.status_code == 429)
        path = url_path(self.url)
        failure: Exception | None = None
        try:
            response = tenacity.Retrying(
                retry=retry,
                wait=WaitRetryAfter(self.policy, self._rng),
                stop=tenacity.stop_after_attempt(self.policy.max_attempts),
                sleep=self._sleep,
                retry_error_callback=lambda state: state.outcome.result(),
                reraise=True,
            )(self._send, body)
        except TRANSIENT_EXCEPTIONS as error:
            failure = self._error(f"network error ({type(error).__name__})", None, "")
        except ResponseTooLarge as error:
            failure = self._error(str(error), error.status, "")
        if failure is not None:
            raise failure  # outside the except block: the original (which may quote a header) is not chained
        status = response.status_code
        if status == 401:
            refused = f"; the shop refused the token in {self._token_source}" if self._token_source else ""
            raise ShopifyAuthError(
                f"POST {path} -> HTTP 401{refused}", method="POST", path=path, status=401, api_message=""
            )
        try:
            payload = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            payload = None
        if status >= 300 or not isinstance(payload, dict):
            text = response.content[:200].decode("utf-8", "replace")
            raise self._error(f"HTTP {status}: {text}", status, text)
        return payload

    def _send(self, body: bytes) -> requests.Response:
        response = self.session.post(
            self.url, data=body, headers=self._headers, timeout=self.timeout, stream=True
        )
        deadline = time.monotonic() + DEFAULT_RESPONSE_DEADLINE
        read_body(response, url_path(self.url), deadline=deadline, max_bytes=DEFAULT_MAX_RESPONSE_BYTES)
        return response

    def _error(self, what: str, status: int | None, api_message: str) -> ShopifyAPIError:
        path = url_path(self.url)
        return ShopifyAPIError(
            f"POST {path} -> {what}", method="POST", path=path, status=status, api_message=api_message
        )


def _error_text(errors: Any) -> str:
    if isinstance(errors, list):
        return "; ".join(
            str(error.get("message", error)) if isinstance(error, dict) else str(error) for error in errors
        )
    return str(errors)


def _throttle_wait(payload: dict) -> float:
    """Seconds until the bucket holds the points the throttled query asked for (1 s if not told)."""
    cost = (payload.get("extensions") or {}).get("cost") or {}
    status = cost.get("throttleStatus") or {}
    try:
        missing = float(cost["requestedQueryCost"]) - float(status["currentlyAvailable"])
        return max(missing / float(status["restoreRate"]), 0.05)
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return 1.0


def download(
    url: str,
    destination: str | os.PathLike[str],
    *,
    policy: RetryPolicy | None = None,
    session: requests.Session | None = None,
    timeout: tuple[float, float] = (5.0, 60.0),
    sleep: Sleep = time.sleep,
    rng: random.Random | None = None,
) -> int:
    """Stream ``url`` to ``destination`` (written to a temporary file, then renamed): its size in bytes.

    Raises :class:`BulkDownloadGone` on 403/404 (the signed URL expired or the file is gone), and
    ``ShopifyAPIError`` once the retries of a transient failure (network, 429, 5xx, a body cut short of
    its ``Content-Length``) are spent. Neither message shows the URL.
    """
    _remember_signed(url)
    policy = policy or RetryPolicy()
    session = session or requests.Session()
    scheme = urlsplit(url).scheme
    if scheme not in NETWORK_SCHEMES:
        transport_for(scheme)(session)
    destination = os.fspath(destination)
    tmp = f"{destination}.part"
    failure: Exception | None = None
    try:
        written = tenacity.Retrying(
            retry=retry_condition(policy) | tenacity.retry_if_exception_type(_Truncated),
            wait=WaitRetryAfter(policy, rng),
            stop=tenacity.stop_after_attempt(policy.max_attempts),
            sleep=sleep,
            retry_error_callback=lambda state: state.outcome.result(),
            reraise=True,
        )(_stream_once, session, url, tmp, timeout)
    except (*TRANSIENT_EXCEPTIONS, _Truncated) as error:
        failure = ShopifyAPIError(
            f"GET the bulk result file -> {type(error).__name__}; "
            f"gave up after {policy.max_attempts} attempts",
            method="GET",
            path="(signed result URL)",
            status=None,
            api_message="",
        )
    if failure is not None:
        _remove(tmp)
        raise failure
    if isinstance(written, requests.Response):  # a retryable status on the last attempt
        _remove(tmp)
        status = written.status_code
        written.close()
        raise ShopifyAPIError(
            f"GET the bulk result file -> HTTP {status}; gave up after {policy.max_attempts} attempts",
            method="GET",
            path="(signed result URL)",
            status=status,
            api_message="",
        )
    os.replace(tmp, destination)
    return written.size


def _remember_signed(url: str) -> None:
    """Register the signed parts of the result URL as secrets, so that ``urllib3``'s debug line of the
    request (``"GET {path}?{query} HTTP/1.1"``) and any other log record show them redacted."""
    parts = urlsplit(url)
    remember(url)
    remember(parts.path + (f"?{parts.query}" if parts.query else ""))
    if parts.query:
        remember(parts.query)


class _Truncated(Exception):
    """The body ended before its ``Content-Length``."""


@dataclass(frozen=True)
class _Stored:
    """A whole body written (``status_code`` so that the shared retry condition reads it as a 200)."""

    size: int
    status_code: int = 200


def _stream_once(
    session: requests.Session, url: str, tmp: str, timeout: tuple[float, float]
) -> _Stored | requests.Response:
    """One attempt: what was written, or the response when its status is to be retried."""
    response = session.get(url, stream=True, timeout=timeout)
    status = response.status_code
    if status in (403, 404, 410):
        response.close()
        raise BulkDownloadGone(f"the bulk result file is no longer served (HTTP {status})")
    if status != 200:
        return response
    declared = response.headers.get("Content-Length", "")
    written = 0
    with response, open(tmp, "wb") as out:
        for chunk in response.iter_content(DOWNLOAD_CHUNK):
            out.write(chunk)
            written += len(chunk)
        out.flush()
        os.fsync(out.fileno())
    if declared.isdigit() and int(declared) != written:
        raise _Truncated(f"{written} of {declared} bytes")
    return _Stored(written)


def _remove(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
