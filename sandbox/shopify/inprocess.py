"""Serve ``sandbox://{shop}/admin/api/...`` URLs inside the process: a ``requests`` transport adapter.

No sockets: the adapter hands the request to the shop's :class:`ShopifyAPI` (or its ``/_sandbox/`` debug
routes) and wraps the answer in a real ``requests.Response`` (status, headers including ``Link`` with
``sandbox://{shop}`` URLs, body, url, encoding). Faults behave like on the wire: ``drop`` raises
``requests.ConnectionError``, a delay longer than the read timeout raises ``requests.ReadTimeout``. The
adapter's plumbing is the simulators' shared one (``sandbox/common/inprocess.py``).

Use :func:`mount` rather than ``session.mount`` alone: ``requests`` silently drops ``params=`` for URLs
whose scheme is not http(s), and :func:`mount` also makes the session encode them for ``sandbox://``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import SplitResult

import requests

from sandbox.common import inprocess
from sandbox.common.inprocess import Answer, InProcessAdapter, Sleep
from sandbox.shopify.debug import PREFIX as DEBUG_PREFIX
from sandbox.shopify.debug import handle_debug
from sandbox.shopify.model import SandboxShop
from sandbox.shopify.registry import get_shop

SCHEME = "sandbox://"


class SandboxAdapter(InProcessAdapter):
    """A ``requests`` adapter answering ``sandbox://`` URLs from the shop registry."""

    scheme = SCHEME

    def lookup(self, name: str) -> SandboxShop:
        return get_shop(name)

    def answer(
        self, target: Any, method: str, parts: SplitResult, request: requests.PreparedRequest, sleep: Sleep
    ) -> Answer:
        path = parts.path or "/"
        if path.startswith(DEBUG_PREFIX):
            return handle_debug(target, method, path, parts.query)
        body = request.body or b""
        return target.api.handle(
            method,
            path,
            parts.query,
            request.headers,
            f"{SCHEME}{parts.netloc}",
            sleep=sleep,
            body=body.encode("utf-8") if isinstance(body, str) else body,
        )


def mount(session: requests.Session) -> requests.Session:
    """Route ``sandbox://`` URLs of ``session`` to the in-process sandbox (idempotent); returns it."""
    return inprocess.mount(session, SandboxAdapter())
