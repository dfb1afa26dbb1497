"""A real HTTP server for sandbox shops: ``http://127.0.0.1:{port}/{shop}/admin/api/{version}/...``.

Several shops share one server, each under its own path prefix (its *base URL*). Use :func:`serve` in
tests (a context manager running the server in a background thread), or the CLI::

    python -m sandbox.shopify.server --port 8765 [--shops demo-ny,demo-berlin] [--clock ISO]
        [--port-per-shop | --shop-port demo-ny=8766 ...]

A real shop lives at the root of its own origin (``https://{shop}.myshopify.com/admin/api/...``), and
clients written for Shopify build URLs that way. Two ways to reach a sandbox shop like that:

* its own port (``shop_ports`` / ``--shop-port`` / ``--port-per-shop``): ``http://127.0.0.1:8766`` serves
  that one shop at the root. Works for any client, no DNS needed.
* the ``Host`` header: on any port, a request for host ``{shop}.myshopify.com`` or ``{shop}.localhost``
  (any port) is served by that shop at the root, with ``Link`` URLs on that same host (for clients that
  set ``Host`` themselves, go through a proxy, or resolve ``*.localhost`` to the loopback).

Besides the Shopify API each shop answers ``/{shop}/_sandbox/ground_truth.json`` and
``/{shop}/_sandbox/clock.json`` (see ``debug.py``), or ``/_sandbox/...`` at its own origin. The server
scaffolding and CLI bits are the simulators' shared ones (``sandbox/common/httpserver.py``).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from urllib.parse import SplitResult

from sandbox.common.httpserver import (
    Answer,
    RunningServer,
    SandboxHandler,
    SandboxHTTPServer,
    add_common_arguments,
    parse_clock,
    parse_names,
    wait_until_interrupted,
)
from sandbox.shopify.debug import PREFIX as DEBUG_PREFIX
from sandbox.shopify.debug import handle_debug
from sandbox.shopify.model import SandboxShop

_NOT_FOUND = b'{"errors":"Not Found"}'
#: Host suffixes that name a shop in their first label: ``demo-ny.myshopify.com``, ``demo-ny.localhost``.
SHOP_HOST_SUFFIXES: tuple[str, ...] = ("myshopify.com", "localhost")


def shop_from_host(host: str | None, shops: Mapping[str, SandboxShop]) -> str | None:
    """The shop a ``Host`` header names (``{shop}.myshopify.com`` or ``{shop}.localhost``, any port)."""
    if not host:
        return None
    hostname = host.strip().lower()
    if hostname.startswith("["):  # an IPv6 literal names no shop
        return None
    hostname = hostname.rsplit(":", 1)[0].rstrip(".")
    name, _, suffix = hostname.partition(".")
    return name if suffix in SHOP_HOST_SUFFIXES and name in shops else None


class _HTTPServer(SandboxHTTPServer):
    def __init__(
        self,
        address: tuple[str, int],
        shops: Mapping[str, SandboxShop],
        verbose: bool,
        root_shop: str | None = None,
    ) -> None:
        super().__init__(address, _Handler, verbose)
        self.shops = dict(shops)
        #: The one shop this server serves at the root of its origin (a shop's own port), if any.
        self.root_shop = root_shop

    def base_url(self, name: str) -> str:
        host, port = self.server_address[:2]
        if self.root_shop is not None:
            return f"http://{host}:{port}"
        return f"http://{host}:{port}/{name}"


class _Handler(SandboxHandler):
    server: _HTTPServer
    server_version = "SandboxShopify/1.0"

    def route(self, method: str, split: SplitResult) -> Answer:
        name, path, base_url = self._locate(split.path)
        shop = self.server.shops.get(name)
        if shop is None:
            return 404, {"Content-Type": "application/json; charset=utf-8"}, _NOT_FOUND
        if path.startswith(DEBUG_PREFIX):
            return handle_debug(shop, method, path, split.query)
        return shop.api.handle(method, path, split.query, self.headers, base_url, body=self.request_body)

    def _locate(self, request_path: str) -> tuple[str, str, str]:
        """(shop name, shop-relative path, base URL for ``Link`` headers) of a request.

        A ``Host`` naming a shop wins (the shop at the root, links on that host); then the server's own
        shop (a shop's own port); else the first path segment names the shop.
        """
        server = self.server
        host = self.headers.get("Host")
        by_host = shop_from_host(host, server.shops)
        if by_host is not None:
            return by_host, request_path or "/", f"http://{host}"
        if server.root_shop is not None:
            return server.root_shop, request_path or "/", server.base_url(server.root_shop)
        pieces = request_path.split("/", 2)
        name = pieces[1] if len(pieces) > 1 else ""
        return name, "/" + (pieces[2] if len(pieces) > 2 else ""), server.base_url(name)


class SandboxServer(RunningServer):
    """A running sandbox HTTP server (see :func:`serve`)."""

    _httpd: _HTTPServer

    def __init__(
        self,
        shops: Mapping[str, SandboxShop],
        host: str = "127.0.0.1",
        port: int = 0,
        verbose: bool = False,
        shop_ports: Mapping[str, int] | None = None,
    ) -> None:
        unknown = sorted(set(shop_ports or {}) - set(shops))
        if unknown:
            raise KeyError(f"shop_ports names shops this server does not serve: {unknown}")
        self._httpd = _HTTPServer((host, port), shops, verbose)
        #: One extra listener per shop given its own port, serving that shop at the root.
        self._own: dict[str, _HTTPServer] = {}
        try:
            for name, own_port in (shop_ports or {}).items():
                self._own[name] = _HTTPServer((host, own_port), {name: shops[name]}, verbose, root_shop=name)
        except OSError:
            for httpd in [self._httpd, *self._own.values()]:
                httpd.server_close()
            raise
        self._serve_in_threads("sandbox-shopify-http", [("main", self._httpd), *self._own.items()])

    @property
    def shops(self) -> dict[str, SandboxShop]:
        return self._httpd.shops

    def base_url(self, shop_name: str) -> str:
        """The shop's base URL, e.g. ``http://127.0.0.1:8765/demo-ny`` (append ``/admin/api/...``)."""
        if shop_name not in self._httpd.shops:
            raise KeyError(f"this server does not serve a shop named {shop_name!r}")
        return self._httpd.base_url(shop_name)

    def origin(self, shop_name: str) -> str:
        """The shop's own origin, e.g. ``http://127.0.0.1:8766``, serving it at the root like
        ``https://{shop}.myshopify.com`` (append ``/admin/api/...``); only for shops given a port."""
        if shop_name not in self._own:
            raise KeyError(f"shop {shop_name!r} has no port of its own on this server (see shop_ports)")
        return self._own[shop_name].base_url(shop_name)

    @property
    def shop_ports(self) -> dict[str, int]:
        """The port of each shop that has one of its own."""
        return {name: int(httpd.server_address[1]) for name, httpd in self._own.items()}


@contextmanager
def serve(
    shops: Mapping[str, SandboxShop],
    host: str = "127.0.0.1",
    port: int = 0,
    verbose: bool = False,
    shop_ports: Mapping[str, int] | None = None,
) -> Iterator[SandboxServer]:
    """Run an HTTP server for ``shops`` (name -> shop) in a background thread; stops on exit.

    ``shop_ports`` (name -> port, 0 for any free one) also gives those shops an origin of their own
    (:meth:`SandboxServer.origin`), serving the shop at the root like its ``myshopify.com`` host.
    """
    server = SandboxServer(shops, host, port, verbose, shop_ports).start()
    try:
        yield server
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> int:
    """CLI: serve preset shops until Ctrl-C."""
    from sandbox.shopify.generator import build_shop
    from sandbox.shopify.presets import PRESETS, preset

    parser = argparse.ArgumentParser(description="Serve sandbox Shopify shops over HTTP.")
    add_common_arguments(parser, port=8765, what="shop", presets=list(PRESETS))
    parser.add_argument(
        "--shop-port",
        action="append",
        default=[],
        metavar="SHOP=PORT",
        help="also serve SHOP at the root of its own port, like https://SHOP.myshopify.com (repeatable)",
    )
    parser.add_argument(
        "--port-per-shop",
        action="store_true",
        help="give every shop its own port: --port + 1, + 2, ... in --shops order (free ports with --port 0)",
    )
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)

    clock = parse_clock(parser, args.clock)
    names = parse_names(parser, args.shops, PRESETS, "shop")
    shop_ports: dict[str, int] = {}
    if args.port_per_shop:
        shop_ports = {name: (args.port + 1 + index if args.port else 0) for index, name in enumerate(names)}
    for item in args.shop_port:
        name, _, raw_port = item.partition("=")
        if name not in names or not raw_port.isdigit():
            parser.error(f"--shop-port wants SHOP=PORT with SHOP among --shops, got {item!r}")
        shop_ports[name] = int(raw_port)
    shops = {name: build_shop(preset(name), clock) for name in names}
    with serve(shops, args.host, args.port, args.verbose, shop_ports) as server:
        print(f"Sandbox Shopify on http://{server.host}:{server.port} (Ctrl-C to stop)")
        for name, shop in shops.items():
            spec = shop.spec
            print(
                f"  {name:<14} {server.base_url(name)}   clock {shop.clock.astimezone(spec.zone).isoformat()}"
            )
            print(f"  {'':<14} export {spec.token_env_var}={spec.access_token}")
            if name in server.shop_ports:
                print(f"  {'':<14} origin {server.origin(name)}   (at the root, like {name}.myshopify.com)")
        print(
            f"Host routing: Host {{shop}}.myshopify.com or {{shop}}.localhost on port {server.port} "
            "serves that shop at the root"
        )
        wait_until_interrupted()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
