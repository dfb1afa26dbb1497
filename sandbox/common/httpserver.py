"""The threaded HTTP server scaffolding every simulator runs on 127.0.0.1, and its CLI bits.

:class:`SandboxHTTPServer` tracks its client connections so that stopping it ends kept-alive handler
threads promptly; :class:`SandboxHandler` speaks HTTP/1.1, reads request bodies, and hands each
request to :meth:`SandboxHandler.route` (a simulator's own URL layout and API); :class:`RunningServer`
serves one or more of those servers in background threads. A ``drop`` fault
(:class:`~sandbox.common.faults.ConnectionDropped`) closes the connection without answering. The request
body is kept in ``request_body``; a :class:`FileBody` answer is streamed from its file.
"""

from __future__ import annotations

import argparse
import socket
import sys
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import suppress
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self
from urllib.parse import SplitResult, urlsplit

from sandbox.common.faults import ConnectionDropped


class FileBody:
    """A response body read from a file in chunks (large downloads, e.g. bulk operation results): the
    HTTP server streams it, the in-process adapter hands ``requests`` an open file as the raw stream."""

    CHUNK = 1 << 16

    def __init__(self, path: str, size: int) -> None:
        self.path = path
        self.size = size

    def chunks(self) -> Iterator[bytes]:
        """The file's bytes, a chunk at a time."""
        with open(self.path, "rb") as handle:
            while chunk := handle.read(self.CHUNK):
                yield chunk


Answer = tuple[int, Mapping[str, str], bytes]


class SandboxHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server that can close its clients' kept-alive connections (``close_connections``)."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], verbose: bool
    ) -> None:
        super().__init__(address, handler)
        self.verbose = verbose
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

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


class SandboxHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 request handler: every method goes to :meth:`route`, whose answer is sent (no body for
    ``HEAD``); :class:`ConnectionDropped` closes the connection without a response."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes: don't wait for ACKs
    server: SandboxHTTPServer
    sys_version = ""
    #: Whether ``--verbose`` request logs show the query (a simulator whose queries carry signatures or
    #: keys logs the path only).
    log_queries = True

    def route(self, method: str, split: SplitResult) -> Answer:
        """(status, headers, body) of a request (``split``: its split request target)."""
        raise NotImplementedError

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

    #: The body of the request being answered (``b""`` when it has none).
    request_body: bytes = b""

    def _dispatch(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.request_body = self.rfile.read(length) if length else b""
        try:
            status, headers, body = self.route(method, urlsplit(self.path))
        except ConnectionDropped:
            self.close_connection = True
            with suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        try:
            self.send_answer(status, headers, body, method)
        except (BrokenPipeError, ConnectionResetError):
            # The client hung up before the answer was sent (its read timeout passed on a loaded machine):
            # what a real server sees as a closed connection, not an error of the server's.
            self.close_connection = True
            self.log_message("client closed the connection before the answer to %s was sent", method)

    def send_answer(self, status: int, headers: Mapping[str, str], body: bytes, method: str) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        streamed = body if isinstance(body, FileBody) else None
        self.send_header("Content-Length", str(streamed.size if streamed else len(body)))
        self.end_headers()
        if method == "HEAD":
            return
        if streamed is None:
            self.wfile.write(body)
            return
        for chunk in streamed.chunks():
            self.wfile.write(chunk)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - signature of the base class
        if self.server.verbose:
            if not self.log_queries:  # the request line only: no query (signatures, keys)
                args = tuple(str(a).split("?", 1)[0] for a in args)
            super().log_message(format, *args)


class RunningServer:
    """Base of a simulator's running server: a main listener (``_httpd``) and any extra ones, each served in
    a daemon thread named ``{name}-{label}`` (``{name}`` for an empty label) once started."""

    _httpd: SandboxHTTPServer

    def _serve_in_threads(self, name: str, servers: Sequence[tuple[str, SandboxHTTPServer]]) -> None:
        """Set the listeners up: the first of ``servers`` (label, server) is the main one."""
        self._httpd = servers[0][1]
        self._servers = [httpd for _, httpd in servers]
        self._threads = [
            threading.Thread(
                target=httpd.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"{name}-{label}" if label else name,
                daemon=True,
            )
            for label, httpd in servers
        ]

    @property
    def host(self) -> str:
        return str(self._httpd.server_address[0])

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    def start(self) -> Self:
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close open connections and the listening sockets."""
        for httpd in self._servers:
            httpd.shutdown()
            httpd.close_connections()
            httpd.server_close()
        for thread in self._threads:
            thread.join(timeout=5)


# -- CLI bits ---------------------------------------------------------------------------------------------
def add_common_arguments(
    parser: argparse.ArgumentParser, *, port: int, what: str, presets: Sequence[str]
) -> None:
    """``--host``, ``--port``, ``--{what}s`` (comma-separated preset names) and ``--clock``."""
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=port)
    parser.add_argument(f"--{what}s", default=",".join(presets), help="comma-separated preset names")
    parser.add_argument(
        "--clock", default=None, help=f"{what} clock, ISO 8601 with offset (default: today 00:00)"
    )


def parse_clock(parser: argparse.ArgumentParser, value: str | None) -> datetime | None:
    """``--clock`` as an aware datetime (None when not given); a naive one is a usage error."""
    if not value:
        return None
    clock = datetime.fromisoformat(value)
    if clock.tzinfo is None:
        parser.error("--clock needs a UTC offset, e.g. 2026-03-01T00:00:00-05:00")
    return clock


def parse_names(parser: argparse.ArgumentParser, value: str, presets: Iterable[str], what: str) -> list[str]:
    """The comma-separated preset names of ``value``; an unknown one is a usage error."""
    known = list(presets)
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in known]
    if unknown:
        parser.error(f"unknown {what}s {unknown}; presets: {sorted(known)}")
    return names


def wait_until_interrupted() -> None:
    """Flush stdout and block until Ctrl-C."""
    sys.stdout.flush()
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        print("stopping", flush=True)
