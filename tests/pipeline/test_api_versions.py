"""API-version readiness: the raw partitions' sidecars say which Admin API version each fetch asked for and
was served as, and any deprecation reason the shop gave (REST, GraphQL paginated and bulk, snapshots);
``api_version_ready`` warns on a version near or past its retirement, one served as another, or a
deprecation header, and passes otherwise. A small sandbox shop over HTTP, no Dagster run."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import dagster as dg
import pytest

from platform_assets.ingest.raw_assets import write_snapshot
from platform_assets.ingest.runs import TenantDays
from platform_assets.sources.shopify import PLATFORM
from platform_assets.sources.shopify.checks import assess_versions, version_readiness
from platform_assets.sources.shopify.connection import ShopifyConnection
from platform_assets.sources.shopify.raw_assets import _sidecar_api
from platform_assets.sources.shopify.raw_fetch import client_for, fetch_days
from platform_assets.tenants import Tenant
from resources.raw_store import RawStoreResource
from resources.shopify.client import ShopifyClientResource
from sandbox.shopify.api import DEPRECATION_DOCS
from sandbox.shopify.generator import build_shop
from sandbox.shopify.server import serve
from sandbox.shopify.spec import ShopSpec

CLOCK = datetime(2026, 3, 1, 5, 0, tzinfo=UTC)  # midnight in New York
NOW = CLOCK + timedelta(hours=12)
DAYS = [date(2026, 2, 26), date(2026, 2, 27)]
VERSION = "2026-04"  # retires 2027-04-01
VERSION_KEYS = ("api_version_requested", "api_version_served", "api_deprecated_reason")


def _tenant(name: str, url: str, api: str, monkeypatch, token: str) -> Tenant:
    env = "TEST_API_VERSIONS_" + name.upper().replace("-", "_")
    monkeypatch.setenv(env, token)
    connection = ShopifyConnection(shop_url=url, token_env=env, api=api, api_version=VERSION)
    return Tenant(id=name, name=name, start_date=DAYS[0], connections={"shopify": connection})


def _versions(raw_store: RawStoreResource, entity: str, tenant: str, day: date) -> dict:
    meta = raw_store.read_meta(PLATFORM, entity, tenant, day)
    return {key: meta[key] for key in (*VERSION_KEYS, "fetched_by") if key in meta}


@pytest.fixture
def shop():
    spec = ShopSpec(
        name="t-versions", seed=3, orders_per_day=6.0, history_days=4, customers=12, products=4, plan="plus"
    )
    return build_shop(spec, CLOCK)


def test_sidecars_record_the_version_served_and_the_check_warns_then_passes(tmp_path, monkeypatch, shop):
    resource = ShopifyClientResource(bulk_poll_seconds=0.05, page_workers=0, max_attempts=2)
    raw_store = RawStoreResource(base_url=str(tmp_path / "raw"))
    shop.graphql.configure(serve_version="2025-10")  # the shop serves the app an older version
    older = {"api_version_requested": VERSION, "api_version_served": "2025-10"}
    with serve({shop.name: shop}) as server:
        url = server.base_url(shop.name)
        rest = TenantDays(_tenant("t-rest", url, "rest", monkeypatch, shop.spec.access_token), DAYS)
        graphql = TenantDays(_tenant("t-gql", url, "graphql", monkeypatch, shop.spec.access_token), DAYS)

        # REST walks the days; GraphQL's first sync is one bulk operation.
        outcome = fetch_days(resource, raw_store, "orders", [rest, graphql], NOW)
        assert outcome.records > 0 and sorted(outcome.bulk) == ["t-gql"]
        for day in DAYS:
            assert _versions(raw_store, "orders", "t-rest", day) == {
                **older,
                "api_deprecated_reason": DEPRECATION_DOCS,
            }
            assert _versions(raw_store, "orders", "t-gql", day) == {
                **older,
                "api_deprecated_reason": DEPRECATION_DOCS,
                "fetched_by": "bulk",
            }
        assert outcome.versions == {
            tenant: {"requested": VERSION, "served": ["2025-10"], "deprecated_reasons": [DEPRECATION_DOCS]}
            for tenant in ("t-rest", "t-gql")
        }

        result = assess_versions(raw_store, [rest, graphql], CLOCK.date())
        assert not result.passed and result.severity == dg.AssetCheckSeverity.WARN
        assert result.description == (
            "2 tenants need an Admin API version change: t-rest: asked for API version 2026-04, served as "
            f"2025-10; t-rest: the shop sent X-Shopify-API-Deprecated-Reason: {DEPRECATION_DOCS}; t-gql: "
            "asked for API version 2026-04, served as 2025-10; and 1 more"
        )
        assert result.metadata["tenants"].value["t-gql"] == {
            "api_version": VERSION,
            "retirement_date": "2027-04-01",
            "days_left": 396,
            "served": ["2025-10"],
            "deprecated_reasons": [DEPRECATION_DOCS],
            "problems": [
                "asked for API version 2026-04, served as 2025-10",
                f"the shop sent X-Shopify-API-Deprecated-Reason: {DEPRECATION_DOCS}",
            ],
        }

        # The shop serves the version asked for again: the days fetched anew (GraphQL now paginated),
        # the snapshot too, and the check passes.
        shop.graphql.configure(serve_version=None)
        fetch_days(resource, raw_store, "orders", [rest, graphql], NOW)
        as_asked = {"api_version_requested": VERSION, "api_version_served": VERSION}
        for tenant in ("t-rest", "t-gql"):
            assert _versions(raw_store, "orders", tenant, DAYS[1]) == as_asked
        write_snapshot(
            PLATFORM,
            "shop",
            raw_store,
            [graphql],
            lambda t: client_for(resource, t),
            lambda client: [[client.get_shop()]],
            count_records=False,
            sidecar_meta=_sidecar_api,
        )
        snapshot = raw_store.read_meta(PLATFORM, "shop", "t-gql", DAYS[0])
        assert {key: snapshot[key] for key in ("api", *VERSION_KEYS) if key in snapshot} == {
            "api": "graphql",
            **as_asked,
        }
    single = assess_versions(raw_store, [graphql], CLOCK.date())
    assert single.passed, single.description
    assert single.metadata["api_version"].value == VERSION
    assert single.metadata["retirement_date"].value == "2027-04-01"
    assert single.metadata["days_left"].value == 396
    assert "deprecated_reason" not in single.metadata
    assert single.metadata["dates_checked"].value == "2026-02-26 … 2026-02-27 (2 days)"

    # 90 days before 2027-04-01 the configured version itself warns.
    near = assess_versions(raw_store, [graphql], date(2027, 1, 1))
    assert not near.passed and near.severity == dg.AssetCheckSeverity.WARN
    assert near.description == (
        "1 tenants need an Admin API version change: t-gql: API version 2026-04 retires on 2027-04-01, "
        "in 90 days (warning from 90 days before)"
    )
    assert near.metadata["days_left"].value == 90


@pytest.mark.parametrize(
    ("version", "today", "problems"),
    [
        ("2025-07", date(2026, 4, 1), []),  # 91 days left
        (
            "2025-07",
            date(2026, 4, 2),
            ["API version 2025-07 retires on 2026-07-01, in 90 days (warning from 90 days before)"],
        ),
        (
            "2025-07",
            date(2026, 12, 7),
            ["API version 2025-07 was retired on 2026-07-01 (159 days ago) (warning from 90 days before)"],
        ),
        ("unstable", date(2026, 12, 7), []),  # no retirement date
    ],
)
def test_retirement_warning_edges(version, today, problems):
    sidecar = {"api_version_requested": version, "api_version_served": version}
    assert version_readiness("acme", version, today, [sidecar, {}]).problems() == problems
