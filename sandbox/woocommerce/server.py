"""A real HTTP server for sandbox sites: ``http://127.0.0.1:{port}/{site}/wp-json/wc/v3/...``.

Several sites share one server, each under its own path prefix (its home URL, the base of ``Link``
headers and of the OAuth 1.0a base string). Plain HTTP is not ``is_ssl()``: HTTP Basic keys and the
``consumer_key`` query fallback are ignored (anonymous → 401 ``woocommerce_rest_cannot_view``) and clients
sign with OAuth 1.0a, as on a real WooCommerce site without TLS. ``trust_forwarded_proto=True`` makes
requests carrying ``X-Forwarded-Proto: https`` count as HTTPS (a TLS-terminating proxy in front), to test
the Basic path over the wire.

Use :func:`serve` in tests (a context manager running the server in a background thread), or the CLI::

    python -m sandbox.woocommerce.server --port 8766 [--sites woo-ny,woo-london] [--clock ISO]
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

from sandbox.woocommerce.faults import ConnectionDropped
from sandbox.woocommerce.model import WooSite


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self,
        address: tuple[str, int],
        sites: Mapping[str, WooSite],
        verbose: bool,
        trust_forwarded_proto: bool,
    ) -> None:
        super().__init__(address, _Handler)
        self.sites = dict(sites)
        self.verbose = verbose
        self.trust_forwarded_proto = trust_forwarded_proto
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
    disable_nagle_algorithm = True
    server: _HTTPServer
    server_version = "nginx"
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
        path = "/" + (pieces[2] if len(pieces) > 2 else "")
        site = self.server.sites.get(name)
        if site is None:
            self._send(404, {"Content-Type": "text/html; charset=UTF-8"}, b"<h1>Not Found</h1>", method)
            return
        is_ssl = (
            self.server.trust_forwarded_proto and self.headers.get("X-Forwarded-Proto", "").lower() == "https"
        )
        try:
            status, headers, body = site.api.handle(
                method, path, split.query, self.headers, self.server.base_url(name), is_ssl=is_ssl
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
        if self.server.verbose:  # the request line only: OAuth signatures are single-use, keys never logged
            super().log_message(format, *(str(a).split("?", 1)[0] for a in args))


class WooSandboxServer:
    """A running sandbox HTTP server (see :func:`serve`)."""

    def __init__(
        self,
        sites: Mapping[str, WooSite],
        host: str = "127.0.0.1",
        port: int = 0,
        verbose: bool = False,
        trust_forwarded_proto: bool = False,
    ) -> None:
        self._httpd = _HTTPServer((host, port), sites, verbose, trust_forwarded_proto)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="sandbox-woocommerce-http",
            daemon=True,
        )

    @property
    def host(self) -> str:
        return str(self._httpd.server_address[0])

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    def base_url(self, site: str) -> str:
        """The site's home URL, e.g. ``http://127.0.0.1:8766/woo-ny`` (append ``/wp-json/wc/v3/...``)."""
        if site not in self._httpd.sites:
            raise KeyError(f"this server does not serve a site named {site!r}")
        return self._httpd.base_url(site)

    def start(self) -> WooSandboxServer:
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
    sites: Mapping[str, WooSite],
    host: str = "127.0.0.1",
    port: int = 0,
    verbose: bool = False,
    trust_forwarded_proto: bool = False,
) -> Iterator[WooSandboxServer]:
    """Run an HTTP server for ``sites`` (name → site) in a background thread; stops on exit."""
    server = WooSandboxServer(sites, host, port, verbose, trust_forwarded_proto).start()
    try:
        yield server
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> int:
    """CLI: serve preset sites until Ctrl-C."""
    from sandbox.woocommerce.generator import build_site
    from sandbox.woocommerce.presets import PRESETS, preset

    parser = argparse.ArgumentParser(description="Serve sandbox WooCommerce sites over HTTP (OAuth 1.0a).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--sites", default=",".join(PRESETS), help="comma-separated preset names")
    parser.add_argument(
        "--clock", default=None, help="site clock, ISO 8601 with offset (default: today 00:00)"
    )
    parser.add_argument(
        "--trust-forwarded-proto",
        action="store_true",
        help="treat X-Forwarded-Proto: https requests as HTTPS (Basic auth accepted)",
    )
    parser.add_argument("--verbose", action="store_true", help="log every request line (without query)")
    args = parser.parse_args(argv)
    clock = None
    if args.clock:
        clock = datetime.fromisoformat(args.clock)
        if clock.tzinfo is None:
            parser.error("--clock needs a UTC offset, e.g. 2026-03-01T00:00:00-05:00")
    names = [name.strip() for name in args.sites.split(",") if name.strip()]
    unknown = [name for name in names if name not in PRESETS]
    if unknown:
        parser.error(f"unknown sites {unknown}; presets: {sorted(PRESETS)}")
    sites = {name: build_site(preset(name), clock) for name in names}
    with serve(sites, args.host, args.port, args.verbose, args.trust_forwarded_proto) as server:
        print(f"Sandbox WooCommerce on http://{server.host}:{server.port} (Ctrl-C to stop)")
        for name, site in sites.items():
            print(f"  {name:<12} {server.base_url(name)}/wp-json/wc/v3/   clock {site.clock.isoformat()}")
            print(f"  {'':<12} consumer key {site.spec.consumer_key} (secret: the preset spec)")
        sys.stdout.flush()
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("stopping", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
