"""Serve a simulator's own URL scheme (``sandbox://name/...``, ``woosandbox://name/...``) inside the
process: the shared part of a ``requests`` transport adapter.

No sockets: a subclass of :class:`InProcessAdapter` finds the shop or site named by the URL's host and hands
it the request (:meth:`InProcessAdapter.answer`); the adapter wraps the answer in a real
``requests.Response`` (status, headers, body, url, encoding). Faults behave like on the wire: a ``drop``
(:class:`~sandbox.common.faults.ConnectionDropped`) raises ``requests.ConnectionError``, a delay longer than
the read timeout raises ``requests.ReadTimeout``.

Use :func:`mount` rather than ``session.mount`` alone: ``requests`` silently drops ``params=`` for URLs
whose scheme is not http(s), and :func:`mount` also makes the session encode them for the adapter's scheme.
"""

from __future__ import annotations

import copy
import io
import time
from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import Any
from urllib.parse import SplitResult, urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from sandbox.common.faults import ConnectionDropped
from sandbox.common.httpserver import FileBody

Answer = tuple[int, Mapping[str, str], bytes]
Sleep = Callable[[float], None]


def read_timeout(timeout: object) -> float | None:
    """The read timeout of a ``requests`` ``timeout`` (a number, or a (connect, read) tuple)."""
    if isinstance(timeout, tuple):
        timeout = timeout[1] if len(timeout) > 1 else timeout[0]
    return float(timeout) if isinstance(timeout, int | float) else None


class InProcessAdapter(BaseAdapter):
    """A ``requests`` adapter answering ``{scheme}name/...`` URLs from a registry of simulated shops or
    sites. Subclasses set :attr:`scheme` and implement :meth:`lookup` and :meth:`answer`."""

    #: The URL prefix served, e.g. ``"sandbox://"``.
    scheme: str = ""

    def lookup(self, name: str) -> Any:
        """The shop or site registered as ``name``; ``KeyError`` if none is."""
        raise NotImplementedError

    def answer(
        self, target: Any, method: str, parts: SplitResult, request: requests.PreparedRequest, sleep: Sleep
    ) -> Answer:
        """(status, headers, body) of ``target``'s API for the request (``parts``: its split URL). ``sleep``
        is the one the API must use for delays: it raises ``ReadTimeout`` past the read timeout."""
        raise NotImplementedError

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: object = None,
        verify: object = True,
        cert: object = None,
        proxies: object = None,
    ) -> requests.Response:
        """Hand the request to the target's API and wrap its answer in a real ``requests.Response``."""
        parts = urlsplit(request.url or "")
        name = parts.netloc
        try:
            target = self.lookup(name)
        except KeyError as error:
            raise requests.exceptions.ConnectionError(str(error), request=request) from None
        limit = read_timeout(timeout)
        waited = 0.0

        def sleep(seconds: float) -> None:
            nonlocal waited
            if limit is not None and waited + seconds > limit:
                time.sleep(max(0.0, limit - waited))
                raise requests.exceptions.ReadTimeout(
                    f"{self.scheme}{name}: read timed out (read timeout={limit})", request=request
                )
            waited += seconds
            time.sleep(seconds)

        try:
            status, headers, body = self.answer(
                target, (request.method or "GET").upper(), parts, request, sleep
            )
        except ConnectionDropped:
            raise requests.exceptions.ConnectionError(
                f"{self.scheme}{name}: connection closed without response (injected drop)", request=request
            ) from None
        return self._response(request, status, headers, body)

    def _response(
        self, request: requests.PreparedRequest, status: int, headers: Mapping[str, str], body: bytes
    ) -> requests.Response:
        response = requests.Response()
        response.status_code = status
        try:
            response.reason = HTTPStatus(status).phrase
        except ValueError:
            response.reason = ""
        if isinstance(body, FileBody):  # streamed like a download: read from the file on demand
            response.headers = CaseInsensitiveDict({**headers, "Content-Length": str(body.size)})
            response._content = False
            response._content_consumed = False
            response.raw = open(body.path, "rb")  # noqa: SIM115 - closed by the response
        else:
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


def mount(session: requests.Session, adapter: InProcessAdapter) -> requests.Session:
    """Route the adapter's scheme of ``session`` to it (idempotent); returns the session."""
    scheme = adapter.scheme
    session.mount(scheme, adapter)
    marker = f"_storehouse_{scheme.removesuffix('://')}_mounted"
    if getattr(session, marker, False):
        return session
    original = session.prepare_request

    def prepare_request(request: requests.Request) -> requests.PreparedRequest:
        url = request.url
        if isinstance(url, str) and url.lower().startswith(scheme):
            # requests only encodes params for http(s) URLs: prepare as http, then restore the scheme.
            as_http = copy.copy(request)
            as_http.url = "http://" + url[len(scheme) :]
            prepared = original(as_http)
            prepared.url = scheme + (prepared.url or "")[len("http://") :]
            return prepared
        return original(request)

    session.prepare_request = prepare_request  # type: ignore[method-assign]
    setattr(session, marker, True)
    return session
