"""Tenants: the businesses Storehouse serves, each with its platform connections.

A tenants file (YAML) declares them. Its path comes from ``STOREHOUSE_TENANTS_FILE``; without it the
bundled demo tenants are used. A tenant has ``connections`` keyed by platform (its source's name); each
platform's connection is a typed pydantic model of its source (``platform_assets/sources/<platform>/
connection.py``), validated when the file is loaded, with errors naming the tenant, the field and the
problem (never a value that could be a secret). Secrets are referenced by environment-variable name
(``token_env``) and are read only when a connection is opened, so they never appear in the file, in config
or in metadata. What the file may say is in ``platform_assets/tenant_rules.py``.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dagster as dg
import yaml
from pydantic import BaseModel, ConfigDict, PrivateAttr, ValidationError

from platform_assets.settings import env_name, settings
from platform_assets.sources.registry import connection_types
from platform_assets.tenant_rules import (
    REPORT_KEYS,
    TENANT_KEYS,
    TOP_LEVEL_KEYS,
    TenantConfigError,
    check_keys,
)
from resources.secrets import SecretValueError, read_secret, secret_is_set

TENANTS_FILE_ENV = env_name("tenants_file")
DEMO_TENANTS_FILE = Path(__file__).parent / "config" / "demo_tenants.yaml"
_TENANT_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
_RELATIVE_DATE = re.compile(r"^-(\d+)d$")
#: An email address as reports accept it: one '@', no spaces or angle brackets, a dot in the domain.
_EMAIL = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\".]+$")


class ReportRecipients(BaseModel):
    """Who receives the tenant's scheduled reports (``reports:`` in the tenants file) and which ones:
    the daily report (yesterday's figures) and the weekly one (the 7 days ending Sunday). Without a
    ``reports:`` block nobody receives them; they are still rendered and recorded."""

    model_config = ConfigDict(frozen=True)

    to: tuple[str, ...] = ()
    daily: bool = True
    weekly: bool = True

    def wants(self, kind: str) -> bool:
        """Whether the ``kind`` ("daily" or "weekly") report is sent to :attr:`to`."""
        return bool(self.to) and bool(getattr(self, kind))


class Connection(BaseModel):
    """A tenant's connection to one platform: where its data lives and which environment variables hold
    its secrets. Each source subclasses it with its own typed settings (``platform`` names the source)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    platform: ClassVar[str]
    #: The platform's name as people write it, for messages.
    label: ClassVar[str]

    @property
    def url(self) -> str:
        """The address of the tenant's store on the platform (a simulator is found by its scheme)."""
        raise NotImplementedError

    def secret_variables(self) -> dict[str, str]:
        """Each secret's role and the environment variable holding it: {"token": "ACME_TOKEN"}."""
        raise NotImplementedError

    @property
    def token_variable(self) -> str:
        """The variable holding the main secret (the ``token`` role, else the first one)."""
        variables = self.secret_variables()
        return variables.get("token") or next(iter(variables.values()))

    @property
    def token_source(self) -> str:
        """Where the token is read from, for messages: "environment variable ACME_TOKEN"."""
        return f"environment variable {self.token_variable}"

    def token(self) -> str:
        """The main secret, read from the environment at the moment it is needed: surrounding whitespace
        (a file's trailing newline) stripped, refused unless it can be sent as a header. Errors name the
        variable, never the value."""
        return self.secret(self.token_variable)

    def secret(self, variable: str) -> str:
        try:
            return read_secret(variable)
        except SecretValueError as exc:
            error = TenantConfigError(f"{exc} (the {self.label} token for {self.url})")
        raise error  # outside the except block: no chained exception to print


class Tenant(BaseModel):
    """One business: its id (the Dagster partition key), start date, timezone override and its
    connections, keyed by platform in the order the file lists them."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    start_date: date
    timezone: str | None = None
    connections: dict[str, Connection] = {}
    reports: ReportRecipients = ReportRecipients()

    def connection(self, platform: str) -> Connection | None:
        """The tenant's connection to ``platform``, if it has one."""
        return self.connections.get(platform)


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
    """Tenants with a secret variable that is not set in this process, by tenant id (the first such
    variable): their runs would fail here. Names only; a secret's value is never returned."""
    unset: dict[str, str] = {}
    for tenant in tenants.values():
        for connection in tenant.connections.values():
            for variable in connection.secret_variables().values():
                if not secret_is_set(variable):
                    unset.setdefault(tenant.id, variable)
    return unset


def unusable_tokens(tenants: dict[str, Tenant]) -> dict[str, str]:
    """Tenants with a secret variable that is set but holds no usable value (e.g. a space or line break
    inside), by tenant id, with the error naming the variable. A secret's value is never returned."""
    problems: dict[str, str] = {}
    for tenant in tenants.values():
        for connection in tenant.connections.values():
            for variable in connection.secret_variables().values():
                if secret_is_set(variable) and tenant.id not in problems:
                    try:
                        connection.secret(variable)
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


def _problem(error: Any, where: str) -> str:
    """One pydantic error as "<where>.<field> <problem>", never quoting the input (it may be a secret)."""
    field = ".".join(str(part) for part in error["loc"])
    name = f"{where}.{field}" if field else where
    if error["type"] == "value_error":
        return f"{name} {str(error['msg']).removeprefix('Value error, ')}"
    if error["type"] == "missing":
        return f"{name} is required"
    return f"{name}: {error['msg']}"


def _parse_connections(raw: object, tenant_id: str) -> dict[str, Connection]:
    """Each platform's block validated by its source's connection model."""
    types = connection_types()
    where = f"tenant {tenant_id}: connections"
    if not isinstance(raw, dict):
        raise TenantConfigError(f"{where} must be a mapping of platform to connection ({', '.join(types)})")
    check_keys(raw, tuple(types), where)
    connections: dict[str, Connection] = {}
    for platform, block in raw.items():
        model = types[str(platform)]
        if not isinstance(block, dict):
            fields = ", ".join(model.model_fields)
            raise TenantConfigError(f"{where}.{platform} must be a mapping of {fields}")
        check_keys(block, tuple(model.model_fields), f"{where}.{platform}")
        try:
            connections[str(platform)] = model.model_validate(block)
        except ValidationError as exc:
            problem = _problem(exc.errors()[0], f"connections.{platform}")
            error = TenantConfigError(f"tenant {tenant_id}: {problem}")
        else:
            continue
        raise error  # outside the except block: pydantic's error (quoting the input) is not chained
    return connections


def _parse_reports(raw: object, tenant_id: str) -> ReportRecipients:
    """The ``reports:`` block: ``to`` a non-empty list of email addresses, ``daily`` and ``weekly``
    true or false. Errors name the tenant and the field (``tenant acme: reports.to[1] is not an email
    address``)."""
    where = f"tenant {tenant_id}: reports"
    if not isinstance(raw, dict):
        raise TenantConfigError(f"{where} must be a mapping of {', '.join(REPORT_KEYS)}")
    check_keys(raw, REPORT_KEYS, where)
    recipients = raw.get("to")
    if isinstance(recipients, str):
        recipients = [recipients]
    if not isinstance(recipients, list) or not recipients:
        raise TenantConfigError(f"{where}.to must be a non-empty list of email addresses")
    addresses: list[str] = []
    for position, address in enumerate(recipients):
        text = address.strip() if isinstance(address, str) else ""
        if not _EMAIL.match(text):
            raise TenantConfigError(f"{where}.to[{position}] is not an email address (name@example.com)")
        addresses.append(text)
    flags: dict[str, bool] = {}
    for flag in ("daily", "weekly"):
        value = raw.get(flag, True)
        if not isinstance(value, bool):
            raise TenantConfigError(f"{where}.{flag} must be true or false")
        flags[flag] = value
    return ReportRecipients(to=tuple(addresses), **flags)


def _with_legacy_connections(raw: dict) -> dict:
    """Files written before connections were keyed by platform name a platform on the tenant itself
    (``<platform>:``); it is read as that platform's connection."""
    legacy = {key: raw[key] for key in raw if key in connection_types()}
    if not legacy:
        return raw
    rest = {key: value for key, value in raw.items() if key not in legacy}
    return {**rest, "connections": {**legacy, **(raw.get("connections") or {})}}


def _tenant_today(timezone: str | None, now: datetime | None, today: date | None) -> date:
    """The day a relative ``start_date`` (``-Nd``) counts back from: ``today`` when given, else the
    tenant's own today, the calendar day ``now`` (the machine's clock by default) falls on in its timezone
    (UTC for a tenant that names none). At 20:00 in New York it is already tomorrow in UTC, and ``-30d``
    means 30 of the tenant's business days, not the machine's."""
    if today is not None:
        return today
    instant = now or datetime.now(UTC)
    return instant.astimezone(ZoneInfo(timezone) if timezone else UTC).date()


def _parse_tenant(raw: dict, today: date | None, now: datetime | None = None) -> Tenant:
    tenant_id = str(raw.get("id", "")).strip()
    if not _TENANT_ID.match(tenant_id):
        raise TenantConfigError(
            f"tenant id {tenant_id!r} must be 1-63 characters of a-z, 0-9, '-' or '_' (it is a partition key)"
        )
    raw = _with_legacy_connections(raw)
    check_keys(raw, TENANT_KEYS, f"tenant {tenant_id}")
    if "start_date" not in raw:
        raise TenantConfigError(f"tenant {tenant_id}: start_date is required")
    timezone = raw.get("timezone")
    if timezone is not None:
        try:
            ZoneInfo(str(timezone))
        except (ZoneInfoNotFoundError, ValueError):
            raise TenantConfigError(f"tenant {tenant_id}: unknown timezone {timezone!r}") from None
    return Tenant(
        id=tenant_id,
        name=str(raw.get("name", tenant_id)),
        start_date=_parse_start_date(
            raw["start_date"], tenant_id, _tenant_today(str(timezone) if timezone else None, now, today)
        ),
        timezone=str(timezone) if timezone else None,
        connections=_parse_connections(raw["connections"], tenant_id) if raw.get("connections") else {},
        reports=_parse_reports(raw["reports"], tenant_id) if "reports" in raw else ReportRecipients(),
    )


def load_tenants(
    path: Path | None = None, today: date | None = None, now: datetime | None = None
) -> dict[str, Tenant]:
    """Read and validate the tenants file; returns tenants by id in file order. A relative ``start_date``
    counts back from ``today`` when given, else from each tenant's own today at ``now`` (the machine's
    clock by default) in its timezone."""
    path = path or tenants_file_path()
    document = _read_document(path)
    check_keys(document, TOP_LEVEL_KEYS, f"tenants file {path}")
    entries = document.get("tenants")
    if not isinstance(entries, list):
        raise TenantConfigError(f"tenants file {path}: expected a top-level 'tenants:' list")
    tenants: dict[str, Tenant] = {}
    for raw in entries:
        if raw is not None and not isinstance(raw, dict):
            raise TenantConfigError(f"tenants file {path}: each entry of 'tenants:' must be a mapping")
        tenant = _parse_tenant(raw or {}, today, now)
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


class TenantsResource(dg.ConfigurableResource):
    """The tenants file, read and validated once per run: every step of a run sees the same tenants, and a
    file edited mid-run takes effect from the next run on.

    ``tenants_file`` defaults to ``STOREHOUSE_TENANTS_FILE``, else the bundled demo tenants."""

    tenants_file: str | None = None
    _tenants: dict[str, Tenant] | None = PrivateAttr(default=None)

    def path(self) -> Path:
        return Path(self.tenants_file) if self.tenants_file else tenants_file_path()

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._tenants = load_tenants(self.path())

    def all(self) -> dict[str, Tenant]:
        """Every tenant by id, in file order (loaded on first use outside a run)."""
        if self._tenants is None:
            self._tenants = load_tenants(self.path())
        return self._tenants
