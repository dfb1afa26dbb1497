"""Helpers for the GraphQL sandbox tests: a GraphQL call on a shop, and a manual sandbox timer."""

from __future__ import annotations

import json
from typing import Any

from sandbox.shopify.model import SandboxShop

VERSION = "2025-07"


class ManualTimer:
    """Sandbox seconds that move only when a test says so."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def call(
    shop: SandboxShop,
    query: str,
    variables: dict[str, Any] | None = None,
    version: str = VERSION,
    token: str | None = None,
) -> tuple[int, dict[str, str], dict]:
    """POST a GraphQL query to the shop's endpoint in-process: (status, headers, JSON body)."""
    headers = {
        "X-Shopify-Access-Token": token if token is not None else shop.spec.access_token,
        "Content-Type": "application/json",
    }
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    status, response_headers, raw = shop.api.handle(
        "POST", f"/admin/api/{version}/graphql.json", "", headers, f"sandbox://{shop.name}", body=body
    )
    return status, response_headers, json.loads(raw)


def data(shop: SandboxShop, query: str, variables: dict[str, Any] | None = None) -> dict:
    """The ``data`` of a query that must succeed."""
    status, _headers, payload = call(shop, query, variables)
    assert status == 200 and "errors" not in payload, payload
    return payload["data"]


def rest(shop: SandboxShop, resource: str, query: str = "") -> list[dict]:
    """Every item of a REST list endpoint, following ``Link`` headers."""
    from urllib.parse import urlsplit

    headers = {"X-Shopify-Access-Token": shop.spec.access_token}
    path, items = f"/admin/api/{VERSION}/{resource}.json", []
    while True:
        status, response_headers, raw = shop.api.handle("GET", path, query, headers, f"sandbox://{shop.name}")
        assert status == 200, raw
        items.extend(json.loads(raw)[resource.split("/")[-1]])
        link = response_headers.get("Link", "")
        nexts = [part for part in link.split(", ") if part.endswith('rel="next"')]
        if not nexts:
            return items
        url = urlsplit(nexts[0].split(";")[0].strip("<>"))
        path, query = url.path, url.query
