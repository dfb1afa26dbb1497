"""A real HTTP server for sandbox sites: ``http://127.0.0.1:{port}/{site}/wp-json/wc/v3/...``.

Several sites share one server, each under its own path prefix (its home URL, the base of ``Link``
headers and of the OAuth 1.0a base string). Plain HTTP is not ``is_ssl()``: HTTP Basic keys and the
``consumer_key`` query fallback are ignored (anonymous → 401 ``woocommerce_rest_cannot_view``) and clients
sign with OAuth 1.0a, as on a real WooCommerce site without TLS. ``trust_forwarded_proto=True`` makes
requests carrying ``X-Forwarded-Proto: https`` count as HTTPS (a TLS-terminating proxy in front), to test
the Basic path over the wire.

Use :func:`serve` in tests (a context manager running the server in a background thread), or the CLI::

    python -m sandbox.woocommerce.server --port 8766 [--sites woo-ny,woo-london] [--clock ISO]

The server scaffolding and CLI bits are the simulators' shared ones (``sandbox/common/httpserver.py``).
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
from sandbox.woocommerce.model import WooSite


class _HTTPServer(SandboxHTTPServer):
    def __init__(
        self,
        address: tuple[str, int],
        sites: Mapping[str, WooSite],
        verbose: bool,
        trust_forwarded_proto: bool,
    ) -> None:
        super().__init__(address, _Handler, verbose)
        self.sites = dict(sites)
        self.trust_forwarded_proto = trust_forwarded_proto

    def base_url(self, name: str) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/{name}"


class _Handler(SandboxHandler):
    server: _HTTPServer
    server_version = "nginx"
    log_queries = False  # OAuth signatures are single-use, keys never logged

    def route(self, method: str, split: SplitResult) -> Answer:
        pieces = split.path.split("/", 2)
        name = pieces[1] if len(pieces) > 1 else ""
        path = "/" + (pieces[2] if len(pieces) > 2 else "")
        site = self.server.sites.get(name)
        if site is None:
            return 404, {"Content-Type": "text/html; charset=UTF-8"}, b"<h1>Not Found</h1>"
        is_ssl = (
            self.server.trust_forwarded_proto and self.headers.get("X-Forwarded-Proto", "").lower() == "https"
        )
        return site.api.handle(
            method, path, split.query, self.headers, self.server.base_url(name), is_ssl=is_ssl
        )


class WooSandboxServer(RunningServer):
    """A running sandbox HTTP server (see :func:`serve`)."""

    _httpd: _HTTPServer

    def __init__(
        self,
        sites: Mapping[str, WooSite],
        host: str = "127.0.0.1",
        port: int = 0,
        verbose: bool = False,
        trust_forwarded_proto: bool = False,
    ) -> None:
        self._httpd = _HTTPServer((host, port), sites, verbose, trust_forwarded_proto)
        self._serve_in_threads("sandbox-woocommerce-http", [("", self._httpd)])

    def base_url(self, site: str) -> str:
        """The site's home URL, e.g. ``http://127.0.0.1:8766/woo-ny`` (append ``/wp-json/wc/v3/...``)."""
        if site not in self._httpd.sites:
            raise KeyError(f"this server does not serve a site named {site!r}")
        return self._httpd.base_url(site)


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
    add_common_arguments(parser, port=8766, what="site", presets=list(PRESETS))
    parser.add_argument(
        "--trust-forwarded-proto",
        action="store_true",
        help="treat X-Forwarded-Proto: https requests as HTTPS (Basic auth accepted)",
    )
    parser.add_argument("--verbose", action="store_true", help="log every request line (without query)")
    args = parser.parse_args(argv)
    clock = parse_clock(parser, args.clock)
    names = parse_names(parser, args.sites, PRESETS, "site")
    sites = {name: build_site(preset(name), clock) for name in names}
    with serve(sites, args.host, args.port, args.verbose, args.trust_forwarded_proto) as server:
        print(f"Sandbox WooCommerce on http://{server.host}:{server.port} (Ctrl-C to stop)")
        for name, site in sites.items():
            print(f"  {name:<12} {server.base_url(name)}/wp-json/wc/v3/   clock {site.clock.isoformat()}")
            print(f"  {'':<12} consumer key {site.spec.consumer_key} (secret: the preset spec)")
        wait_until_interrupted()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
