"""Serve ``woosandbox://{site}/wp-json/...`` inside the process: a ``requests`` transport adapter.

No sockets. The in-process scheme counts as HTTPS (``is_ssl()``), so HTTP Basic keys and the
``consumer_key``/``consumer_secret`` query fallback are accepted, like on a real ``https://`` site.
``Link`` headers and ``_links`` carry ``woosandbox://{site}`` URLs. Faults behave as on the wire: ``drop``
raises ``requests.ConnectionError``, a delay longer than the read timeout raises ``requests.ReadTimeout``.

Use :func:`mount` (the ``storehouse.transports`` entry point ``woosandbox``): ``requests`` drops
``params=`` for URLs whose scheme is not http(s), and :func:`mount` makes the session encode them.
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

from sandbox.woocommerce.faults import ConnectionDropped
from sandbox.woocommerce.registry import get_site

SCHEME = "woosandbox://"


def _read_timeout(timeout: object) -> float | None:
    if isinstance(timeout, tuple):
        timeout = timeout[1] if len(timeout) > 1 else timeout[0]
    return float(timeout) if isinstance(timeout, int | float) else None


class WooSandboxAdapter(BaseAdapter):
    """A ``requests`` adapter answering ``woosandbox://`` URLs from the site registry."""

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: object = None,
        verify: object = True,
        cert: object = None,
        proxies: object = None,
    ) -> requests.Response:
        """Hand the request to the site's API and wrap its answer in a real ``requests.Response``."""
        parts = urlsplit(request.url or "")
        name = parts.netloc
        try:
            site = get_site(name)
        except KeyError as error:
            raise requests.exceptions.ConnectionError(str(error), request=request) from None
        limit = _read_timeout(timeout)
        waited = 0.0

        def sleep(seconds: float) -> None:
            nonlocal waited
            if limit is not None and waited + seconds > limit:
                time.sleep(max(0.0, limit - waited))
                raise requests.exceptions.ReadTimeout(f"woosandbox://{name}: read timed out", request=request)
            waited += seconds
            time.sleep(seconds)

        try:
            status, headers, body = site.api.handle(
                (request.method or "GET").upper(),
                parts.path or "/",
                parts.query,
                request.headers,
                f"{SCHEME}{name}",
                is_ssl=True,
                sleep=sleep,
            )
        except ConnectionDropped:
            raise requests.exceptions.ConnectionError(
                f"woosandbox://{name}: connection closed without response (injected drop)", request=request
            ) from None
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
    """Route ``woosandbox://`` URLs of ``session`` to the in-process sandbox (idempotent); returns it."""
    session.mount(SCHEME, WooSandboxAdapter())
    if getattr(session, "_storehouse_woosandbox_mounted", False):
        return session
    original = session.prepare_request

    def prepare_request(request: requests.Request) -> requests.PreparedRequest:
        url = request.url
        if isinstance(url, str) and url.lower().startswith(SCHEME):
            as_http = copy.copy(request)
            as_http.url = "http://" + url[len(SCHEME) :]
            prepared = original(as_http)
            prepared.url = SCHEME + (prepared.url or "")[len("http://") :]
            return prepared
        return original(request)

    session.prepare_request = prepare_request  # type: ignore[method-assign]
    session._storehouse_woosandbox_mounted = True  # type: ignore[attr-defined]
    return session
