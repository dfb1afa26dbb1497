"""A tenant's Shopify connection: the shop's URL, the variable holding its Admin API token, its API
version, and which Admin API its records are read through (``api``: ``graphql`` or ``rest``)."""

from __future__ import annotations

from typing import ClassVar

import dagster as dg
from pydantic import field_validator

from platform_assets.tenant_rules import check_url, check_variable_name, looks_like_token
from platform_assets.tenants import Connection, Tenant
from resources.shopify.versions import DEFAULT_API_VERSION, is_api_version

#: The Admin APIs a tenant's records can be read through: GraphQL (Shopify's supported API, the default
#: for new tenants) or REST (legacy since October 2024). Both stage into the same tables.
APIS = ("graphql", "rest")
DEFAULT_API = "graphql"


class ShopifyConnection(Connection):
    """Where a tenant's Shopify store lives and which environment variable holds its token."""

    platform: ClassVar[str] = "shopify"
    label: ClassVar[str] = "Shopify"

    shop_url: str
    token_env: str
    api_version: str = DEFAULT_API_VERSION
    api: str = DEFAULT_API

    _url = field_validator("shop_url", mode="before")(lambda value: check_url(value))
    _token_env = field_validator("token_env", mode="before")(lambda value: check_variable_name(value))

    @field_validator("api_version", mode="before")
    @classmethod
    def _known_api_version(cls, value: object) -> str:
        """It becomes part of every request's path, so anything else is refused at load, not as a 404."""
        text = str(value).strip()
        if not is_api_version(text):  # resources/shopify/versions.py: also dates the version's retirement
            shown = repr(text) if len(text) <= 20 and not looks_like_token(text) else "(not shown)"
            raise ValueError(
                f"{shown} is not a Shopify Admin API version "
                "(YYYY-01, YYYY-04, YYYY-07 or YYYY-10, e.g. 2026-10, or unstable)"
            )
        return text

    @field_validator("api", mode="before")
    @classmethod
    def _known_api(cls, value: object) -> str:
        """``graphql`` or ``rest``, any case; anything else is refused at load."""
        text = str(value).strip().lower() if isinstance(value, str) else value
        if text not in APIS:
            shown = (
                repr(value)
                if isinstance(value, str) and len(value) <= 20 and not looks_like_token(value)
                else "(not shown)"
            )
            raise ValueError(f"{shown} is not a Shopify Admin API to read through (graphql or rest)")
        return str(text)

    @property
    def url(self) -> str:
        return self.shop_url

    def secret_variables(self) -> dict[str, str]:
        return {"token": self.token_env}


def shopify_connection(tenant: Tenant) -> ShopifyConnection:
    """The tenant's Shopify connection; a failure naming the tenant when the tenants file gives none."""
    connection = tenant.connection(ShopifyConnection.platform)
    if not isinstance(connection, ShopifyConnection):
        raise dg.Failure(f"tenant {tenant.id} has no shopify connection in the tenants file")
    return connection


CONNECTION = ShopifyConnection
