"""What the platform REST clients share: their common configuration, their base URL check and the way a
failed request becomes the client's own error without chaining the original (whose text may quote a
secret).

Each client keeps what is its platform's own (authentication, error bodies, pagination, resources) in its
folder under ``resources/``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import dagster as dg
import requests

from resources.http import (
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_RESPONSE_DEADLINE,
    ResponseTooLarge,
    RetriesExhausted,
    RetryPolicy,
    url_path,
)
from resources.pagination import DEFAULT_MAX_PAGES
from resources.transports import NETWORK_SCHEMES, Mount, transport_for


class ClientSettings(dg.ConfigurableResource):
    """Configuration every REST client resource has: timeouts, retry policy and the bounds of a walk and
    of a response. Holds no secret."""

    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    max_attempts: int = 8
    backoff_base_seconds: float = 0.5
    backoff_max_seconds: float = 30.0
    #: Pages one walk (one window's chain of cursors) may take before it is stopped as endless.
    max_pages: int = DEFAULT_MAX_PAGES
    #: Seconds one response may take in all, body download included (None: no total deadline; the
    #: connect and read timeouts still apply). Exceeding it is a transient failure, retried.
    response_deadline_seconds: float | None = DEFAULT_RESPONSE_DEADLINE
    #: Bytes one response body may hold (None: no limit). A bigger body is an error, not retried.
    max_response_bytes: int | None = DEFAULT_MAX_RESPONSE_BYTES

    def retry_policy(self) -> RetryPolicy:
        return RetryPolicy(
            max_attempts=self.max_attempts,
            backoff_base=self.backoff_base_seconds,
            backoff_max=self.backoff_max_seconds,
        )


def parse_base_url(url: str, *, name: str, usage: str) -> tuple[str, Mount | None]:
    """``url`` without trailing slash, and the transport to mount for its scheme (None for http(s)).

    Refused with ``ValueError``: a user name or password in it (never shown), no scheme or host (``"{name}
    must be {usage}"``), a query or fragment, a scheme without a registered transport.
    """
    parts = urlsplit(url.strip())
    if "@" in parts.netloc:  # checked first: the messages below would show the URL
        raise ValueError(f"{name} must not carry a user name or password (user:pass@host; not shown)")
    if not parts.scheme or not parts.netloc:
        raise ValueError(f"{name} must be {usage}")
    mount = None if parts.scheme in NETWORK_SCHEMES else transport_for(parts.scheme)
    if parts.query or parts.fragment:
        raise ValueError(f"{name} must not carry a query or fragment")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}", mount


def send_unchained(
    send: Callable[[], requests.Response],
    method: str,
    url: str,
    *,
    api_error: Callable[..., Exception],
    describe: Callable[[requests.Response], tuple[str, Mapping[str, Any]]],
) -> requests.Response:
    """``send()``'s response (any status), or its failure raised as ``api_error``, unchained.

    Retries exhausted, a body over the size limit and a request that could not be sent become
    ``api_error(message, method=, path=, status=, api_message=, [attempts=,] ...)``; ``describe(response)``
    gives the text after ``HTTP {status}`` and the error's keyword arguments for an answer (e.g. ``status``,
    ``api_message``). The error is raised outside the ``except`` blocks, so neither ``__cause__`` nor
    ``__context__`` holds the original exception: a traceback prints both, and theirs may quote a secret
    (a header's value, a URL with credentials in its query).
    """
    path = url_path(url)
    failure: Exception | None = None
    try:
        return send()
    except RetriesExhausted as exc:
        if exc.response is not None:
            what, details = describe(exc.response)
        else:
            what = f"network error ({type(exc.error).__name__})"
            details = {"status": None, "api_message": ""}
        failure = api_error(
            f"{method} {path} -> {what}; gave up after {exc.attempts} attempts",
            method=method,
            path=path,
            attempts=exc.attempts,
            **details,
        )
    except ResponseTooLarge as exc:
        failure = api_error(
            f"{method} {path} -> {exc}", method=method, path=path, status=exc.status, api_message=""
        )
    except requests.RequestException as exc:
        # e.g. InvalidHeader, whose message quotes the header's value; the error class scrubs its message.
        failure = api_error(
            f"{method} {path} -> request not sent ({type(exc).__name__}): {exc}",
            method=method,
            path=path,
            status=None,
            api_message="",
        )
    raise failure
