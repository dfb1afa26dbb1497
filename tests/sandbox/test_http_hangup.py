"""A client that hangs up before its answer is sent (its read timeout passed) is a closed connection to the
sandbox's HTTP server, as to a real one: no traceback, and the server goes on answering."""

import socket
import threading
import time
import urllib.request
from urllib.parse import SplitResult

import pytest

from sandbox.common.httpserver import Answer, SandboxHandler, SandboxHTTPServer

BIG = b"x" * (8 << 20)  # more than the socket buffers hold: sending it to a closed socket fails


class SlowHandler(SandboxHandler):
    def route(self, method: str, split: SplitResult) -> Answer:
        if split.path == "/slow":
            time.sleep(0.5)  # the client gives up meanwhile
            return 200, {"Content-Type": "text/plain"}, BIG
        return 200, {"Content-Type": "text/plain"}, b"ok"


def test_a_client_hanging_up_is_a_closed_connection_not_a_server_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = SandboxHTTPServer(("127.0.0.1", 0), SlowHandler, verbose=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]
    try:
        with socket.create_connection(("127.0.0.1", port)) as client:
            client.sendall(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        time.sleep(1.0)  # the handler wakes up and writes to the closed connection
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/fine", timeout=5) as answer:
            assert answer.read() == b"ok"
    finally:
        server.shutdown()
        server.server_close()
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "BrokenPipeError" not in captured.err
    assert "ConnectionResetError" not in captured.err
