"""Tenants: the businesses Storehouse serves, each with its platform connections.

A tenants file (YAML) declares them. Its path comes from ``STOREHOUSE_TENANTS_FILE``; without it the
bundled demo tenants are used. Secrets are referenced by environment-variable name (``token_env``) and are
read only when a connection is opened, so they never appear in the file, in config or in metadata.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

TENANTS_FILE_ENV = "STOREHOUSE_TENANTS_FILE"
DEMO_TENANTS_FILE = Path(__file__).parent / "config" / "demo_tenants.yaml"
_TENANT_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
_RELATIVE_DATE = re.compile(r"^-(\d+)d$")


class TenantConfigError(ValueError):
    """The tenants file is malformed; the message names the tenant and the field."""


@dataclass(frozen=True)
class ShopifyConnection:
    """Where a tenant's Shopify store lives and which environment variable holds its token."""

    shop_url: str
    token_env: str
    api_version: str = "2025-07"

    def token(self) -> str:
        """The access token, read from the environment at the moment it is needed."""
        value = os.environ.get(self.token_env)
        if not value:
            raise TenantConfigError(
                f"environment variable {self.token_env} (the Shopify token for {self.shop_url}) is not set"
            )
        return value


@dataclass(frozen=True)
class Tenant:
    """One business: its id (the Dagster partition key), start date, timezone override and connections."""

    id: str
    name: str
    start_date: date
    timezone: str | None
    shopify: ShopifyConnection | None

    def start_date_key(self) -> str:
        return self.start_date.isoformat()


def tenants_file_path() -> Path:
    """The tenants file in force for this process: ``STOREHOUSE_TENANTS_FILE``, else the bundled demo file."""
    return Path(os.environ.get(TENANTS_FILE_ENV) or DEMO_TENANTS_FILE)


def describe_tenants_file() -> str:
    """Which tenants file this process reads and why, so an operator sees when a shell (or a UI started
    without the variable) silently falls back to the bundled demo tenants."""
    if os.environ.get(TENANTS_FILE_ENV):
        return f"{tenants_file_path()} (from {TENANTS_FILE_ENV})"
    return f"{DEMO_TENANTS_FILE} (the bundled demo tenants: {TENANTS_FILE_ENV} is not set)"


def unset_token_variables(tenants: dict[str, Tenant]) -> dict[str, str]:
    """Tenants whose Shopify token variable is not set in this process, by tenant id: their runs would fail
    here. Names only; a token's value is never returned."""
    return {
        tenant.id: tenant.shopify.token_env
        for tenant in tenants.values()
        if tenant.shopify is not None and not os.environ.get(tenant.shopify.token_env)
    }


def _parse_start_date(raw: object, tenant_id: str, today: date) -> date:
    if isinstance(raw, date):
        return raw
    text = str(raw).strip()
    relative = _RELATIVE_DATE.match(text)
    if relative:
        return today - timedelta(days=int(relative.group(1)))
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise TenantConfigError(
            f"tenant {tenant_id}: start_date {text!r} is neither an ISO date nor '-Nd'"
        ) from None


def _parse_tenant(raw: dict, today: date) -> Tenant:
    tenant_id = str(raw.get("id", "")).strip()
    if not _TENANT_ID.match(tenant_id):
        raise TenantConfigError(
            f"tenant id {tenant_id!r} must be 1-63 characters of a-z, 0-9, '-' or '_' (it is a partition key)"
        )
    if "start_date" not in raw:
        raise TenantConfigError(f"tenant {tenant_id}: start_date is required")
    timezone = raw.get("timezone")
    if timezone is not None:
        try:
            ZoneInfo(str(timezone))
        except (ZoneInfoNotFoundError, ValueError):
            raise TenantConfigError(f"tenant {tenant_id}: unknown timezone {timezone!r}") from None
    shopify = None
    if raw.get("shopify") is not None:
        block = raw["shopify"]
        for field in ("shop_url", "token_env"):
            if not block.get(field):
                raise TenantConfigError(f"tenant {tenant_id}: shopify.{field} is required")
        if "token" in block or "access_token" in block:
            raise TenantConfigError(
                f"tenant {tenant_id}: write the token in an environment variable and name it in "
                "shopify.token_env; tokens must not be written in the tenants file"
            )
        shopify = ShopifyConnection(
            shop_url=str(block["shop_url"]).rstrip("/"),
            token_env=str(block["token_env"]),
            api_version=str(block.get("api_version", "2025-07")),
        )
    return Tenant(
        id=tenant_id,
        name=str(raw.get("name", tenant_id)),
        start_date=_parse_start_date(raw["start_date"], tenant_id, today),
        timezone=str(timezone) if timezone else None,
        shopify=shopify,
    )


def load_tenants(path: Path | None = None, today: date | None = None) -> dict[str, Tenant]:
    """Read and validate the tenants file; returns tenants by id in file order."""
    path = path or tenants_file_path()
    today = today or date.today()
    try:
        document = yaml.safe_load(path.read_text()) or {}
    except FileNotFoundError:
        raise TenantConfigError(f"tenants file {path} does not exist (set {TENANTS_FILE_ENV})") from None
    entries = document.get("tenants")
    if not isinstance(entries, list):
        raise TenantConfigError(f"tenants file {path}: expected a top-level 'tenants:' list")
    tenants: dict[str, Tenant] = {}
    for raw in entries:
        tenant = _parse_tenant(raw or {}, today)
        if tenant.id in tenants:
            raise TenantConfigError(f"tenants file {path}: tenant id {tenant.id} appears twice")
        tenants[tenant.id] = tenant
    return tenants


def get_tenant(tenant_id: str) -> Tenant:
    tenants = load_tenants()
    if tenant_id not in tenants:
        raise TenantConfigError(f"tenant {tenant_id} is not in {tenants_file_path()}")
    return tenants[tenant_id]
