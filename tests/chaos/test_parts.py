"""The fault suite's parts on their own (fast, no pipeline): the proxy's faults as a client sees them, its
seeded choices, the counting of lost and duplicated records, and the process bookkeeping."""

import os
import subprocess
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from tests.chaos import processes
from tests.chaos.compare import lost_and_duplicated, table_differences
from tests.chaos.proxy import FaultProxy

BODY = b'{"orders":[{"id":1},{"id":2},{"id":3}]}'


class _Upstream(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Shopify-Shop-Api-Call-Limit", "1/40")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@contextmanager
def upstream() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Upstream)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_at_rate_zero_the_proxy_passes_answers_through_unchanged():
    with upstream() as url, FaultProxy(url, rate=0.0, seed=1) as proxy, requests.Session() as session:
        response = session.get(f"{proxy.url}/shop/orders.json?limit=3", timeout=5)
        assert (response.status_code, response.content) == (200, BODY)
        assert response.headers["X-Shopify-Shop-Api-Call-Limit"] == "1/40"
        assert proxy.summary() == {"requests": 1}


def test_a_429_carries_retry_after_and_a_5xx_its_status():
    with upstream() as url:
        with FaultProxy(url, rate=1.0, seed=1, kinds=("429",), retry_after_seconds=0.5) as proxy:
            response = requests.get(f"{proxy.url}/orders.json", timeout=5)
            assert (response.status_code, response.headers["Retry-After"]) == (429, "0.5")
            assert proxy.summary() == {"requests": 1, "fault_429": 1}
        with FaultProxy(url, rate=1.0, seed=1, kinds=("503",)) as proxy:
            assert requests.get(f"{proxy.url}/orders.json", timeout=5).status_code == 503


@pytest.mark.parametrize(
    ("kind", "error"),
    [
        ("drop", requests.exceptions.ConnectionError),
        ("half_body", requests.exceptions.ChunkedEncodingError),
        ("stall", requests.exceptions.ReadTimeout),
    ],
)
def test_broken_answers_reach_the_client_as_the_errors_it_retries(kind, error):
    with upstream() as url, FaultProxy(url, rate=1.0, seed=1, kinds=(kind,), stall_seconds=1.0) as proxy:
        with pytest.raises(error):
            requests.get(f"{proxy.url}/orders.json", timeout=(2, 0.3))
        assert proxy.summary() == {"requests": 1, f"fault_{kind}": 1}


def test_faults_depend_on_the_seed_and_the_request_not_on_the_order_requests_come_in():
    targets = [f"/orders.json?page_info=p{i}" for i in range(1000)]

    def decisions(seed: int, order: list[str]) -> dict[str, str | None]:
        proxy = FaultProxy("http://127.0.0.1:1", rate=0.3, seed=seed)
        try:
            return {target: proxy.decide("GET", target) for target in order}
        finally:
            proxy._server.server_close()

    forward = decisions(1, targets)
    assert decisions(1, list(reversed(targets))) == forward
    assert decisions(2, targets) != forward
    assert sum(fault is not None for fault in forward.values()) == 308
    assert Counter(forward.values())[None] == 692


def test_a_request_asked_again_gets_a_fresh_draw():
    proxy = FaultProxy("http://127.0.0.1:1", rate=0.5, seed=4)
    try:
        draws = [proxy.decide("GET", "/orders.json") for _ in range(6)]
    finally:
        proxy._server.server_close()
    assert draws == [None, "502", "504", None, None, "504"]


def test_lost_and_duplicated_ids():
    assert lost_and_duplicated({"1", "2", "3"}, [1, 1, 2, 4]) == (1, 2)
    assert lost_and_duplicated({"1", "2"}, ["2", "1"]) == (0, 0)


def test_table_differences_count_rows_missing_and_rows_beyond_the_clean_run():
    clean = {"fact_orders": Counter({"a": 1, "b": 1}), "dim_date": Counter({"d": 1})}
    other = {"fact_orders": Counter({"a": 2}), "dim_date": Counter({"d": 1}), "extra": Counter({"x": 1})}
    assert table_differences(clean, other) == {"extra": (0, 1), "fact_orders": (1, 1)}


def test_descendants_and_whether_they_are_alive():
    child = subprocess.Popen(["sleep", "30"])
    try:
        found = [p for p in processes.descendants(os.getpid()) if p[0] == child.pid]
        assert len(found) == 1 and processes.alive(found[0])
        processes.kill(found)
        child.wait(timeout=5)
        assert not processes.alive(found[0])
    finally:
        child.kill()
        child.wait(timeout=5)
