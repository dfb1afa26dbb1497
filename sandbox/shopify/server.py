"""A real HTTP server for sandbox shops: ``http://127.0.0.1:{port}/{shop}/admin/api/{version}/...``.

Several shops share one server, each under its own path prefix (its *base URL*). Use :func:`serve` in
tests (a context manager running the server in a background thread), or the CLI::

    python -m sandbox.shopify.server --port 8765 [--shops demo-ny,demo-berlin] [--clock ISO]

Besides the Shopify API each shop answers ``/{shop}/_sandbox/ground_truth.json`` and
``/{shop}/_sandbox/clock.json`` (see ``debug.py``).
"""

from __future__ import annotations

import argparse
import socket
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from sandbox.shopify.debug import PREFIX as DEBUG_PREFIX
from sandbox.shopify.debug import handle_debug
from sandbox.shopify.faults import ConnectionDropped
from sandbox.shopify.model import SandboxShop

_NOT_FOUND = b'{"errors":"Not Found"}'


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], shops: Mapping[str, SandboxShop], verbose: bool) -> None:
        super().__init__(address, _Handler)
        self.shops = dict(shops)
        self.verbose = verbose
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def base_url(self, name: str) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/{name}"

    def process_request(self, request, client_address):  # type: ignore[no-untyped-def]
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):  # type: ignore[no-untyped-def]
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Close kept-alive client connections so handler threads end promptly."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes: don't wait for ACKs
    server: _HTTPServer
    server_version = "SandboxShopify/1.0"
    sys_version = ""

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        self._dispatch("GET")

    def do_HEAD(self) -> None:  # noqa: N802
        self._dispatch("HEAD")

    def do_POST(self) -> None:  # noqa: N802
        self._dispatch("POST")

    def do_PUT(self) -> None:  # noqa: N802
        self._dispatch("PUT")

    def do_DELETE(self) -> None:  # noqa: N802
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        split = urlsplit(self.path)
        pieces = split.path.split("/", 2)
        name = pieces[1] if len(pieces) > 1 else ""
        shop = self.server.shops.get(name)
        if shop is None:
            self._send(404, {"Content-Type": "application/json; charset=utf-8"}, _NOT_FOUND, method)
            return
        path = "/" + (pieces[2] if len(pieces) > 2 else "")
        if path.startswith(DEBUG_PREFIX):
            status, headers, body = handle_debug(shop, method, path, split.query)
        else:
            try:
                status, headers, body = shop.api.handle(
                    method, path, split.query, self.headers, self.server.base_url(name)
                )
            except ConnectionDropped:
                self.close_connection = True
                with suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)
                return
        self._send(status, headers, body, method)

    def _send(self, status: int, headers: Mapping[str, str], body: bytes, method: str) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if method != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - signature of the base class
        if self.server.verbose:
            super().log_message(format, *args)


class SandboxServer:
    """A running sandbox HTTP server (see :func:`serve`)."""

    def __init__(
        self, shops: Mapping[str, SandboxShop], host: str = "127.0.0.1", port: int = 0, verbose: bool = False
    ) -> None:
        self._httpd = _HTTPServer((host, port), shops, verbose)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="sandbox-shopify-http",
            daemon=True,
        )

    @property
    def host(self) -> str:
        return str(self._httpd.server_address[0])

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def shops(self) -> dict[str, SandboxShop]:
        return self._httpd.shops

    def base_url(self, shop_name: str) -> str:
        """The shop's base URL, e.g. ``http://127.0.0.1:8765/demo-ny`` (append ``/admin/api/...``)."""
        if shop_name not in self._httpd.shops:
            raise KeyError(f"this server does not serve a shop named {shop_name!r}")
        return self._httpd.base_url(shop_name)

    def start(self) -> SandboxServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close open connections and the listening socket."""
        self._httpd.shutdown()
        self._httpd.close_connections()
        self._httpd.server_close()
        self._thread.join(timeout=5)


@contextmanager
def serve(
    shops: Mapping[str, SandboxShop], host: str = "127.0.0.1", port: int = 0, verbose: bool = False
) -> Iterator[SandboxServer]:
    """Run an HTTP server for ``shops`` (name -> shop) in a background thread; stops on exit."""
    server = SandboxServer(shops, host, port, verbose).start()
    try:
        yield server
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> int:
    """CLI: serve preset shops until Ctrl-C."""
    from sandbox.shopify.generator import build_shop
    from sandbox.shopify.presets import PRESETS, preset

    parser = argparse.ArgumentParser(description="Serve sandbox Shopify shops over HTTP.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--shops", default=",".join(PRESETS), help="comma-separated preset names")
    parser.add_argument(
        "--clock", default=None, help="shop clock, ISO 8601 with offset (default: today 00:00)"
    )
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)

    clock = None
    if args.clock:
        clock = datetime.fromisoformat(args.clock)
        if clock.tzinfo is None:
            parser.error("--clock needs a UTC offset, e.g. 2026-03-01T00:00:00-05:00")
    names = [name.strip() for name in args.shops.split(",") if name.strip()]
    unknown = [name for name in names if name not in PRESETS]
    if unknown:
        parser.error(f"unknown shops {unknown}; presets: {sorted(PRESETS)}")
    shops = {name: build_shop(preset(name), clock) for name in names}
    with serve(shops, args.host, args.port, args.verbose) as server:
        print(f"Sandbox Shopify on http://{server.host}:{server.port} (Ctrl-C to stop)")
        for name, shop in shops.items():
            spec = shop.spec
            print(
                f"  {name:<14} {server.base_url(name)}   clock {shop.clock.astimezone(spec.zone).isoformat()}"
            )
            print(f"  {'':<14} export {spec.token_env_var}={spec.access_token}")
        sys.stdout.flush()
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("stopping", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
