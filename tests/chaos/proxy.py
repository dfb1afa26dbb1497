"""A fault-injecting HTTP proxy on 127.0.0.1, in front of the sandbox's HTTP server (stdlib, threads).

Each request is either passed through to the upstream server or answered with a fault, chosen at a seeded
rate: a 429 with ``Retry-After``, a 500/502/503/504, a stall longer than the client's read timeout (then
the connection is closed), a dropped connection (closed without an answer) or a half-sent body (the
upstream's headers and the first half of its body, then the connection is closed).

The choice depends only on the seed, the request (method, path and query) and how many times that very
request was seen before, never on which thread asked first, so a seed gives the same faults to the same
requests however the client's threads interleave. The proxy counts requests, faults by kind and the
client connections still open (what a run leaves open after it ends).
"""

from __future__ import annotations

import hashlib
import http.client
import socket
import threading
from collections import Counter
from contextlib import suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

#: Fault kinds, each equally likely once a request is chosen to fail.
FAULT_KINDS = ("429", "500", "502", "503", "504", "stall", "drop", "half_body")
_HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "content-length", "proxy-connection"}
)


def _uniform(*parts: object) -> float:
    """A number in [0, 1) determined by ``parts`` (SHA-256, no global random state)."""
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


class _ProxyServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, proxy: FaultProxy) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.proxy = proxy

    def process_request(self, request, client_address):  # type: ignore[no-untyped-def]
        self.proxy._opened(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):  # type: ignore[no-untyped-def]
        self.proxy._closed(request)
        super().shutdown_request(request)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _ProxyServer

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        self._handle("GET")

    def do_HEAD(self) -> None:  # noqa: N802
        self._handle("HEAD")

    def do_POST(self) -> None:  # noqa: N802
        self._handle("POST")

    def _handle(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        proxy = self.server.proxy
        fault = proxy.decide(method, self.path)
        if fault in ("429", "500", "502", "503", "504"):
            status = int(fault)
            headers = {"Content-Type": "application/json; charset=utf-8"}
            if status == 429:
                headers["Retry-After"] = f"{proxy.retry_after_seconds:g}"
            self._answer(status, headers, b'{"errors":"injected fault"}', method)
        elif fault == "stall":
            proxy._stop.wait(proxy.stall_seconds)
            self._hang_up()
        elif fault == "drop":
            self._hang_up()
        else:
            try:
                status, headers, payload = proxy.forward(method, self.path, self.headers, body)
            except OSError:
                self._answer(502, {"Content-Type": "application/json"}, b'{"errors":"upstream down"}', method)
                return
            if fault == "half_body" and len(payload) > 1:
                self._answer(status, headers, payload, method, cut_at=len(payload) // 2)
            else:
                self._answer(status, headers, payload, method)

    def _answer(
        self, status: int, headers: dict[str, str], body: bytes, method: str, cut_at: int | None = None
    ) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if method == "HEAD":
            return
        if cut_at is None:
            self.wfile.write(body)
            return
        self.wfile.write(body[:cut_at])
        self.wfile.flush()
        self._hang_up()

    def _hang_up(self) -> None:
        self.close_connection = True
        with suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - base class signature
        pass


class FaultProxy:
    """Serves ``http://127.0.0.1:{port}`` and forwards to ``upstream`` (``http://host:port``).

    ``rate`` is the share of requests answered with a fault; ``kinds`` the faults to choose from.
    ``stall_seconds`` should exceed the client's read timeout. Use as a context manager.
    """

    def __init__(
        self,
        upstream: str,
        *,
        rate: float,
        seed: int,
        kinds: tuple[str, ...] = FAULT_KINDS,
        stall_seconds: float = 1.5,
        retry_after_seconds: float = 0.5,
        upstream_timeout: float = 30.0,
    ) -> None:
        unknown = set(kinds) - set(FAULT_KINDS)
        if unknown or not kinds:
            raise ValueError(f"unknown fault kinds {sorted(unknown)}; known: {FAULT_KINDS}")
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"rate must be within [0, 1], got {rate}")
        parts = urlsplit(upstream)
        self._upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.rate = rate
        self.seed = seed
        self.kinds = kinds
        self.stall_seconds = stall_seconds
        self.retry_after_seconds = retry_after_seconds
        self.upstream_timeout = upstream_timeout
        self._lock = threading.Lock()
        self._seen: Counter[str] = Counter()
        self.faults: Counter[str] = Counter()
        self.requests = 0
        self._connections: set[socket.socket] = set()
        self._stop = threading.Event()
        self._server = _ProxyServer(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="chaos-proxy", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def open_connections(self) -> int:
        with self._lock:
            return len(self._connections)

    def decide(self, method: str, target: str) -> str | None:
        """The fault for this request (``None``: pass it through), and count it."""
        key = f"{method} {target}"
        with self._lock:
            seen = self._seen[key]
            self._seen[key] += 1
            self.requests += 1
            fault = None
            if _uniform(self.seed, key, seen, "rate") < self.rate:
                fault = self.kinds[int(_uniform(self.seed, key, seen, "kind") * len(self.kinds))]
                self.faults[fault] += 1
            return fault

    def forward(
        self, method: str, target: str, headers: object, body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        """Send the request upstream on a fresh connection; the answer's status, headers and body."""
        connection = http.client.HTTPConnection(*self._upstream, timeout=self.upstream_timeout)
        try:
            sent = {k: v for k, v in headers.items() if k.lower() not in _HOP_BY_HOP}  # type: ignore[attr-defined]
            connection.request(method, target, body=body or None, headers=sent)
            response = connection.getresponse()
            payload = response.read()
            kept = {k: v for k, v in response.getheaders() if k.lower() not in _HOP_BY_HOP}
            return response.status, kept, payload
        finally:
            connection.close()

    def _opened(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.add(connection)

    def _closed(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.discard(connection)

    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, end stalls, close every connection and the listening socket."""
        self._stop.set()
        self._server.shutdown()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            with suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def summary(self) -> dict[str, int]:
        """Requests seen and faults injected by kind."""
        with self._lock:
            return {"requests": self.requests, **{f"fault_{k}": n for k, n in sorted(self.faults.items())}}
