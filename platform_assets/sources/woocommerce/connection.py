"""A tenant's WooCommerce connection: the store's WordPress address, the two environment variables holding
its REST API consumer key and secret, how they are sent, and the pace its host tolerates."""

from __future__ import annotations

from typing import ClassVar, Literal
from urllib.parse import urlsplit

import dagster as dg
from pydantic import field_validator, model_validator

from platform_assets.tenant_rules import check_url, check_variable_name
from platform_assets.tenants import Connection, Tenant

#: The scheme of the in-process WooCommerce simulator (answered by its registered transport).
SIMULATOR_SCHEME = "woosandbox"
URL_RULE = (
    "https://host[:port][/path] (the WordPress site address; /wp-json/wc/v3 is added); http:// only for a "
    "loopback host (127.0.0.0/8, ::1, localhost); woosandbox://name for the built-in WooCommerce simulator"
)
#: How the consumer key and secret travel: ``basic`` (HTTP Basic, ck_ as user, cs_ as password),
#: ``query`` (``consumer_key``/``consumer_secret`` query parameters, for hosts that strip the
#: Authorization header), ``oauth1`` (OAuth 1.0a one-legged HMAC-SHA256 signature; what WooCommerce
#: requires over plain http), ``auto`` (basic over https and in-process schemes, oauth1 over http).
AuthScheme = Literal["auto", "basic", "query", "oauth1"]
#: Parallel page fetches of one walk at most (a shared host answers a few at a time).
MAX_PAGE_CONCURRENCY = 8
#: The longest minimum interval between two requests a connection may ask for, in seconds.
MAX_REQUEST_INTERVAL = 60.0


def resolved_auth(auth: str, site_url: str) -> str:
    """The scheme ``auto`` stands for at ``site_url``: OAuth 1.0a over plain http (WooCommerce refuses
    keys sent in clear there), HTTP Basic over https and in-process simulators."""
    if auth != "auto":
        return auth
    return "oauth1" if urlsplit(site_url).scheme.lower() == "http" else "basic"


class WooCommerceConnection(Connection):
    """Where a tenant's WooCommerce store lives, which environment variables hold its REST API keys (a
    key pair generated under WooCommerce > Settings > Advanced > REST API with Read access), how the keys
    are sent and how gently its host must be asked."""

    platform: ClassVar[str] = "woocommerce"
    label: ClassVar[str] = "WooCommerce"

    site_url: str
    consumer_key_env: str
    consumer_secret_env: str
    auth: AuthScheme = "auto"
    #: Seconds between two requests to this site at least, across all threads (None: the client's
    #: default). For hosts whose firewall answers bursts with 429/503.
    request_interval_seconds: float | None = None
    #: Pages of one walk fetched in parallel once the total pages are known (None: the client's default).
    page_concurrency: int | None = None

    _url = field_validator("site_url", mode="before")(
        lambda value: check_url(value, simulator_schemes=(SIMULATOR_SCHEME,), rule=URL_RULE)
    )
    _key_env = field_validator("consumer_key_env", "consumer_secret_env", mode="before")(
        lambda value: check_variable_name(value)
    )

    @field_validator("request_interval_seconds")
    @classmethod
    def _interval_in_range(cls, value: float | None) -> float | None:
        if value is not None and not 0 <= value <= MAX_REQUEST_INTERVAL:
            raise ValueError(f"must be between 0 and {MAX_REQUEST_INTERVAL:g} seconds")
        return value

    @field_validator("page_concurrency")
    @classmethod
    def _concurrency_in_range(cls, value: int | None) -> int | None:
        if value is not None and not 1 <= value <= MAX_PAGE_CONCURRENCY:
            raise ValueError(f"must be between 1 and {MAX_PAGE_CONCURRENCY}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> WooCommerceConnection:
        """Two different variables, and keys never sent in clear: WooCommerce accepts consumer keys over
        plain http only as OAuth 1.0a signatures (Basic and query keys are refused there)."""
        if self.consumer_key_env == self.consumer_secret_env:
            raise ValueError(
                "consumer_key_env and consumer_secret_env name the same variable; the key (ck_…) and the "
                "secret (cs_…) are two values"
            )
        if self.auth in ("basic", "query") and urlsplit(self.site_url).scheme.lower() == "http":
            raise ValueError(
                f"auth {self.auth!r} sends the consumer secret in clear over http://, which WooCommerce "
                "refuses; use auth 'oauth1' (or 'auto') for an http:// site"
            )
        return self

    @property
    def url(self) -> str:
        return self.site_url

    @property
    def auth_scheme(self) -> str:
        """How the keys are sent to this site: ``basic``, ``query`` or ``oauth1`` (``auto`` resolved)."""
        return resolved_auth(self.auth, self.site_url)

    def secret_variables(self) -> dict[str, str]:
        return {"consumer_key": self.consumer_key_env, "consumer_secret": self.consumer_secret_env}

    @property
    def token_source(self) -> str:
        return f"environment variables {self.consumer_key_env} and {self.consumer_secret_env}"


def woocommerce_connection(tenant: Tenant) -> WooCommerceConnection:
    """The tenant's WooCommerce connection; a failure naming the tenant when the tenants file gives none."""
    connection = tenant.connection(WooCommerceConnection.platform)
    if not isinstance(connection, WooCommerceConnection):
        raise dg.Failure(f"tenant {tenant.id} has no woocommerce connection in the tenants file")
    return connection


CONNECTION = WooCommerceConnection
