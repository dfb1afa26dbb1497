"""The bulk runner's HTTP pieces (resources/shopify/bulk_http.py) against the sandbox's HTTP server: GraphQL
retries (never for a mutation Shopify may have run), THROTTLED waited out from throttleStatus, 401, and the
streamed download retried through dropped connections and 5xx, refused when the URL expired."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from resources.http import RetryPolicy
from resources.shopify.bulk_http import BulkDownloadGone, GraphQLPoster, download
from resources.shopify.client import ShopifyAPIError, ShopifyAuthError
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
    poster = GraphQLPoster(base, shop.spec.access_token, policy=FAST, sleep=sleeps.append)
    shop.faults.add("graphql.json", status=503, times=2)
    assert len(poster(ORDERS)["orders"]["nodes"]) == 5
    assert sleeps == [0.0, 0.0] and shop.faults.pending() == []

    shop.faults.add("graphql.json", status=503, times=2)
    with pytest.raises(ShopifyAPIError) as caught:
        poster(RUN, {"q": "{ orders { edges { node { id } } } }"})
    assert (
        str(caught.value)
        == 'POST /tiny/admin/api/2025-07/graphql.json -> HTTP 503: {"errors":"Service Unavailable"}'
    )
    assert len(shop.faults.pending()) == 1  # sent once: the second firing is still armed
    assert shop.graphql.bulk.jobs == []

    shop.faults.clear()
    shop.faults.add("graphql.json", status=429, times=1)
    answer = poster(RUN, {"q": "{ orders { edges { node { id } } } }"})["bulkOperationRunQuery"]
    assert answer["userErrors"] == [] and len(shop.graphql.bulk.jobs) == 1  # a 429 ran nothing: retried
    assert sleeps[-1] == 2.0  # the sandbox's Retry-After


def test_throttled_answers_are_waited_out(served: tuple[SandboxShop, str, ManualTimer]) -> None:
    shop, base, timer = served
    shop.graphql.configure(maximum_available=100.0, restore_rate=10.0)
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        timer.advance(seconds)

    poster = GraphQLPoster(base, shop.spec.access_token, policy=FAST, sleep=sleep)
    query = "{ orders(first: 40) { nodes { id } } }"  # 42 points asked and charged
    poster(query)
    poster(query)
    assert sleeps == []
    poster(query)  # 100 - 2 * 42 = 16 left: 26 points short at 10 a second
    assert sleeps == [pytest.approx(2.6)]


def test_a_refused_token_is_named_never_shown(served: tuple[SandboxShop, str, ManualTimer]) -> None:
    _shop, base, _timer = served
    wrong = "shpat_wrong_0123456789abcdef"
    poster = GraphQLPoster(base, wrong, policy=FAST, token_source="environment variable TINY_TOKEN")
    with pytest.raises(ShopifyAuthError) as caught:
        poster(ORDERS)
    assert str(caught.value) == (
        "POST /tiny/admin/api/2025-07/graphql.json -> HTTP 401; the shop refused the token in "
        "environment variable TINY_TOKEN"
    )
    assert caught.value.__cause__ is None and caught.value.__context__ is None


def _completed(shop: SandboxShop, base: str, timer: ManualTimer) -> dict:
    poster = GraphQLPoster(base, shop.spec.access_token)
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
