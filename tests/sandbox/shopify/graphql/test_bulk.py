"""Bulk operations of the GraphQL sandbox: lifecycle, the JSONL file, expiry, planted failures, and both
transports (in-process and the HTTP server on 127.0.0.1)."""

from __future__ import annotations

import json

import requests

from sandbox.shopify import inprocess, registry
from sandbox.shopify.model import SandboxShop
from sandbox.shopify.server import serve

from ...conftest import tiny_shop
from .conftest import ManualTimer, call, data, rest

BULK_QUERY = """{ orders(query: "created_at:>='2020-01-01'") { edges { node { id name
  totalPriceSet { shopMoney { amount } }
  lineItems { edges { node { id sku quantity } } }
  refunds { id } } } } }"""
STATUS = """{ currentBulkOperation { id status errorCode objectCount rootObjectCount fileSize url
  partialDataUrl createdAt completedAt } }"""


def _run(shop: SandboxShop, query: str = BULK_QUERY, version: str = "2025-07") -> dict:
    mutation = (
        "mutation($q: String!) { bulkOperationRunQuery(query: $q) "
        "{ bulkOperation { id status } userErrors { field message code } } }"
    )
    _status, _headers, payload = call(shop, mutation, {"q": query}, version=version)
    return payload["data"]["bulkOperationRunQuery"]


def _current(shop: SandboxShop) -> dict:
    return data(shop, STATUS)["currentBulkOperation"]


def _download(shop: SandboxShop, url: str) -> requests.Response:
    session = inprocess.mount(requests.Session())
    return session.get(url, stream=True, timeout=10)


def _shop(**settings: object) -> tuple[SandboxShop, ManualTimer]:
    shop = tiny_shop()
    timer = ManualTimer()
    shop.graphql.configure(timer=timer, **settings)
    return shop, timer


def test_lifecycle_jsonl_and_expiry() -> None:
    shop, timer = _shop(bulk_objects_per_second=50.0, bulk_start_seconds=1.0)
    registry.register(shop.name, shop)
    try:
        created = _run(shop)
        assert created["userErrors"] == [] and created["bulkOperation"]["status"] == "CREATED"
        job_id = created["bulkOperation"]["id"]
        assert job_id.startswith("gid://shopify/BulkOperation/")
        second = _run(shop)
        assert second["bulkOperation"] is None
        assert second["userErrors"] == [
            {
                "field": ["query"],
                "message": f"A bulk query operation for this app and shop is already in progress: {job_id}.",
                "code": "OPERATION_IN_PROGRESS",
            }
        ]
        shop.graphql.bulk.join()
        assert _current(shop)["status"] == "CREATED"
        timer.advance(2.0)  # one second of running: 50 objects
        running = _current(shop)
        assert running["status"] == "RUNNING" and running["objectCount"] == "50" and running["url"] is None
        timer.advance(10.0)
        done = _current(shop)
        assert done["status"] == "COMPLETED" and done["errorCode"] is None and done["completedAt"]
        assert data(shop, f'{{ node(id: "{job_id}") {{ ... on BulkOperation {{ status url }} }} }}')[
            "node"
        ] == {
            "status": "COMPLETED",
            "url": done["url"],
        }
        response = _download(shop, done["url"])
        assert response.status_code == 200
        lines = [json.loads(line) for line in response.iter_lines() if line]
        assert int(done["fileSize"]) == int(response.headers["Content-Length"])
        assert len(lines) == int(done["objectCount"])
        roots = [line for line in lines if "__parentId" not in line]
        assert len(roots) == int(done["rootObjectCount"])
        assert [int(line["id"].rsplit("/", 1)[1]) for line in roots] == sorted(
            order["id"] for order in rest(shop, "orders", "status=any&limit=250")
        )
        seen: set[str] = set()
        children = 0
        for line in lines:
            if "__parentId" in line:
                assert line["__parentId"] in seen  # the parent came first
                assert line["id"].startswith("gid://shopify/LineItem/")
                assert set(line) == {"id", "sku", "quantity", "__parentId"}
                children += 1
            else:
                assert "lineItems" not in line and isinstance(line["refunds"], list)
            seen.add(line["id"])
        assert children == sum(
            len(order["line_items"]) for order in rest(shop, "orders", "status=any&limit=250")
        )
        assert _run(shop)["userErrors"] == []  # a new job once the first finished
        timer.advance(7 * 86_400 + 60)  # a week after completion the URL is dead
        expired = _download(shop, done["url"])
        assert expired.status_code == 403 and b"expired" in expired.content
    finally:
        registry.unregister(shop.name)


