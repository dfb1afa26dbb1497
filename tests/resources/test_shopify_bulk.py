"""The bulk runner (resources/shopify/bulk.py) against the sandbox shop's real HTTP server on 127.0.0.1:
a completed job equals a paginated query of the same shop; runs killed at random points resume the same job
and never lose, repeat or start a second job; planted failures end in a clear error or a successful run
again; a shop busy with another job; counts reconciled; no secret in the state, the logs or the errors."""

from __future__ import annotations

import json
import logging
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from resources.shopify.bulk import (
    CURRENT_QUERY,
    NODE_QUERY,
    RUN_MUTATION,
    BulkCountMismatch,
    BulkJobFailed,
    BulkOperationError,
    BulkOutcome,
    BulkQuery,
    BulkRunner,
    BulkShopBusy,
)
from resources.shopify.bulk_http import download
from resources.shopify.bulk_state import BulkStateError, JsonFileState
from resources.shopify.client import ShopifyAPIError
from resources.shopify.graphql import ShopifyGraphQLClient
from sandbox.shopify.model import SandboxShop
from sandbox.shopify.server import serve
from tests.resources.bulk_loads import CONNECTIONS, ORDERS, PAGE, store_to
from tests.sandbox.conftest import tiny_shop

#: The API version of every client here: the sandbox runs one bulk job per shop at a time for it (as Shopify
#: did before API 2026-01), which the busy-shop tests need; 2026-01 and later allow five.
VERSION = "2025-10"


class Killed(BaseException):
    """A stand-in for kill -9: a BaseException, so nothing in the runner catches it."""


@pytest.fixture
def served() -> Iterator[tuple[SandboxShop, str]]:
    shop = tiny_shop()
    with serve({shop.name: shop}) as server:
        yield shop, server.base_url(shop.name)


def _paginated(base: str, token: str) -> list[dict]:
    """Every order of the window through a paginated query, connections unwrapped to plain lists."""
    execute = ShopifyGraphQLClient(base, token, api_version=VERSION).bulk_execute
    orders: list[dict] = []
    after = None
    while True:
        page = execute(PAGE, {"after": after})["orders"]
        for node in page["nodes"]:
            for key in CONNECTIONS:
                assert node[key]["pageInfo"]["hasNextPage"] is False
                node[key] = node[key]["nodes"]
            orders.append(node)
        if not page["pageInfo"]["hasNextPage"]:
            return orders
        after = page["pageInfo"]["endCursor"]


def _runner(base: str, work: Path, token: str, **options: Any) -> BulkRunner:
    options.setdefault("poll_interval", 0.005)
    return BulkRunner(ShopifyGraphQLClient(base, token, api_version=VERSION).bulk_execute, work, **options)


