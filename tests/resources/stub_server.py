"""A tiny scripted HTTP server on 127.0.0.1 for client tests that don't need the Shopify sandbox.

Each route (exact URL path) has a queue of replies; the last reply repeats once the queue is down to one.
A reply is a :class:`Reply` or a callable ``(StubRequest) -> Reply``. ``Reply.drop`` closes the connection
without answering; ``Reply.delay`` waits before answering (to provoke read timeouts). ``Reply.stream``
sends the body piece by piece, ``Reply.drip`` seconds apart (no ``Content-Length`` unless the headers give
one; the connection closes after it); ``StubServer.streamed`` records the bytes each such reply got out.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # JSON-encoded unless bytes/str
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False
    stream: Iterable[bytes] | None = None
    drip: float = 0.0


@dataclass
class StubRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]


Handler = Reply | Callable[[StubRequest], Reply]


class StubServer:
    def __init__(self) -> None:
        self.routes: dict[str, list[Handler]] = {}
        self.requests: list[StubRequest] = []
        self.streamed: list[int] = []
        self._lock = threading.Lock()
        stub = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - http.server API
                parts = urlsplit(self.path)
                query = dict(parse_qsl(parts.query, keep_blank_values=True))
                request = StubRequest("GET", parts.path, query, dict(self.headers))
                reply = stub._next(request)
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.drop:
                    self.close_connection = True
                    return
                if reply.stream is not None:
                    self._stream(reply)
                    return
                if isinstance(reply.body, bytes):
                    payload = reply.body
                elif isinstance(reply.body, str):
                    payload = reply.body.encode()
                else:
                    payload = json.dumps(reply.body if reply.body is not None else {}).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(payload)))
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

            def _stream(self, reply: Reply) -> None:
                self.close_connection = True
                sent = 0
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    for piece in reply.stream or ():
                        self.wfile.write(piece)
                        self.wfile.flush()
                        sent += len(piece)
                        if reply.drip:
                            time.sleep(reply.drip)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                finally:
                    with stub._lock:
                        stub.streamed.append(sent)

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.handle_error = lambda *a: None  # type: ignore[method-assign]
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def route(self, path: str, *replies: Handler) -> None:
        with self._lock:
            self.routes[path] = list(replies)

    def _next(self, request: StubRequest) -> Reply:
        with self._lock:
            self.requests.append(request)
            queue = self.routes.get(request.path)
            if not queue:
                return Reply(404, {"errors": "Not Found"})
            handler = queue.pop(0) if len(queue) > 1 else queue[0]
        return handler(request) if callable(handler) else handler

    def hits(self, path: str) -> list[StubRequest]:
        return [r for r in self.requests if r.path == path]

    def __enter__(self) -> StubServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