def test_planted_failures() -> None:
    shop, timer = _shop()
    shop.graphql.plant_bulk_fault("fail", after_objects=7)
    _run(shop)
    shop.graphql.bulk.join()
    timer.advance(1.0)
    failed = _current(shop)
    assert failed["status"] == "FAILED" and failed["errorCode"] == "INTERNAL_SERVER_ERROR"
    assert failed["url"] is None and failed["partialDataUrl"]
    registry.register(shop.name, shop)
    try:
        partial = _download(shop, failed["partialDataUrl"]).text.splitlines()
    finally:
        registry.unregister(shop.name)
    assert len(partial) == 7 == int(failed["objectCount"])

    shop.graphql.plant_bulk_fault("expire")
    _run(shop)
    shop.graphql.bulk.join()
    timer.advance(1.0)
    expired = _current(shop)
    assert expired["status"] == "EXPIRED" and expired["url"] is None

    shop.graphql.plant_bulk_fault("access_denied")
    _run(shop)
    denied = _current(shop)
    assert (denied["status"], denied["errorCode"], denied["objectCount"]) == ("FAILED", "ACCESS_DENIED", "0")

    no_scope = tiny_shop(scopes={"read_products"})
    no_scope.graphql.configure(timer=ManualTimer())
    assert _run(no_scope)["userErrors"] == []
    no_scope.graphql.bulk.join()
    assert _current(no_scope)["errorCode"] == "ACCESS_DENIED"


def test_invalid_queries_cancel_and_concurrency() -> None:
    shop, timer = _shop(bulk_objects_per_second=1.0)
    assert _run(shop, "{ shop { id } }")["userErrors"][0]["message"] == (
        "Bulk queries must contain at least one connection."
    )
    missing_id = _run(shop, "{ orders { edges { node { name lineItems { edges { node { id } } } } } } }")
    assert missing_id["userErrors"][0]["message"].startswith(
        "The parent 'node' field for a nested connection must select the 'id' field"
    )
    too_deep = _run(
        shop,
        "{ products { edges { node { id variants { edges { node { id inventoryItem { id "
        "inventoryLevels { edges { node { id } } } } } } } } } } }",
    )
    assert too_deep["userErrors"][0]["message"] == (
        "Bulk queries cannot contain connections with a nesting depth greater than 2."
    )
    assert _run(shop, "{ orders { edges { node { id } } } ")["userErrors"][0]["message"].startswith(
        "Invalid bulk query"
    )
    job = _run(shop)["bulkOperation"]["id"]
    cancel = (
        "mutation($id: ID!) { bulkOperationCancel(id: $id) "
        "{ bulkOperation { status } userErrors { message } } }"
    )
    assert data(shop, cancel, {"id": job})["bulkOperationCancel"] == {
        "bulkOperation": {"status": "CANCELING"},
        "userErrors": [],
    }
    shop.graphql.bulk.join()
    assert _current(shop)["status"] == "CANCELED"
    again = data(shop, cancel, {"id": job})["bulkOperationCancel"]
    assert again["userErrors"] == [{"message": "A bulk operation cannot be canceled when it is canceled"}]
    # from API 2026-01 Shopify runs up to five bulk queries per shop
    for _ in range(5):
        assert _run(shop, version="2026-01")["userErrors"] == []
    assert _run(shop, version="2026-01")["userErrors"][0]["code"] == "OPERATION_IN_PROGRESS"
    shop.graphql.bulk.join()


