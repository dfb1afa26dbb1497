"""Serve ``sandbox://{shop}/admin/api/...`` URLs inside the process: a ``requests`` transport adapter.

No sockets: the adapter hands the request to the shop's :class:`ShopifyAPI` and wraps the answer in a real
``requests.Response`` (status, headers including ``Link`` with ``sandbox://{shop}`` URLs, body, url,
encoding). Faults behave like on the wire: ``drop`` raises ``requests.ConnectionError``, a delay longer than
the read timeout raises ``requests.ReadTimeout``.

Use :func:`mount` rather than ``session.mount`` alone: ``requests`` silently drops ``params=`` for URLs
whose scheme is not http(s), and :func:`mount` also makes the session encode them for ``sandbox://``.
"""

from __future__ import annotations

import copy
import io
import time
from http import HTTPStatus
from urllib.parse import urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from sandbox.shopify.debug import PREFIX as DEBUG_PREFIX
from sandbox.shopify.debug import handle_debug
from sandbox.shopify.faults import ConnectionDropped
from sandbox.shopify.registry import get_shop

SCHEME = "sandbox://"


def _read_timeout(timeout: object) -> float | None:
    if isinstance(timeout, tuple):
        timeout = timeout[1] if len(timeout) > 1 else timeout[0]
    return float(timeout) if isinstance(timeout, int | float) else None


class SandboxAdapter(BaseAdapter):
    """A ``requests`` adapter answering ``sandbox://`` URLs from the shop registry."""

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: object = None,
        verify: object = True,
        cert: object = None,
        proxies: object = None,
    ) -> requests.Response:
        url = request.url or ""
        parts = urlsplit(url)
        name = parts.netloc
        try:
            shop = get_shop(name)
        except KeyError as error:
            raise requests.exceptions.ConnectionError(str(error), request=request) from None
        method = (request.method or "GET").upper()
        path = parts.path or "/"
        if path.startswith(DEBUG_PREFIX):
            status, headers, body = handle_debug(shop, method, path, parts.query)
        else:
            limit = _read_timeout(timeout)
            waited = 0.0

            def sleep(seconds: float) -> None:
                nonlocal waited
                if limit is not None and waited + seconds > limit:
                    time.sleep(max(0.0, limit - waited))
                    raise requests.exceptions.ReadTimeout(
                        f"sandbox://{name}: read timed out (read timeout={limit})", request=request
                    )
                waited += seconds
                time.sleep(seconds)

            try:
                status, headers, body = shop.api.handle(
                    method, path, parts.query, request.headers, f"{SCHEME}{name}", sleep=sleep
                )
            except ConnectionDropped:
                raise requests.exceptions.ConnectionError(
                    f"sandbox://{name}: connection closed without response (injected drop)", request=request
                ) from None
        return self._response(request, status, headers, body)

    def _response(
        self, request: requests.PreparedRequest, status: int, headers: dict[str, str], body: bytes
    ) -> requests.Response:
        response = requests.Response()
        response.status_code = status
        try:
            response.reason = HTTPStatus(status).phrase
        except ValueError:
            response.reason = ""
        response.headers = CaseInsensitiveDict({**headers, "Content-Length": str(len(body))})
        response._content = body
        response._content_consumed = True
        response.raw = io.BytesIO(body)
        response.url = request.url or ""
        response.encoding = "utf-8"
        response.request = request
        response.connection = self
        return response

    def close(self) -> None:
        """Nothing to release: there are no connections."""


def mount(session: requests.Session) -> requests.Session:
    """Route ``sandbox://`` URLs of ``session`` to the in-process sandbox (idempotent); returns it."""
    session.mount(SCHEME, SandboxAdapter())
    if getattr(session, "_storehouse_sandbox_mounted", False):
        return session
    original = session.prepare_request

    def prepare_request(request: requests.Request) -> requests.PreparedRequest:
        url = request.url
        if isinstance(url, str) and url.lower().startswith(SCHEME):
            # requests only encodes params for http(s) URLs: prepare as http, then restore the scheme.
            as_http = copy.copy(request)
            as_http.url = "http://" + url[len(SCHEME) :]
            prepared = original(as_http)
            prepared.url = SCHEME + (prepared.url or "")[len("http://") :]
            return prepared
        return original(request)

    session.prepare_request = prepare_request  # type: ignore[method-assign]
    session._storehouse_sandbox_mounted = True  # type: ignore[attr-defined]
    return session
