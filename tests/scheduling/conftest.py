"""Scheduling tests: tenants files, a persistent Dagster instance with the tenant partitions, a raw store
with shop snapshots, and sandbox shops registered under test-unique names."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import dagster as dg
import pytest
import yaml

from resources.raw_store import RawStoreResource
from sandbox.shopify import registry
from sandbox.shopify.model import SandboxShop


def write_tenants(path: Path, tenants: list[dict]) -> Path:
    """A tenants file; each entry: id, start_date (date), optional timezone and shopify connection (a
    sandbox shop named after the tenant by default)."""
    entries = []
    for tenant in tenants:
        entry = {"id": tenant["id"], "name": tenant["id"], "start_date": tenant["start_date"].isoformat()}
        if tenant.get("timezone"):
            entry["timezone"] = tenant["timezone"]
        # Every tenant sells on Shopify: the schedule reads its timezone from the shop's raw snapshot.
        shop = {"shop_url": f"sandbox://{tenant['id']}", "token_env": "SCHEDULE_TEST_TOKEN", "api": "rest"}
        entry["connections"] = {"shopify": tenant.get("shopify") or shop}
        entries.append(entry)
    path.write_text(yaml.safe_dump({"tenants": entries}))
    return path


def write_shop_snapshot(raw_store: RawStoreResource, tenant_id: str, day: date, iana_timezone: str) -> None:
    """A raw shop snapshot as raw_shopify_shop writes it (one record: the shop object)."""
    raw_store.write_partition(
        "shopify", "shop", tenant_id, day, [[{"id": 1, "iana_timezone": iana_timezone}]]
    )


@pytest.fixture
def instance() -> Iterator[dg.DagsterInstance]:
    with dg.instance_for_test() as instance:
        yield instance


@pytest.fixture
def raw_store(tmp_path: Path) -> RawStoreResource:
    return RawStoreResource(base_url=str(tmp_path / "raw"))


@pytest.fixture
def shop_names() -> Iterator[list[str]]:
    """Names of the sandbox shops a test registered (``register_shop``); unregistered afterwards."""
    names: list[str] = []
    yield names
    for name in names:
        registry.unregister(name)


def register_shop(names: list[str], prefix: str, shop: SandboxShop) -> str:
    """Serve ``shop`` in process at ``sandbox://{prefix}-{random}`` and return that name."""
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    registry.register(name, shop)
    names.append(name)
    return name
