"""Both resources inside a real Dagster materialization (config plumbing, no token in config or metadata)."""

import json
from datetime import UTC, date, datetime

import dagster as dg

from resources.raw_store import RawStoreResource
from resources.shopify.client import ShopifyClientResource, ShopifyProtectedDataError
from tests.resources.conftest import TOKEN
from tests.resources.stub_server import Reply

V = "/admin/api/2024-10"


def test_asset_fetches_and_writes_with_both_resources(stub, tmp_path, monkeypatch):
    monkeypatch.setenv("ACME_SHOPIFY_TOKEN", TOKEN)
    stub.route(
        f"{V}/orders.json",
        Reply(200, {"orders": [{"id": 1}, {"id": 2}]}, {"X-Shopify-Shop-Api-Call-Limit": "1/40"}),
    )
    stub.route(
        f"{V}/customers.json",
        Reply(
            403,
            {
                "errors": "[API] This app is not approved to access REST "
                "endpoints with protected customer data."
            },
        ),
    )
    shop_url = stub.base_url

    @dg.asset
    def raw_shopify(
        context: dg.AssetExecutionContext, shopify: ShopifyClientResource, raw_store: RawStoreResource
    ) -> dg.MaterializeResult:
        import os

        client = shopify.for_shop(shop_url, os.environ["ACME_SHOPIFY_TOKEN"])
        end = datetime(2024, 3, 1, 23, 59, 59, tzinfo=UTC)
        written = raw_store.write_partition(
            "shopify", "orders", "acme", date(2024, 3, 1), client.iter_orders(None, end)
        )
        warnings = []
        try:
            raw_store.write_partition(
                "shopify", "customers", "acme", date(2024, 3, 1), client.iter_customers(None, end)
            )
        except ShopifyProtectedDataError as exc:
            warnings.append(f"skipped {exc.resource}: {exc.api_message}")
        metadata = {"records": written.records, "warnings": warnings, **client.stats}
        return dg.MaterializeResult(metadata=metadata)

    result = dg.materialize(
        [raw_shopify],
        resources={
            "shopify": ShopifyClientResource(api_version="2024-10", page_size=100, max_attempts=2),
            "raw_store": RawStoreResource(base_url=str(tmp_path / "raw")),
        },
    )
    assert result.success
    mat = result.asset_materializations_for_node("raw_shopify")[0]
    assert mat.metadata["records"].value == 2
    assert mat.metadata["requests"].value == 2
    assert mat.metadata["warnings"].value == [
        "skipped customers: [API] This app is not approved to access REST endpoints with protected "
        "customer data."
    ]
    assert stub.hits(f"{V}/orders.json")[0].query["limit"] == "100"
    assert not (tmp_path / "raw/shopify/customers/acme/2024-03-01.jsonl.gz").exists()
    assert TOKEN not in json.dumps({k: str(v.value) for k, v in mat.metadata.items()})
    assert TOKEN not in repr(ShopifyClientResource())