def test_http_server_graphql_and_bulk_download() -> None:
    shop, timer = _shop()
    with serve({shop.name: shop}) as server:
        url = f"{server.base_url(shop.name)}/admin/api/2025-10/graphql.json"
        headers = {"X-Shopify-Access-Token": shop.spec.access_token}
        query = {"query": "{ orders(first: 3) { nodes { id } } }"}
        response = requests.post(url, json=query, headers=headers, timeout=10)
        assert response.status_code == 200 and response.headers["X-Shopify-API-Version"] == "2025-10"
        assert len(response.json()["data"]["orders"]["nodes"]) == 3
        assert requests.post(url, json={"query": "{ shop { id } }"}, timeout=10).status_code == 401
        mutation = {
            "query": "mutation { bulkOperationRunQuery("
            'query: "{ customers { edges { node { id email } } } }") '
            "{ bulkOperation { id } userErrors { message } } }"
        }
        created = requests.post(url, json=mutation, headers=headers, timeout=10).json()
        assert created["data"]["bulkOperationRunQuery"]["userErrors"] == []
        shop.graphql.bulk.join()
        timer.advance(1.0)
        answer = requests.post(url, json={"query": STATUS}, headers=headers, timeout=10).json()
        status = answer["data"]["currentBulkOperation"]
        assert status["url"].startswith(server.base_url(shop.name) + "/bulk-operations/")
        download = requests.get(status["url"], timeout=10)
        lines = download.text.splitlines()
        assert download.status_code == 200 and lines and len(lines) == int(status["objectCount"])
        assert all(json.loads(line)["id"].startswith("gid://shopify/Customer/") for line in lines)
        # the same shop through the in-process transport gives the same data
        registry.register(shop.name, shop)
        try:
            session = inprocess.mount(requests.Session())
            local = session.post(
                f"sandbox://{shop.name}/admin/api/2025-10/graphql.json",
                json={"query": "{ orders(first: 3) { nodes { id } } }"},
                headers=headers,
                timeout=10,
            )
            assert local.json()["data"] == response.json()["data"]
        finally:
            registry.unregister(shop.name)


def test_faults_apply_to_graphql() -> None:
    shop, _timer = _shop()
    shop.faults.add("graphql.json", "status", status=503)
    assert call(shop, "{ shop { id } }")[0] == 503
    assert call(shop, "{ shop { id } }")[0] == 200


def test_bulk_defects_from_the_defect_configuration() -> None:
    from sandbox.shopify.defects import parse_defects

    shop, timer = _shop()
    shop.defects = parse_defects("tiny:bulk_fail?objects=3; tiny:bulk_expire")["tiny"]
    outcomes = []
    for _ in range(3):
        _run(shop)
        shop.graphql.bulk.join()
        timer.advance(1.0)
        current = _current(shop)
        outcomes.append((current["status"], current["errorCode"], current["objectCount"]))
    assert outcomes[:2] == [("FAILED", "INTERNAL_SERVER_ERROR", "3"), ("EXPIRED", None, outcomes[1][2])]
    assert outcomes[2][0] == "COMPLETED"  # each defect hits one job: the retry succeeds
    assert rest(shop, "orders", "status=any&limit=250")  # REST answers are untouched


def test_typename_of_concrete_and_abstract_nodes_in_the_jsonl() -> None:
    """``__typename`` is the node's type on concrete types (ShippingLine) as on interface members
    (discount applications), as a paginated query answers it."""
    shop, timer = _shop()
    query = (
        "{ orders { edges { node { id __typename shippingLines { edges { node { __typename title } } } "
        "discountApplications { edges { node { __typename index } } } } } } }"
    )
    assert _run(shop, query)["userErrors"] == []
    shop.graphql.bulk.join()
    timer.advance(1.0)
    with open(shop.graphql.bulk.jobs[0].path, encoding="utf-8") as lines:
        typenames = {json.loads(line)["__typename"] for line in lines}
    assert "Order" in typenames and "ShippingLine" in typenames and None not in typenames
    assert typenames - {"Order", "ShippingLine"} <= {
        "DiscountCodeApplication",
        "ManualDiscountApplication",
        "AutomaticDiscountApplication",
        "ScriptDiscountApplication",
    }
    assert typenames - {"Order", "ShippingLine"}  # the tiny shop has discounts