def _stored(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _statuses(shop: SandboxShop) -> list[tuple[str, str | None]]:
    bulk = shop.graphql.bulk
    return [(bulk.status(job)["status"], bulk.status(job)["errorCode"]) for job in bulk.jobs]


def test_completed_job_equals_the_paginated_query(served: tuple[SandboxShop, str], tmp_path: Path) -> None:
    shop, base = served
    token = shop.spec.access_token
    expected = _paginated(base, token)
    out = tmp_path / "orders.jsonl"
    state = JsonFileState(tmp_path / "state" / "orders.json")
    outcome = _runner(base, tmp_path / "work", token).run(ORDERS, state, store_to(out))
    stored = _stored(out)
    assert stored == expected
    assert len(stored) == 76 and sum(len(order["lineItems"]) for order in stored) == 125
    assert sum(len(order["refunds"]) for order in stored) > 0
    assert sum(len(order["shippingLines"]) for order in stored) > 0
    objects = sum(1 + sum(len(order[key]) for key in CONNECTIONS) for order in stored)
    job = shop.graphql.bulk.jobs[0]
    assert outcome == BulkOutcome(job.gid, objects, 76, 76, 0, False, 76)
    assert (job.objects, job.roots) == (objects, 76)
    assert _statuses(shop) == [("COMPLETED", None)]
    assert not state.path.exists() and os.listdir(tmp_path / "work") == []


def _faulty(
    base: str, token: str, work: Path, kill: tuple[str, int, str], rng: random.Random
) -> tuple[BulkRunner, Callable[[Path], Callable[[Iterator[dict]], int]]]:
    """A runner whose ``kill`` point raises :class:`Killed`: the n-th GraphQL call (before it is sent or
    after its answer came), the download (part of the file written) or the store (after n records)."""
    poster = ShopifyGraphQLClient(base, token, api_version=VERSION).bulk_execute
    site, number, when = kill
    calls = 0

    def execute(query: str, variables: dict) -> dict:
        nonlocal calls
        calls += 1
        if site == "execute" and calls == number and when == "before":
            raise Killed
        data = poster(query, variables)
        if site == "execute" and calls == number:
            raise Killed
        return data

    def fetch(url: str, destination: str) -> int:
        if site == "fetch":
            size = download(url, destination + ".whole")
            with open(destination + ".whole", "rb") as whole, open(destination + ".part", "wb") as part:
                part.write(whole.read(rng.randrange(1, size)))
            os.unlink(destination + ".whole")
            raise Killed
        return download(url, destination)

    def store(path: Path) -> Callable[[Iterator[dict]], int]:
        inner = store_to(path)
        if site != "store":
            return inner

        def consume(records: Iterator[dict]) -> int:
            def cut() -> Iterator[dict]:
                for index, record in enumerate(records):
                    if index == number:
                        raise Killed
                    yield record

            return inner(cut())

        return consume

    return BulkRunner(execute, work, poll_interval=0.005, fetch=fetch), store


def test_killed_at_random_points_resumes_the_same_job(
    served: tuple[SandboxShop, str], tmp_path: Path
) -> None:
    """12 loads, each killed one to three times at random points (start, polls, download, store), then
    run to the end: every load stores exactly the shop's orders and the shop saw exactly one job per load."""
    shop, base = served
    token = shop.spec.access_token
    # a job spends 30 ms created and ~50 ms running: a few polls each
    shop.graphql.configure(bulk_start_seconds=0.03, bulk_objects_per_second=4_000.0)
    expected = _paginated(base, token)
    rng = random.Random(15)
    killed_at: list[tuple[str, int, str]] = []
    for trial in range(12):
        folder = tmp_path / f"load-{trial}"
        state = JsonFileState(folder / "state.json")
        jobs_before = len(shop.graphql.bulk.jobs)
        outcome = None
        for _ in range(rng.randint(1, 3)):
            site = rng.choice(["execute", "execute", "execute", "fetch", "store"])
            kill = (
                site,
                rng.randint(0, 75) if site == "store" else rng.randint(1, 6),
                rng.choice(["before", "after"]),
            )
            runner, store = _faulty(base, token, folder / "work", kill, rng)
            try:
                outcome = runner.run(ORDERS, state, store(folder / "orders.jsonl"))
            except Killed:
                killed_at.append(kill)
                assert not (folder / "orders.jsonl").exists()
                continue
            break  # the kill point was not reached: the load is done
        if outcome is None:
            outcome = _runner(base, folder / "work", token).run(
                ORDERS, state, store_to(folder / "orders.jsonl")
            )
        assert _stored(folder / "orders.jsonl") == expected, f"load {trial}"
        assert len(shop.graphql.bulk.jobs) == jobs_before + 1, f"load {trial}: a second job was started"
        assert outcome.job_id == shop.graphql.bulk.jobs[-1].gid and outcome.restarts == 0
        assert not state.path.exists() and os.listdir(folder / "work") == []
    assert len(killed_at) >= 10
    assert {site for site, _n, _when in killed_at} == {"execute", "fetch", "store"}
    assert [status for status, _code in _statuses(shop)] == ["COMPLETED"] * 12


def test_lost_answer_of_the_start_is_adopted_not_started_again(
    served: tuple[SandboxShop, str], tmp_path: Path
) -> None:
    """Killed after Shopify started the job but before its id was written: the next run finds it (newer
    than the job current before the start, running our query) and starts nothing."""
    shop, base = served
    token = shop.spec.access_token
    state = JsonFileState(tmp_path / "state.json")
    runner, store = _faulty(base, token, tmp_path / "work", ("execute", 2, "after"), random.Random(1))
    with pytest.raises(Killed):
        runner.run(ORDERS, state, store(tmp_path / "orders.jsonl"))
    saved = state.load()
    assert saved is not None and saved["phase"] == "starting" and saved["previous_job"] is None
    assert len(shop.graphql.bulk.jobs) == 1
    outcome = _runner(base, tmp_path / "work", token).run(ORDERS, state, store_to(tmp_path / "orders.jsonl"))
    assert outcome.job_id == shop.graphql.bulk.jobs[0].gid and outcome.resumed
    assert len(shop.graphql.bulk.jobs) == 1 and outcome.records == 76


def test_failed_job_is_a_clear_error_and_its_partial_data_is_never_read(
    served: tuple[SandboxShop, str], tmp_path: Path
) -> None:
    shop, base = served
    token = shop.spec.access_token
    shop.graphql.plant_bulk_fault("fail", after_objects=7)
    fetched: list[str] = []

    def fetch(url: str, destination: str) -> int:
        fetched.append(url)
        return download(url, destination)

    state = JsonFileState(tmp_path / "state.json")
    runner = _runner(base, tmp_path / "work", token, max_restarts=0, fetch=fetch)
    with pytest.raises(BulkJobFailed) as caught:
        runner.run(ORDERS, state, store_to(tmp_path / "orders.jsonl"))
    job = shop.graphql.bulk.jobs[0]
    assert str(caught.value) == (
        f"bulk job {job.gid} ended FAILED with error INTERNAL_SERVER_ERROR; its partial data was not used"
    )
    assert (caught.value.job_id, caught.value.error_code) == (job.gid, "INTERNAL_SERVER_ERROR")
    assert job.partial_size > 0 and fetched == []  # a partialDataUrl was offered and not taken
    assert state.load() is None and not (tmp_path / "orders.jsonl").exists()


def test_transient_failure_and_expiry_run_the_query_again(
    served: tuple[SandboxShop, str], tmp_path: Path
) -> None:
    shop, base = served
    token = shop.spec.access_token
    expected = _paginated(base, token)
    shop.graphql.plant_bulk_fault("fail", after_objects=30)
    shop.graphql.plant_bulk_fault("expire")
    state = JsonFileState(tmp_path / "state.json")
    outcome = _runner(base, tmp_path / "work", token, max_restarts=2).run(
        ORDERS, state, store_to(tmp_path / "orders.jsonl")
    )
    assert _statuses(shop) == [("FAILED", "INTERNAL_SERVER_ERROR"), ("EXPIRED", None), ("COMPLETED", None)]
    assert outcome.restarts == 2 and outcome.job_id == shop.graphql.bulk.jobs[2].gid
    assert _stored(tmp_path / "orders.jsonl") == expected

    # out of restarts: the last failure is the error, naming how often it was tried
    shop.graphql.plant_bulk_fault("expire")
    shop.graphql.plant_bulk_fault("expire")
    with pytest.raises(BulkJobFailed) as caught:
        _runner(base, tmp_path / "work", token, max_restarts=1).run(
            ORDERS, state, store_to(tmp_path / "x.jsonl")
        )
    assert str(caught.value) == f"bulk job {shop.graphql.bulk.jobs[4].gid} ended EXPIRED after 1 restarts"
    assert len(shop.graphql.bulk.jobs) == 5 and state.load() is None


def test_access_denied_is_not_retried(served: tuple[SandboxShop, str], tmp_path: Path) -> None:
    shop, base = served
    shop.graphql.plant_bulk_fault("access_denied")
    state = JsonFileState(tmp_path / "state.json")
    with pytest.raises(BulkJobFailed) as caught:
        _runner(base, tmp_path / "work", shop.spec.access_token, max_restarts=2).run(
            ORDERS, state, store_to(tmp_path / "orders.jsonl")
        )
    assert (
        str(caught.value) == f"bulk job {shop.graphql.bulk.jobs[0].gid} ended FAILED with error ACCESS_DENIED"
    )
    assert _statuses(shop) == [("FAILED", "ACCESS_DENIED")]


def test_result_url_expired_before_the_download_runs_the_query_again(tmp_path: Path) -> None:
    """Killed between the job's completion and the download, resumed after the URL's week: 403, so the
    query runs again (never a partial or stale file)."""
    shop = tiny_shop()
    offset = [0.0]
    shop.graphql.configure(timer=lambda: time.monotonic() + offset[0])
    with serve({shop.name: shop}) as server:
        base, token = server.base_url(shop.name), shop.spec.access_token
        state = JsonFileState(tmp_path / "state.json")
        runner, store = _faulty(base, token, tmp_path / "work", ("fetch", 0, "before"), random.Random(2))
        with pytest.raises(Killed):
            runner.run(ORDERS, state, store(tmp_path / "orders.jsonl"))
        assert state.load()["phase"] == "running"
        offset[0] += 7 * 86_400 + 60
        outcome = _runner(base, tmp_path / "work", token).run(
            ORDERS, state, store_to(tmp_path / "orders.jsonl")
        )
        assert outcome.restarts == 1 and outcome.records == 76
        assert [status for status, _code in _statuses(shop)] == ["COMPLETED", "COMPLETED"]
        assert outcome.job_id == shop.graphql.bulk.jobs[1].gid


def _start_directly(base: str, token: str, query: str) -> str:
    mutation = (
        "mutation($q: String!) { bulkOperationRunQuery(query: $q) "
        "{ bulkOperation { id } userErrors { message } } }"
    )
    answer = ShopifyGraphQLClient(base, token, api_version=VERSION).bulk_execute(mutation, {"q": query})[
        "bulkOperationRunQuery"
    ]
    assert answer["userErrors"] == []
    return answer["bulkOperation"]["id"]


def test_shop_busy_with_another_query_waits_then_fails_or_goes_on(
    served: tuple[SandboxShop, str], tmp_path: Path
) -> None:
    shop, base = served
    token = shop.spec.access_token
    shop.graphql.configure(bulk_start_seconds=0.4)  # every job waits 0.4 s before it runs
    other = _start_directly(base, token, "{ customers { edges { node { id email } } } }")
    state = JsonFileState(tmp_path / "state.json")
    with pytest.raises(BulkShopBusy) as caught:
        _runner(base, tmp_path / "work", token, busy_timeout=0.05).run(
            ORDERS, state, store_to(tmp_path / "o.jsonl")
        )
    assert str(caught.value) == (
        f"another bulk job ({other}, not running this query) kept the shop busy for more than 0.05 s; "
        "not starting a second one"
    )
    assert caught.value.job_id == other and len(shop.graphql.bulk.jobs) == 1

    outcome = _runner(base, tmp_path / "work", token, busy_timeout=30.0).run(
        ORDERS, state, store_to(tmp_path / "o.jsonl")
    )
    bulk = shop.graphql.bulk
    first, ours = bulk.jobs
    assert outcome.job_id == ours.gid and outcome.records == 76
    assert ours.started >= bulk.status(first)["finished"]  # ours began only once the other had ended


def test_our_query_already_running_is_adopted(served: tuple[SandboxShop, str], tmp_path: Path) -> None:
    """The state is gone (a new machine) but the shop runs our very query: adopted, not started twice."""
    shop, base = served
    token = shop.spec.access_token
    shop.graphql.configure(bulk_start_seconds=0.2)
    running = _start_directly(base, token, ORDERS.query)
    outcome = _runner(base, tmp_path / "work", token).run(
        ORDERS, JsonFileState(tmp_path / "state.json"), store_to(tmp_path / "orders.jsonl")
    )
    assert outcome.job_id == running and len(shop.graphql.bulk.jobs) == 1 and outcome.records == 76


def test_a_file_short_of_the_job_counts_is_refused_then_downloaded_again(
    served: tuple[SandboxShop, str], tmp_path: Path
) -> None:
    shop, base = served
    token = shop.spec.access_token

    def short(url: str, destination: str) -> int:
        download(url, destination)
        lines = Path(destination).read_bytes().splitlines(keepends=True)
        Path(destination).write_bytes(b"".join(lines[:-1]))  # the last line lost on the way
        return 0

    state = JsonFileState(tmp_path / "state.json")
    with pytest.raises(BulkCountMismatch) as caught:
        _runner(base, tmp_path / "work", token, fetch=short).run(
            ORDERS, state, store_to(tmp_path / "orders.jsonl")
        )
    job = shop.graphql.bulk.jobs[0]
    assert str(caught.value) == (
        f"bulk job {job.gid} reported {job.objects} objects and 76 roots, its file holds {job.objects - 1} "
        "lines and 76 roots; the file is discarded and will be downloaded again"
    )
    assert state.load()["phase"] == "running" and not (tmp_path / "orders.jsonl").exists()
    outcome = _runner(base, tmp_path / "work", token).run(ORDERS, state, store_to(tmp_path / "orders.jsonl"))
    assert (outcome.job_id, outcome.objects, outcome.records) == (job.gid, job.objects, 76)
    assert len(shop.graphql.bulk.jobs) == 1


def test_no_token_or_signed_url_in_state_logs_or_errors(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    canary = "shpat_CANARY_bulk_0123456789abcdef"
    shop = tiny_shop(access_token=canary)
    shop.graphql.plant_bulk_fault("fail", after_objects=5)
    texts: list[str] = []
    with serve({shop.name: shop}) as server, caplog.at_level(logging.DEBUG):
        base = server.base_url(shop.name)
        state = JsonFileState(tmp_path / "state.json")
        runner, store = _faulty(base, canary, tmp_path / "work", ("fetch", 0, "before"), random.Random(3))
        with pytest.raises(BulkJobFailed) as failed:
            _runner(base, tmp_path / "work", canary, max_restarts=0).run(
                ORDERS, state, store(tmp_path / "o.jsonl")
            )
        texts.append(str(failed.value))
        with pytest.raises(Killed):
            runner.run(ORDERS, state, store(tmp_path / "o.jsonl"))
        texts.append(state.path.read_text(encoding="utf-8"))
        _runner(base, tmp_path / "work", canary).run(ORDERS, state, store_to(tmp_path / "o.jsonl"))
    texts.append(caplog.text)
    signed = [job.token for job in shop.graphql.bulk.jobs] + [
        job.partial_token for job in shop.graphql.bulk.jobs
    ]
    assert "bulk job" in caplog.text  # the runner did log
    assert '"GET [REDACTED] HTTP/1.1" 200' in caplog.text  # urllib3's debug line of the download, redacted
    for text in texts:
        assert canary not in text
        leaks = [line for line in text.splitlines() if any(token in line for token in signed)]
        assert leaks == []


def _killed_in_phase(base: str, token: str, folder: Path, phase: str) -> None:
    """Run the load in a child process and SIGKILL it once its state file shows ``phase``."""
    state = JsonFileState(folder / "state.json")
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.resources.bulk_child", base, token, str(folder), "0.02"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            saved = state.load() if state.path.exists() else None
            if saved is not None and saved["phase"] == phase:
                break
            assert child.poll() is None, child.stderr.read().decode() if child.stderr else ""
            time.sleep(0.002)
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(10)
        if child.stderr is not None:
            child.stderr.close()
    assert child.returncode == -signal.SIGKILL


def test_sigkilled_while_polling_and_while_storing_resumes(
    served: tuple[SandboxShop, str], tmp_path: Path
) -> None:
    """A real kill -9 of a process running the load, once while it polls the job and once while it stores
    the records; an in-process run then finishes each load with the same job and every order once."""
    shop, base = served
    token = shop.spec.access_token
    shop.graphql.configure(bulk_start_seconds=1.0)  # polled for a second: room to be killed in
    expected = _paginated(base, token)
    for load, phase in enumerate(["running", "downloaded"]):
        folder = tmp_path / f"load-{load}"
        _killed_in_phase(base, token, folder, phase)
        assert len(shop.graphql.bulk.jobs) == load + 1 and not (folder / "orders.jsonl").exists()
        outcome = _runner(base, folder / "work", token).run(
            ORDERS, JsonFileState(folder / "state.json"), store_to(folder / "orders.jsonl")
        )
        assert outcome.resumed and outcome.job_id == shop.graphql.bulk.jobs[load].gid
        assert len(shop.graphql.bulk.jobs) == load + 1, "a second job was started"
        assert _stored(folder / "orders.jsonl") == expected


def test_a_start_whose_answer_is_lost_on_the_wire_is_found_in_the_same_run(
    served: tuple[SandboxShop, str], tmp_path: Path
) -> None:
    """The mutation reached Shopify but its answer did not come back (a network error): the runner looks
    for the job before trying again, finds it, and goes on with it."""
    shop, base = served
    token = shop.spec.access_token
    poster = ShopifyGraphQLClient(base, token, api_version=VERSION).bulk_execute

    def execute(query: str, variables: dict) -> dict:
        data = poster(query, variables)
        if query.startswith("mutation"):
            raise ShopifyAPIError(
                "network error (ReadTimeout)", method="POST", path="/", status=None, api_message=""
            )
        return data

    runner = BulkRunner(execute, tmp_path / "work", poll_interval=0.005)
    outcome = runner.run(ORDERS, JsonFileState(tmp_path / "state.json"), store_to(tmp_path / "orders.jsonl"))
    assert (outcome.job_id, outcome.records, outcome.resumed) == (shop.graphql.bulk.jobs[0].gid, 76, False)
    assert len(shop.graphql.bulk.jobs) == 1


def test_an_empty_window_and_a_stale_or_broken_state(
    served: tuple[SandboxShop, str], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    shop, base = served
    token = shop.spec.access_token
    empty = BulkQuery(ORDERS.query.replace("2020-01-01", "2031-01-01"), ORDERS.shape)
    state = JsonFileState(tmp_path / "state.json")
    state.save(
        {"phase": "running", "fingerprint": "another query", "job_id": "gid://shopify/BulkOperation/1"}
    )
    with caplog.at_level(logging.WARNING):
        outcome = _runner(base, tmp_path / "work", token).run(empty, state, store_to(tmp_path / "none.jsonl"))
    assert "bulk state of another query (job gid://shopify/BulkOperation/1) dropped" in caplog.text
    assert (outcome.objects, outcome.roots, outcome.records, outcome.value) == (0, 0, 0, 0)
    assert _statuses(shop) == [("COMPLETED", None)] and _stored(tmp_path / "none.jsonl") == []
    assert state.load() is None and sorted(os.listdir(tmp_path)) == ["none.jsonl", "work"]

    state.path.write_text("{not json", encoding="utf-8")
    with pytest.raises(BulkStateError) as caught:
        _runner(base, tmp_path / "work", token).run(ORDERS, state, store_to(tmp_path / "o.jsonl"))
    assert str(caught.value).startswith(f"bulk state file {state.path} is not JSON (")
    assert str(caught.value).endswith("); remove it to start over")
    assert len(shop.graphql.bulk.jobs) == 1


def test_a_job_still_running_at_the_poll_timeout_is_resumed_by_the_next_run(
    served: tuple[SandboxShop, str], tmp_path: Path
) -> None:
    shop, base = served
    token = shop.spec.access_token
    shop.graphql.configure(bulk_start_seconds=3_600.0)  # an hour in CREATED
    state = JsonFileState(tmp_path / "state.json")
    with pytest.raises(BulkOperationError) as caught:
        _runner(base, tmp_path / "work", token, poll_timeout=0.05).run(
            ORDERS, state, store_to(tmp_path / "o.jsonl")
        )
    job = shop.graphql.bulk.jobs[0]
    assert str(caught.value) == (
        f"bulk job {job.gid} still CREATED after 0.05 s; it keeps running and the next run resumes it"
    )
    assert state.load()["job_id"] == job.gid
    shop.graphql.configure(bulk_start_seconds=0.0)  # the hour has passed
    (tmp_path / "work").mkdir()
    (tmp_path / "work" / "99.jsonl.part").write_bytes(b'{"id":')  # a killed download of an older job
    outcome = _runner(base, tmp_path / "work", token).run(ORDERS, state, store_to(tmp_path / "o.jsonl"))
    assert (outcome.job_id, outcome.resumed, outcome.records) == (job.gid, True, 76)
    assert len(shop.graphql.bulk.jobs) == 1 and os.listdir(tmp_path / "work") == []


class _ScriptedShop:
    """A shop's bulk API in memory, on a fake clock: one job, RUNNING until ``done_at`` seconds, then
    COMPLETED with ``lines`` as its file."""

    def __init__(self, lines: list[dict], done_at: float) -> None:
        self.now = 0.0
        self.done_at = done_at
        self.body = "".join(json.dumps(line) + "\n" for line in lines).encode()
        self.roots = sum("__parentId" not in line for line in lines)
        self.objects = len(lines)
        self.sleeps: list[float] = []
        self.polls: list[float] = []

    def job(self) -> dict:
        done = self.now >= self.done_at
        return {
            "id": "gid://shopify/BulkOperation/7",
            "status": "COMPLETED" if done else "RUNNING",
            "errorCode": None,
            "objectCount": str(self.objects) if done else "0",
            "rootObjectCount": str(self.roots) if done else "0",
            "url": "https://storage.example/7.jsonl" if done else None,
            "partialDataUrl": None,
            "query": ORDERS.query,
        }

    def execute(self, query: str, variables: dict) -> dict:
        if query == RUN_MUTATION:
            return {"bulkOperationRunQuery": {"bulkOperation": self.job(), "userErrors": []}}
        if query == CURRENT_QUERY:
            return {"currentBulkOperation": None}
        assert query == NODE_QUERY and variables == {"id": "gid://shopify/BulkOperation/7"}
        self.polls.append(self.now)
        return {"node": self.job()}

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds

    def fetch(self, url: str, destination: str) -> int:
        Path(destination).write_bytes(self.body)
        return len(self.body)

    def runner(self, work: Path, **options: Any) -> BulkRunner:
        return BulkRunner(
            self.execute, work, fetch=self.fetch, sleep=self.sleep, clock=lambda: self.now, **options
        )


def _line_item(number: int, order: int) -> dict:
    return {
        "id": f"gid://shopify/LineItem/{number}",
        "sku": f"S{number}",
        "__parentId": f"gid://shopify/Order/{order}",
    }


def test_polls_start_at_the_interval_and_grow_by_half_up_to_the_cap(tmp_path: Path) -> None:
    """A job of 60 s polled from 2 s: 2, 3, 4.5, 6.75, 10.125, then 15 s (the cap), 10 polls instead of 30;
    a job that ends at once is still seen after the first 2 s."""
    lines = [{"id": "gid://shopify/Order/1"}, _line_item(11, 1)]
    shop = _ScriptedShop(lines, done_at=60.0)
    state = JsonFileState(tmp_path / "state.json")
    outcome = shop.runner(tmp_path / "work", poll_interval=2.0, poll_max_interval=15.0).run(
        ORDERS, state, store_to(tmp_path / "o.jsonl")
    )
    assert shop.sleeps == [2.0, 3.0, 4.5, 6.75, 10.125, 15.0, 15.0, 15.0]
    assert shop.polls == [2.0, 5.0, 9.5, 16.25, 26.375, 41.375, 56.375, 71.375]
    assert (outcome.records, outcome.objects) == (1, 2)

    quick = _ScriptedShop(lines, done_at=0.5)
    quick.runner(tmp_path / "w2", poll_interval=2.0).run(
        ORDERS, JsonFileState(tmp_path / "s2.json"), store_to(tmp_path / "o2.jsonl")
    )
    assert quick.sleeps == [2.0]

    default_cap = BulkRunner(shop.execute, tmp_path / "w3", poll_interval=0.2).poll_waits()
    assert [round(next(default_cap), 6) for _ in range(9)] == [
        0.2,
        0.3,
        0.45,
        0.675,
        1.0125,
        1.51875,
        2.0,
        2.0,
        2.0,
    ]
    fixed = BulkRunner(shop.execute, tmp_path / "w4", poll_interval=0.5, poll_max_interval=0.5).poll_waits()
    assert [next(fixed) for _ in range(3)] == [0.5, 0.5, 0.5]
    with pytest.raises(ValueError) as caught:
        BulkRunner(shop.execute, tmp_path / "w5", poll_interval=3.0, poll_max_interval=1.0)
    assert str(caught.value) == "poll_max_interval (1 s) must be >= poll_interval (3 s)"


def test_the_poll_timeout_is_kept_with_growing_waits(tmp_path: Path) -> None:
    """The last wait is cut to the timeout: looked at 2, 5, 9.5 and 10 s, then the error at 10 s."""
    shop = _ScriptedShop([{"id": "gid://shopify/Order/1"}], done_at=3_600.0)
    state = JsonFileState(tmp_path / "state.json")
    with pytest.raises(BulkOperationError) as caught:
        shop.runner(tmp_path / "work", poll_interval=2.0, poll_timeout=10.0).run(
            ORDERS, state, store_to(tmp_path / "o.jsonl")
        )
    assert str(caught.value) == (
        "bulk job gid://shopify/BulkOperation/7 still RUNNING after 10 s; it keeps running and the next run "
        "resumes it"
    )
    assert shop.polls == [2.0, 5.0, 9.5, 10.0]
    assert state.load()["job_id"] == "gid://shopify/BulkOperation/7"


def test_a_file_with_a_late_child_is_read_again_through_the_index(tmp_path: Path) -> None:
    """The one pass meets a line item after another order's lines: consume is called again with the
    records read through the index, and stores each order once, its late line item in place."""
    lines = [
        {"id": "gid://shopify/Order/1"},
        _line_item(11, 1),
        {"id": "gid://shopify/Order/2"},
        _line_item(12, 1),  # Order/1's, after Order/2
        {"id": "gid://shopify/Order/3"},
    ]
    shop = _ScriptedShop(lines, done_at=0.0)
    calls: list[list[str]] = []
    inner = store_to(tmp_path / "o.jsonl")

    def consume(records: Iterator[dict]) -> int:
        calls.append([])

        def noted() -> Iterator[dict]:
            for record in records:
                calls[-1].append(record["id"].rsplit("/", 1)[-1])
                yield record

        return inner(noted())

    state = JsonFileState(tmp_path / "state.json")
    outcome = shop.runner(tmp_path / "work", poll_interval=1.0).run(ORDERS, state, consume)
    assert calls == [["1"], ["1", "2", "3"]]  # the first pass stopped at line 4, its record dropped
    assert (outcome.records, outcome.roots, outcome.objects, outcome.value) == (3, 3, 5, 3)
    assert [(r["id"], [i["id"] for i in r["lineItems"]]) for r in _stored(tmp_path / "o.jsonl")] == [
        ("gid://shopify/Order/1", ["gid://shopify/LineItem/11", "gid://shopify/LineItem/12"]),
        ("gid://shopify/Order/2", []),
        ("gid://shopify/Order/3", []),
    ]
    assert state.load() is None and os.listdir(tmp_path / "work") == []


def test_the_resource_caps_the_polls_at_ten_times_the_first_wait_unless_told() -> None:
    from pydantic import ValidationError

    from resources.shopify.client import ShopifyClientResource

    assert ShopifyClientResource().bulk_poll_max_seconds is None  # the runner's 10 x 2 s
    assert BulkRunner(lambda query, variables: {}, "w", poll_interval=2.0).poll_max_interval == 20.0
    with pytest.raises(ValidationError) as caught:
        ShopifyClientResource(bulk_poll_seconds=3.0, bulk_poll_max_seconds=1.0)
    assert "bulk_poll_max_seconds (1) must be >= bulk_poll_seconds (3)" in str(caught.value)
