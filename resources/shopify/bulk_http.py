"""The bulk load's own HTTP call: the streamed download of the result file.

GraphQL requests (start, poll) go through the GraphQL client's one POST path,
:meth:`resources.shopify.graphql.ShopifyGraphQLClient.bulk_execute` (retries, cost pacing, ``THROTTLED``,
the token header; a mutation is sent again only after a 429 or ``THROTTLED``, never after a timeout or a
5xx, which may hide a started job); the runner takes any :data:`GraphQLExecute`.

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

import requests
import tenacity

from resources.http import (
    TRANSIENT_EXCEPTIONS,
    RetryPolicy,
    Sleep,
    WaitRetryAfter,
    retry_condition,
)
from resources.secrets import install_log_filter, remember
from resources.shopify.client import ShopifyAPIError
from resources.transports import NETWORK_SCHEMES, transport_for

log = logging.getLogger(__name__)
install_log_filter(__name__)

#: ``execute(query, variables)`` -> the response's ``data``; raises on GraphQL or HTTP errors.
GraphQLExecute = Callable[[str, Mapping[str, Any]], dict]
#: Bytes per read while streaming the result file.
DOWNLOAD_CHUNK = 1024 * 1024


class BulkDownloadGone(Exception):
    """The result file's URL no longer serves it (expired or removed): the job must be run again."""


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
