"""EnvironmentOnceSession (resources/http_session.py): the environment's proxies, NO_PROXY and CA bundle
honoured as ``requests`` honours them, looked up once per scheme and host instead of on every request;
a client behind a proxy keeps going through it."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import pytest
import requests

from resources import http_session
from resources.http_session import EnvironmentOnceSession
from resources.shopify.client import ShopifyShopClient
from resources.shopify.graphql import ShopifyGraphQLClient

PROXY_VARIABLES = (
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "no_proxy",
    "requests_ca_bundle",
    "curl_ca_bundle",
)


class _Recorder(http.server.BaseHTTPRequestHandler):
    """Answers every GET with 200 and its own name; remembers the request targets it was sent."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.server.seen.append(self.path)  # type: ignore[attr-defined]
        body = self.server.name.encode()  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


def _serve(name: str) -> Iterator[http.server.ThreadingHTTPServer]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.seen, server.name = [], name  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def proxy() -> Iterator[http.server.ThreadingHTTPServer]:
    yield from _serve("proxy")


@pytest.fixture
def origin() -> Iterator[http.server.ThreadingHTTPServer]:
    yield from _serve("origin")


@pytest.fixture
def lookups(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A clean proxy environment, and every URL the session asked the environment about."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    asked: list[str] = []
    real = http_session.get_environ_proxies

    def counted(url: str, no_proxy: str | None = None) -> dict:
        asked.append(url)
        return real(url, no_proxy=no_proxy)

    monkeypatch.setattr(http_session, "get_environ_proxies", counted)
    return asked


def test_behind_a_proxy_every_request_goes_through_it_with_one_lookup(
    proxy: http.server.ThreadingHTTPServer, lookups: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.server_address[1]}")
    session = EnvironmentOnceSession()
    answers = [session.get(f"http://shop.invalid/admin/{n}", timeout=5).text for n in range(3)]
    assert answers == ["proxy", "proxy", "proxy"]
    assert proxy.seen == [f"http://shop.invalid/admin/{n}" for n in range(3)]  # absolute targets: proxied
    assert lookups == ["http://shop.invalid/admin/0"]  # the environment read once for the host
    session.get("http://other.invalid/x", timeout=5)
    assert lookups == ["http://shop.invalid/admin/0", "http://other.invalid/x"]  # once per host


def test_no_proxy_hosts_are_reached_directly_as_requests_does(
    proxy: http.server.ThreadingHTTPServer,
    origin: http.server.ThreadingHTTPServer,
    lookups: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.server_address[1]}")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    url = f"http://127.0.0.1:{origin.server_address[1]}/direct"
    session = EnvironmentOnceSession()
    assert [session.get(url, timeout=5).text for _ in range(2)] == ["origin", "origin"]
    assert (origin.seen, proxy.seen, len(lookups)) == (["/direct", "/direct"], [], 1)
    assert requests.Session().get(url, timeout=5).text == "origin"  # requests' own answer, the same


@pytest.mark.parametrize(
    "environment",
    [
        {},
        {"HTTPS_PROXY": "http://proxy.invalid:3128"},
        {"HTTPS_PROXY": "http://proxy.invalid:3128", "NO_PROXY": "shop.invalid"},
        {"ALL_PROXY": "socks5://proxy.invalid:1080", "REQUESTS_CA_BUNDLE": "/etc/ssl/corporate.pem"},
        {"CURL_CA_BUNDLE": "/etc/ssl/curl.pem"},
    ],
)
def test_the_settings_are_the_ones_requests_merges(
    environment: dict[str, str], lookups: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    ours, theirs = EnvironmentOnceSession(), requests.Session()
    for url in (
        "https://shop.invalid/admin/api/graphql.json",
        "https://other.invalid/",
        "http://shop.invalid/",
    ):
        for verify in (None, False, "/explicit.pem"):
            for _repeat in range(2):
                assert ours.merge_environment_settings(url, {}, None, verify, None) == (
                    theirs.merge_environment_settings(url, {}, None, verify, None)
                )
    assert len(lookups) == 3  # one per scheme and host, whatever the requests


def test_without_trust_env_the_environment_is_not_read(
    lookups: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    session = EnvironmentOnceSession()
    session.trust_env = False
    settings = session.merge_environment_settings("https://shop.invalid/", {}, None, None, None)
    assert (settings["proxies"], settings["verify"], lookups) == ({}, True, [])


def test_the_shopify_clients_use_it() -> None:
    graphql = ShopifyGraphQLClient("https://shop.invalid", "token", api_version="2025-10")
    rest = ShopifyShopClient("https://shop.invalid", "token")
    assert isinstance(graphql._session, EnvironmentOnceSession)
    assert isinstance(rest._session, EnvironmentOnceSession)
