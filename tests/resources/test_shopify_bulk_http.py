"""The bulk runner's HTTP calls against the sandbox's HTTP server: GraphQL through the client's one
POST path (``ShopifyGraphQLClient.bulk_execute``: queries retried, never a mutation Shopify may have run;
a 401 named, never shown; THROTTLED and cost pacing are tested with the client in
tests/resources/test_shopify_graphql.py), and the streamed download (resources/shopify/bulk_http.py)
retried through dropped connections and 5xx, refused when the URL expired."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from resources.http import RetryPolicy
from resources.shopify.bulk_http import BulkDownloadGone, download
from resources.shopify.client import ShopifyAPIError, ShopifyAuthError
from resources.shopify.graphql import ShopifyGraphQLClient
from resources.shopify.graphql_cost import CostPacerRegistry
from sandbox.shopify.model import SandboxShop
from sandbox.shopify.server import serve
from tests.sandbox.conftest import tiny_shop
from tests.sandbox.shopify.graphql.conftest import ManualTimer

FAST = RetryPolicy(max_attempts=3, backoff_base=0.0, backoff_max=0.0)
ORDERS = "{ orders(first: 5) { nodes { id } } }"
RUN = (
    "mutation($q: String!) { bulkOperationRunQuery(query: $q) { bulkOperation { id url status } "
    "userErrors { message } } }"
)


def _client(base: str, token: str, **options: Any) -> ShopifyGraphQLClient:
    """The GraphQL client (its ``bulk_execute`` is what the bulk runner calls), on a pacer of its own."""
    options.setdefault("sleep", lambda _s: None)
    return ShopifyGraphQLClient(base, token, policy=FAST, pacers=CostPacerRegistry(), **options)


@pytest.fixture
def served() -> Iterator[tuple[SandboxShop, str, ManualTimer]]:
    shop = tiny_shop()
    timer = ManualTimer()
    shop.graphql.configure(timer=timer)
    with serve({shop.name: shop}) as server:
        yield shop, server.base_url(shop.name), timer


def test_queries_are_retried_mutations_are_not(served: tuple[SandboxShop, str, ManualTimer]) -> None:
    shop, base, _timer = served
    sleeps: list[float] = []
    client = _client(base, shop.spec.access_token, sleep=sleeps.append)
    poster = client.bulk_execute
    shop.faults.add("graphql.json", status=503, times=2)
    assert len(poster(ORDERS)["orders"]["nodes"]) == 5
    assert client.stats["retries"] == 2 and client.stats["requests"] == 3 and shop.faults.pending() == []

    shop.faults.add("graphql.json", status=503, times=2)
    with pytest.raises(ShopifyAPIError) as caught:
        poster(RUN, {"q": "{ orders { edges { node { id } } } }"})
    assert (
        str(caught.value) == "POST /tiny/admin/api/2026-10/graphql.json (bulkOperationRunQuery) -> HTTP 503: "
        "Service Unavailable"
    )
    assert len(shop.faults.pending()) == 1 and client.stats["requests"] == 4  # sent once
    assert shop.graphql.bulk.jobs == []

    shop.faults.clear()
    shop.faults.add("graphql.json", status=429, times=1)
    answer = poster(RUN, {"q": "{ orders { edges { node { id } } } }"})["bulkOperationRunQuery"]
    assert answer["userErrors"] == [] and len(shop.graphql.bulk.jobs) == 1  # a 429 ran nothing: retried
    assert sleeps == [2.0]  # the sandbox's Retry-After


def test_a_refused_token_is_named_never_shown(served: tuple[SandboxShop, str, ManualTimer]) -> None:
    _shop, base, _timer = served
    wrong = "shpat_wrong_0123456789abcdef"
    poster = _client(base, wrong, token_source="environment variable TINY_TOKEN").bulk_execute
    with pytest.raises(ShopifyAuthError) as caught:
        poster(ORDERS)
    assert str(caught.value) == (
        "POST /tiny/admin/api/2026-10/graphql.json (bulk operation status) -> HTTP 401: [API] Invalid API "
        "key or access token (unrecognized login or wrong password); the shop refused the token in "
        "environment variable TINY_TOKEN"
    )
    assert caught.value.__cause__ is None and caught.value.__context__ is None


def _completed(shop: SandboxShop, base: str, timer: ManualTimer) -> dict:
    poster = _client(base, shop.spec.access_token).bulk_execute
    job = poster(RUN, {"q": "{ orders { edges { node { id name } } } }"})["bulkOperationRunQuery"][
        "bulkOperation"
    ]
    shop.graphql.bulk.join()
    timer.advance(1.0)
    node = "query($id: ID!) { node(id: $id) { ... on BulkOperation { status url fileSize } } }"
    return poster(node, {"id": job["id"]})["node"]


def test_download_streams_to_disk_through_drops_and_5xx(
    served: tuple[SandboxShop, str, ManualTimer], tmp_path: Path
) -> None:
    shop, base, timer = served
    job = _completed(shop, base, timer)
    assert job["status"] == "COMPLETED"
    shop.faults.add("bulk-operations", kind="drop")
    shop.faults.add("bulk-operations", status=502)
    target = tmp_path / "job.jsonl"
    size = download(job["url"], target, policy=FAST, sleep=lambda _s: None)
    assert size == int(job["fileSize"]) == target.stat().st_size
    assert target.read_bytes() == Path(shop.graphql.bulk.jobs[0].path).read_bytes()
    assert not Path(f"{target}.part").exists() and shop.faults.pending() == []

    shop.faults.add("bulk-operations", status=503, times=3)
    with pytest.raises(ShopifyAPIError) as caught:
        download(job["url"], tmp_path / "again.jsonl", policy=FAST, sleep=lambda _s: None)
    assert str(caught.value) == "GET the bulk result file -> HTTP 503; gave up after 3 attempts"
    assert not (tmp_path / "again.jsonl").exists() and not (tmp_path / "again.jsonl.part").exists()


def test_download_of_an_expired_url_is_gone(
    served: tuple[SandboxShop, str, ManualTimer], tmp_path: Path
) -> None:
    shop, base, timer = served
    job = _completed(shop, base, timer)
    timer.advance(7 * 86_400 + 1)
    with pytest.raises(BulkDownloadGone) as caught:
        download(job["url"], tmp_path / "job.jsonl", policy=FAST)
    assert str(caught.value) == "the bulk result file is no longer served (HTTP 403)"
    assert job["url"] not in str(caught.value)
