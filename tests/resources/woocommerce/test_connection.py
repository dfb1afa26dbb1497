"""A tenant's WooCommerce connection (platform_assets/sources/woocommerce/connection.py) as the tenants
file gives it: its fields, how ``auto`` resolves, and errors that name the tenant and the field without
repeating a value that could be a secret. The source is not registered yet, so these tests add it to the
connection types the tenants loader reads."""

from __future__ import annotations

from datetime import date

import dagster as dg
import pytest
import yaml

import platform_assets.tenants as tenants_module
from platform_assets.sources.shopify.connection import ShopifyConnection
from platform_assets.sources.woocommerce.connection import WooCommerceConnection, woocommerce_connection
from platform_assets.tenant_rules import TenantConfigError
from platform_assets.tenants import Tenant, load_tenants

GOOD = {
    "site_url": "https://acme.example/shop/",
    "consumer_key_env": "ACME_WC_KEY",
    "consumer_secret_env": "ACME_WC_SECRET",
}


@pytest.fixture
def load(tmp_path, monkeypatch):
    """Load a tenants file whose one tenant, acme, has this WooCommerce block."""
    monkeypatch.setattr(
        tenants_module,
        "connection_types",
        lambda: {"shopify": ShopifyConnection, "woocommerce": WooCommerceConnection},
    )

    def _load(block: dict) -> Tenant:
        path = tmp_path / "tenants.yaml"
        tenant = {"id": "acme", "start_date": "2026-01-01", "connections": {"woocommerce": block}}
        path.write_text(yaml.safe_dump({"tenants": [tenant]}))
        return load_tenants(path, today=date(2026, 12, 1))["acme"]

    return _load


def test_a_connection_is_read_with_its_defaults(load):
    connection = woocommerce_connection(load(GOOD))

    assert connection == WooCommerceConnection(
        site_url="https://acme.example/shop",
        consumer_key_env="ACME_WC_KEY",
        consumer_secret_env="ACME_WC_SECRET",
        auth="auto",
        request_interval_seconds=None,
        page_concurrency=None,
    )
    assert connection.url == "https://acme.example/shop"
    assert connection.secret_variables() == {
        "consumer_key": "ACME_WC_KEY",
        "consumer_secret": "ACME_WC_SECRET",
    }
    assert connection.token_source == "environment variables ACME_WC_KEY and ACME_WC_SECRET"


@pytest.mark.parametrize(
    ("site_url", "auth", "scheme"),
    [
        ("https://acme.example", "auto", "basic"),
        ("woosandbox://demo-wc", "auto", "basic"),
        ("http://127.0.0.1:8765/demo-wc", "auto", "oauth1"),
        ("https://acme.example", "query", "query"),
        ("https://acme.example", "oauth1", "oauth1"),
    ],
)
def test_auto_is_basic_over_https_and_in_process_and_oauth1_over_http(site_url, auth, scheme):
    connection = WooCommerceConnection(**{**GOOD, "site_url": site_url, "auth": auth})

    assert connection.auth_scheme == scheme


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"consumer_secret_env": None},
            "tenant acme: connections.woocommerce.consumer_secret_env is required",
        ),
        (
            {"consumer_key_env": "ck_0123456789abcdef0123456789abcdef"},
            "tenant acme: connections.woocommerce.consumer_key_env must name an environment variable (like "
            "SHOP_TOKEN); the value given looks like a token itself — put the token in the environment and "
            "name the variable here",
        ),
        (
            {"site_url": "http://acme.example"},
            "tenant acme: connections.woocommerce.site_url uses http:// for a host that is not loopback; use "
            "https:// (http:// is only for 127.0.0.0/8, ::1 and localhost)",
        ),
        (
            {"site_url": "sandbox://demo-ny"},
            "tenant acme: connections.woocommerce.site_url must be https://host[:port][/path] (the WordPress "
            "site address; /wp-json/wc/v3 is added); http:// only for a loopback host (127.0.0.0/8, ::1, "
            "localhost); woosandbox://name for the built-in WooCommerce simulator; got scheme sandbox://",
        ),
        (
            {"site_url": "https://acme.example/?rest_route=/wc/v3"},
            "tenant acme: connections.woocommerce.site_url must not carry a query (?…) or fragment (#…)",
        ),
        (
            {"auth": "digest"},
            "tenant acme: connections.woocommerce.auth: Input should be 'auto', 'basic', 'query' or 'oauth1'",
        ),
        (
            {"site_url": "http://127.0.0.1:8765", "auth": "basic"},
            "tenant acme: connections.woocommerce auth 'basic' sends the consumer secret in clear over "
            "http://, which WooCommerce refuses; use auth 'oauth1' (or 'auto') for an http:// site",
        ),
        (
            {"consumer_secret_env": "ACME_WC_KEY"},
            "tenant acme: connections.woocommerce consumer_key_env and consumer_secret_env name the same "
            "variable; the key (ck_…) and the secret (cs_…) are two values",
        ),
        (
            {"page_concurrency": 20},
            "tenant acme: connections.woocommerce.page_concurrency must be between 1 and 8",
        ),
        (
            {"request_interval_seconds": -1},
            "tenant acme: connections.woocommerce.request_interval_seconds must be between 0 and 60 seconds",
        ),
    ],
)
def test_errors_name_the_tenant_and_the_field(load, change, message):
    block = {key: value for key, value in {**GOOD, **change}.items() if value is not None}

    with pytest.raises(TenantConfigError) as caught:
        load(block)

    assert str(caught.value) == message
    assert "0123456789abcdef" not in str(caught.value)


def test_a_secret_in_the_block_is_refused_unseen(load):
    with pytest.raises(TenantConfigError) as caught:
        load({**GOOD, "consumer_secret": "cs_live_value_0123456789"})

    assert "cs_live_value" not in str(caught.value)
    assert str(caught.value).startswith(
        "tenant acme: connections.woocommerce: key 'consumer_secret' looks like a secret "
        "(its value is not shown)"
    )


def test_a_tenant_without_the_connection_fails_by_name():
    tenant = Tenant(id="acme", name="Acme", start_date=date(2026, 1, 1))

    with pytest.raises(dg.Failure, match="^tenant acme has no woocommerce connection in the tenants file$"):
        woocommerce_connection(tenant)
