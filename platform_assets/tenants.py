"""Tenants: the businesses Storehouse serves, each with its platform connections.

A tenants file (YAML) declares them. Its path comes from ``STOREHOUSE_TENANTS_FILE``; without it the
bundled demo tenants are used. Secrets are referenced by environment-variable name (``token_env``) and are
read only when a connection is opened, so they never appear in the file, in config or in metadata. What the
file may say (keys, URLs, variable names) is in ``platform_assets/tenant_rules.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from platform_assets.settings import env_name, settings
from platform_assets.tenant_rules import (
    SHOPIFY_KEYS,
    TENANT_KEYS,
    TOP_LEVEL_KEYS,
    TenantConfigError,
    check_api_version,
    check_keys,
    check_shop_url,
    check_token_env,
)
from resources.secrets import SecretValueError, read_secret, secret_is_set

TENANTS_FILE_ENV = env_name("tenants_file")
DEMO_TENANTS_FILE = Path(__file__).parent / "config" / "demo_tenants.yaml"
_TENANT_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
_RELATIVE_DATE = re.compile(r"^-(\d+)d$")


@dataclass(frozen=True)
class ShopifyConnection:
    """Where a tenant's Shopify store lives and which environment variable holds its token."""

    shop_url: str
    token_env: str
    api_version: str = "2025-07"

    @property
    def token_source(self) -> str:
        """Where the token is read from, for messages: "environment variable ACME_TOKEN"."""
        return f"environment variable {self.token_env}"

    def token(self) -> str:
        """The access token, read from the environment at the moment it is needed: surrounding whitespace
        (a file's trailing newline) stripped, refused unless it can be sent as a header. Errors name the
        variable, never the value."""
        try:
            return read_secret(self.token_env)
        except SecretValueError as exc:
            error = TenantConfigError(f"{exc} (the Shopify token for {self.shop_url})")
        raise error  # outside the except block: no chained exception to print


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
    return settings().tenants_file or DEMO_TENANTS_FILE


def describe_tenants_file() -> str:
    """Which tenants file this process reads and why, so an operator sees when a shell (or a UI started
    without the variable) silently falls back to the bundled demo tenants."""
    if settings().tenants_file is not None:
        return f"{tenants_file_path()} (from {TENANTS_FILE_ENV})"
    return f"{DEMO_TENANTS_FILE} (the bundled demo tenants: {TENANTS_FILE_ENV} is not set)"


def unset_token_variables(tenants: dict[str, Tenant]) -> dict[str, str]:
    """Tenants whose Shopify token variable is not set in this process, by tenant id: their runs would fail
    here. Names only; a token's value is never returned."""
    return {
        tenant.id: tenant.shopify.token_env
        for tenant in tenants.values()
        if tenant.shopify is not None and not secret_is_set(tenant.shopify.token_env)
    }


def unusable_tokens(tenants: dict[str, Tenant]) -> dict[str, str]:
    """Tenants whose token variable is set but holds no usable token (e.g. a space or line break inside), by
    tenant id, with the error naming the variable. A token's value is never returned."""
    problems = {}
    for tenant in tenants.values():
        if tenant.shopify is not None and secret_is_set(tenant.shopify.token_env):
            try:
                tenant.shopify.token()
            except TenantConfigError as exc:
                problems[tenant.id] = str(exc)
    return problems


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
    check_keys(raw, TENANT_KEYS, f"tenant {tenant_id}")
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
        if not isinstance(block, dict):
            raise TenantConfigError(
                f"tenant {tenant_id}: shopify must be a mapping of {', '.join(SHOPIFY_KEYS)}"
            )
        check_keys(block, SHOPIFY_KEYS, f"tenant {tenant_id}: shopify")
        for field in ("shop_url", "token_env"):
            if not block.get(field):
                raise TenantConfigError(f"tenant {tenant_id}: shopify.{field} is required")
        shopify = ShopifyConnection(
            shop_url=check_shop_url(block["shop_url"], tenant_id),
            token_env=check_token_env(block["token_env"], tenant_id),
            api_version=check_api_version(block.get("api_version", "2025-07"), tenant_id),
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
    document = _read_document(path)
    check_keys(document, TOP_LEVEL_KEYS, f"tenants file {path}")
    entries = document.get("tenants")
    if not isinstance(entries, list):
        raise TenantConfigError(f"tenants file {path}: expected a top-level 'tenants:' list")
    tenants: dict[str, Tenant] = {}
    for raw in entries:
        if raw is not None and not isinstance(raw, dict):
            raise TenantConfigError(f"tenants file {path}: each entry of 'tenants:' must be a mapping")
        tenant = _parse_tenant(raw or {}, today)
        if tenant.id in tenants:
            raise TenantConfigError(f"tenants file {path}: tenant id {tenant.id} appears twice")
        tenants[tenant.id] = tenant
    return tenants


def _read_document(path: Path) -> dict:
    """The file's YAML as a mapping. A syntax error is reported by position only: the parser's own
    message quotes the offending line, which may hold a secret."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise TenantConfigError(f"tenants file {path} does not exist (set {TENANTS_FILE_ENV})") from None
    try:
        document = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        error = TenantConfigError(f"tenants file {path} is not valid YAML{where}")
    else:
        if isinstance(document, dict):
            return document
        error = TenantConfigError(f"tenants file {path}: expected a mapping with a top-level 'tenants:' list")
    raise error  # outside the except block: the parser's exception (quoting the line) is not chained


def get_tenant(tenant_id: str) -> Tenant:
    tenants = load_tenants()
    if tenant_id not in tenants:
        raise TenantConfigError(f"tenant {tenant_id} is not in {tenants_file_path()}")
    return tenants[tenant_id]
