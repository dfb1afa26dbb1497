"""Serve ``woosandbox://{site}/wp-json/...`` inside the process: a ``requests`` transport adapter.

No sockets. The in-process scheme counts as HTTPS (``is_ssl()``), so HTTP Basic keys and the
``consumer_key``/``consumer_secret`` query fallback are accepted, like on a real ``https://`` site.
``Link`` headers and ``_links`` carry ``woosandbox://{site}`` URLs. Faults behave as on the wire: ``drop``
raises ``requests.ConnectionError``, a delay longer than the read timeout raises ``requests.ReadTimeout``.
The adapter's plumbing is the simulators' shared one (``sandbox/common/inprocess.py``).

Use :func:`mount` (the ``storehouse.transports`` entry point ``woosandbox``): ``requests`` drops
``params=`` for URLs whose scheme is not http(s), and :func:`mount` makes the session encode them.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import SplitResult

import requests

from sandbox.common import inprocess
from sandbox.common.inprocess import Answer, InProcessAdapter, Sleep
from sandbox.woocommerce.model import WooSite
from sandbox.woocommerce.registry import get_site

SCHEME = "woosandbox://"


class WooSandboxAdapter(InProcessAdapter):
    """A ``requests`` adapter answering ``woosandbox://`` URLs from the site registry."""

    scheme = SCHEME

    def lookup(self, name: str) -> WooSite:
        return get_site(name)

    def answer(
        self, target: Any, method: str, parts: SplitResult, request: requests.PreparedRequest, sleep: Sleep
    ) -> Answer:
        return target.api.handle(
            method,
            parts.path or "/",
            parts.query,
            request.headers,
            f"{SCHEME}{parts.netloc}",
            is_ssl=True,
            sleep=sleep,
        )


def mount(session: requests.Session) -> requests.Session:
    """Route ``woosandbox://`` URLs of ``session`` to the in-process sandbox (idempotent); returns it."""
    return inprocess.mount(session, WooSandboxAdapter())
