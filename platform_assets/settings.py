"""Every ``STOREHOUSE_*`` environment variable, typed, validated and read in this one module.

:class:`StorehouseSettings` holds what the platform runs on (where data lives, the tenants, partitions,
automation, schedules, backfills); :class:`AlertSettings` holds where alerts go. They are two objects
because they fail differently: a bad platform value stops the process with an error naming the variable
(:class:`SettingsError`), while a bad alert value only disables the notifier it belongs to, so one broken
SMTP port never silences the webhook (see :func:`alert_settings`).

Nothing is cached: :func:`settings` builds the object afresh on each call (about 1.5 ms), so a test's
``monkeypatch.setenv`` is seen at once. Values that shape definitions (the partitions' first day, the
backfill policy, the data folder) are still read once, when their module is imported.

Secrets - the warehouse URL (it may hold a password), webhook URLs (they carry tokens) and the SMTP
password - are :class:`~pydantic.SecretStr`: never in a repr, a log line or a validation error.

Two reads stay outside this module on purpose: each tenant's API tokens live in variables *named by
the tenants file* (``token_env``), not a ``STOREHOUSE_*`` one, and :mod:`resources.secrets` reads it at the
moment it is needed; and the sandbox (``STOREHOUSE_SANDBOX_*``), the test suite and the benchmarks are not
the product and read their own variables (:data:`HARNESS_VARIABLES`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Annotated, Any, ClassVar

import dagster as dg
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PREFIX = "STOREHOUSE_"

#: Variables read by the sandbox, the test suite and the benchmarks, not by the product (no field here).
HARNESS_VARIABLES = frozenset(
    {
        "STOREHOUSE_SANDBOX_CLOCK",
        "STOREHOUSE_SANDBOX_DEFECTS",
        "STOREHOUSE_WOO_SANDBOX_DEFECTS",
        "STOREHOUSE_FIXTURES",
        "STOREHOUSE_TEST_POSTGRES_URL",
        "STOREHOUSE_CRASH_TEST_DIR",
        "STOREHOUSE_CPU_DIR",
        "STOREHOUSE_CPU_CGROUP",
        "STOREHOUSE_BENCH_INSTANCE",
        "STOREHOUSE_BENCH_POSTGRES_URL",
        "STOREHOUSE_BENCH_WOO_ORDERS",
        "STOREHOUSE_BENCH_SERVING_ORDERS_PER_DAY",
        "STOREHOUSE_BENCH_BULK_ORDERS_PER_DAY",
    }
)

_BACKFILL_POLICY = re.compile(r"^(single_run|per_partition|multi_run:(\d+))$")
_RATE_LIMIT = re.compile(r"^[1-9][0-9]{0,8}/(second|minute|hour|day)$")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class SettingsError(ValueError):
    """One or more ``STOREHOUSE_*`` variables hold unusable values; the message names each variable and
    what is wrong with it, never a secret's value."""


def env_name(field: str) -> str:
    """The environment variable behind a settings field: ``warehouse_url`` → ``STOREHOUSE_WAREHOUSE_URL``."""
    return PREFIX + field.upper()


def parse_backfill_policy(text: str) -> tuple[str, int | None]:
    """``single_run`` / ``per_partition`` / ``multi_run:N`` → (name, N or None); anything else is refused
    with the grammar spelled out."""
    match = _BACKFILL_POLICY.match(text.strip())
    if match is None or (match.group(2) is not None and int(match.group(2)) == 0):
        raise ValueError(
            f"{env_name('backfill_policy')}={text!r} is not a backfill policy; "
            "use single_run, multi_run:N (N a positive number of days) or per_partition"
        )
    name, _, size = match.group(1).partition(":")
    return name, int(size) if size else None


def _integer(field: str, raw: Any, low: int, high: int) -> int:
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise ValueError(f"{env_name(field)} must be an integer, got {raw!r}") from None
    if not low <= value <= high:
        raise ValueError(f"{env_name(field)} must be between {low} and {high}, got {value}")
    return value


def _positive(field: str, raw: Any) -> float:
    try:
        value = float(str(raw).strip())
    except ValueError:
        raise ValueError(f"{env_name(field)} must be a number, got {raw!r}") from None
    if value <= 0:
        raise ValueError(f"{env_name(field)} must be > 0, got {raw}")
    return value


def _config() -> SettingsConfigDict:
    # Empty variables count as unset (as `VAR= make demo` always did); inputs never appear in errors.
    return SettingsConfigDict(
        env_prefix=PREFIX, env_ignore_empty=True, hide_input_in_errors=True, extra="ignore"
    )


class StorehouseSettings(BaseSettings):
    """What the platform runs on. Field ``x`` is variable ``STOREHOUSE_X``; defaults are the embedded demo."""

    model_config = _config()

    data_dir: Path = Field(
        default=PROJECT_ROOT / "data",
        description="Folder of the embedded defaults: the DuckDB warehouse and the raw store.",
    )
    warehouse_url: SecretStr | None = Field(
        default=None,
        description="SQLAlchemy URL of the warehouse (may hold a password); unset: DuckDB under data_dir.",
    )
    raw_store_url: str | None = Field(
        default=None,
        description="Where raw API payloads land: a local folder or an fsspec URL; unset: data_dir/raw.",
    )
    tenants_file: Path | None = Field(
        default=None,
        description="The tenants file (YAML) declaring the businesses served; unset: the demo tenants.",
    )
    partitions_start: date = Field(
        default=date(2024, 1, 1),
        description="First business day of the daily partitions: no history is loaded before it.",
    )
    raw_refresh_cron: str = Field(
        default="0 * * * *",
        description="UTC cron on which raw assets refresh every tenant's current days (hourly by default).",
    )
    backfill_policy: str = Field(
        default="single_run",
        description="How a backfill is split into runs: single_run, multi_run:N (N days) or per_partition.",
    )
    daily_schedule_hour: int = Field(
        default=5, description="Tenant-local hour (0-23) of the daily run that closes yesterday's books."
    )
    restatement_days: int = Field(
        default=3, description="Days before yesterday rebuilt every morning, so late changes are picked up."
    )
    daily_schedule_cron: str | None = Field(
        default=None, description="A fixed cron for every tenant instead of tenant-local mornings."
    )
    daily_schedule_timezone: str | None = Field(
        default=None, description="The fixed cron's IANA timezone (UTC when only the cron is set)."
    )
    late_changes_lookback_hours: float = Field(
        default=24.0, description="How far back the late-change sensor's first look at a tenant reaches."
    )
    late_changes_interval_seconds: float = Field(
        default=300.0, description="Minimum time between two evaluations of the late-change sensor."
    )
    serve_host: str = Field(
        default="127.0.0.1", description="Address the reporting API (`storehouse serve`) listens on."
    )
    serve_port: int = Field(default=8400, description="Port of the reporting API (`storehouse serve`).")
    api_keys_file: Path | None = Field(
        default=None,
        description="JSON file of the reporting API's keys (hashes only); unset: data_dir/api_keys.json.",
    )
    api_rate_limit: str = Field(
        default="600/minute",
        description="Requests one API key may make, e.g. 600/minute or 20/second (moving window).",
    )
    warehouse_snapshot_path: Path | None = Field(
        default=None,
        description="The DuckDB read snapshot the API reads; unset: <warehouse>.snapshot.duckdb beside it.",
    )

    @field_validator("partitions_start", mode="before")
    @classmethod
    def _iso_date(cls, raw: Any) -> Any:
        if isinstance(raw, str):
            try:
                return date.fromisoformat(raw.strip())
            except ValueError:
                message = f"{env_name('partitions_start')} must be a date YYYY-MM-DD, got {raw!r}"
                raise ValueError(message) from None
        return raw

    @field_validator("raw_refresh_cron", "daily_schedule_cron")
    @classmethod
    def _cron(cls, raw: str | None, info: Any) -> str | None:
        from dagster._utils.schedules import is_valid_cron_string

        if raw is not None and not is_valid_cron_string(raw.strip()):
            raise ValueError(f"{env_name(info.field_name)} must be a cron expression, got {raw!r}")
        return raw.strip() if raw is not None else None

    @field_validator("backfill_policy")
    @classmethod
    def _policy(cls, raw: str) -> str:
        parse_backfill_policy(raw)
        return raw.strip()

    @field_validator("daily_schedule_hour", mode="before")
    @classmethod
    def _hour(cls, raw: Any) -> int:
        return _integer("daily_schedule_hour", raw, 0, 23)

    @field_validator("restatement_days", mode="before")
    @classmethod
    def _days(cls, raw: Any) -> int:
        return _integer("restatement_days", raw, 0, 366)

    @field_validator("late_changes_lookback_hours", "late_changes_interval_seconds", mode="before")
    @classmethod
    def _positive_number(cls, raw: Any, info: Any) -> float:
        return _positive(info.field_name, raw)

    @field_validator("serve_port", mode="before")
    @classmethod
    def _serve_port(cls, raw: Any) -> int:
        return _integer("serve_port", raw, 1, 65535)

    @field_validator("api_rate_limit")
    @classmethod
    def _rate_limit(cls, raw: str) -> str:
        if not _RATE_LIMIT.match(raw.strip()):
            raise ValueError(
                f"{env_name('api_rate_limit')} must be N/second, N/minute, N/hour or N/day, got {raw!r}"
            )
        return raw.strip()

    @field_validator("daily_schedule_timezone", "raw_store_url", mode="before")
    @classmethod
    def _stripped(cls, raw: Any) -> Any:
        return raw.strip() or None if isinstance(raw, str) else raw

    def default_warehouse_url(self) -> str:
        """The embedded DuckDB warehouse under :attr:`data_dir`."""
        return f"duckdb:///{self.data_dir / 'warehouse.duckdb'}"

    def default_raw_store_url(self) -> str:
        """The embedded raw store folder under :attr:`data_dir`."""
        return str(self.data_dir / "raw")

    def warehouse_url_config(self) -> str | dg.EnvVar:
        """The warehouse resource's ``url``: an EnvVar when ``STOREHOUSE_WAREHOUSE_URL`` is set (its value,
        which may hold a password, is then never shown in the UI or run config), else the embedded DuckDB."""
        if self.warehouse_url is not None:
            return dg.EnvVar(env_name("warehouse_url"))
        return self.default_warehouse_url()

    def warehouse_url_value(self) -> str:
        """The warehouse URL itself (the secret revealed): for processes that open it outside Dagster."""
        if self.warehouse_url is not None:
            return self.warehouse_url.get_secret_value()
        return self.default_warehouse_url()

    def api_keys_path(self) -> Path:
        """The reporting API's key file: :attr:`api_keys_file`, else ``data_dir/api_keys.json``."""
        return self.api_keys_file or self.data_dir / "api_keys.json"

    def raw_store_url_config(self) -> str | dg.EnvVar:
        """The raw store resource's ``base_url``: an EnvVar when ``STOREHOUSE_RAW_STORE_URL`` is set (an
        object-store URL may carry credentials), else the embedded folder."""
        if self.raw_store_url is not None:
            return dg.EnvVar(env_name("raw_store_url"))
        return self.default_raw_store_url()


class AlertSettings(BaseSettings):
    """Where alerts go (``docs/alerts.md``). Field ``x`` is variable ``STOREHOUSE_X``. Nothing set: alerts
    are only logged."""

    model_config = _config()

    alert_webhook_url: SecretStr | None = Field(
        default=None, description="Generic JSON webhook receiving every alert (secret: may carry a token)."
    )
    alert_slack_webhook_url: SecretStr | None = Field(
        default=None, description="Slack incoming-webhook URL for alerts (secret)."
    )
    alert_smtp_host: str | None = Field(
        default=None, description="SMTP server; setting it switches email on."
    )
    alert_smtp_port: int = Field(default=587, description="SMTP port; 465 means implicit TLS (SMTPS).")
    alert_smtp_user: str | None = Field(default=None, description="SMTP login user; no login when unset.")
    alert_smtp_password: SecretStr | None = Field(default=None, description="SMTP login password (secret).")
    alert_smtp_from: str | None = Field(
        default=None,
        description="Sender address; unset: the user if it is an address, else storehouse@localhost.",
    )
    alert_smtp_to: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(), description="Who receives alert emails, comma-separated (required for email)."
    )
    alert_smtp_starttls: bool = Field(
        default=True, description="Upgrade the SMTP connection with STARTTLS before login (not on port 465)."
    )
    alert_timeout_seconds: float = Field(
        default=10.0, description="Bound on every network wait of a notifier (HTTP read, SMTP socket)."
    )
    dagster_ui_url: str = Field(
        default="http://127.0.0.1:3000", description="Base of the run and asset links in alerts."
    )

    #: Fields each notifier depends on: a bad value in one disables that notifier only.
    EMAIL_FIELDS: ClassVar[frozenset[str]] = frozenset(
        {
            "alert_smtp_host",
            "alert_smtp_port",
            "alert_smtp_user",
            "alert_smtp_password",
            "alert_smtp_from",
            "alert_smtp_to",
            "alert_smtp_starttls",
        }
    )

    @field_validator("alert_smtp_host", "alert_smtp_user", "alert_smtp_from", mode="before")
    @classmethod
    def _stripped(cls, raw: Any) -> Any:
        return raw.strip() or None if isinstance(raw, str) else raw

    @field_validator("alert_smtp_port", mode="before")
    @classmethod
    def _port(cls, raw: Any) -> int:
        try:
            port = int(str(raw).strip())
        except ValueError:
            port = 0
        if not 0 < port < 65536:
            raise ValueError(f"{env_name('alert_smtp_port')} must be a port number")
        return port

    @field_validator("alert_smtp_to", mode="before")
    @classmethod
    def _recipients(cls, raw: Any) -> Any:
        return tuple(r.strip() for r in raw.split(",") if r.strip()) if isinstance(raw, str) else raw

    @field_validator("alert_smtp_starttls", mode="before")
    @classmethod
    def _flag(cls, raw: Any) -> Any:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in _TRUE | _FALSE:
            return text in _TRUE
        raise ValueError(f"{env_name('alert_smtp_starttls')} must be true or false")

    @field_validator("alert_timeout_seconds", mode="before")
    @classmethod
    def _timeout(cls, raw: Any) -> float:
        try:
            value = float(str(raw).strip())
        except ValueError:
            raise ValueError(f"{env_name('alert_timeout_seconds')} must be a number of seconds") from None
        if not 0 < value <= 300:
            raise ValueError(f"{env_name('alert_timeout_seconds')} must be between 0 and 300 seconds")
        return value

    @field_validator("dagster_ui_url", mode="before")
    @classmethod
    def _base_url(cls, raw: Any) -> Any:
        return raw.strip().rstrip("/") if isinstance(raw, str) else raw


SETTINGS_CLASSES: tuple[type[BaseSettings], ...] = (StorehouseSettings, AlertSettings)


def variables() -> dict[str, str]:
    """Every ``STOREHOUSE_*`` variable the product reads, with its meaning (the docs test's reference)."""
    return {
        env_name(name): field.description or ""
        for cls in SETTINGS_CLASSES
        for name, field in cls.model_fields.items()
    }


def _problems(error: ValidationError) -> dict[str, str]:
    """Field → a message naming its variable; our validators' own words, else pydantic's (never the input)."""
    problems = {}
    for item in error.errors(include_input=False):
        field = str(item["loc"][0]) if item["loc"] else "?"
        cause = (item.get("ctx") or {}).get("error")
        problems[field] = str(cause) if isinstance(cause, ValueError) else f"{env_name(field)}: {item['msg']}"
    return problems


def settings() -> StorehouseSettings:
    """The platform settings from the current environment, read afresh (cheap, so never stale in tests).
    Raises :class:`SettingsError` naming every variable with an unusable value."""
    try:
        return StorehouseSettings()
    except ValidationError as exc:
        raise SettingsError("; ".join(_problems(exc).values())) from None


def alert_settings(environ: Mapping[str, str] | None = None) -> tuple[AlertSettings, dict[str, str]]:
    """The alert settings from ``environ`` (default: the process environment) and the problems found, by
    field. A field with an unusable value falls back to its default and is reported, so the notifiers
    that do not depend on it still work."""
    environ = os.environ if environ is None else environ
    # Every field passed explicitly, so ``environ`` alone decides (not whatever the process has).
    defaults = {name: field.default for name, field in AlertSettings.model_fields.items()}
    values = {
        name: environ[env_name(name)] for name in defaults if (environ.get(env_name(name)) or "").strip()
    }
    try:
        return AlertSettings(**{**defaults, **values}), {}
    except ValidationError as exc:
        problems = _problems(exc)
    usable = {name: value for name, value in values.items() if name not in problems}
    return AlertSettings(**{**defaults, **usable}), problems


def use_default_dagster_home(path: Path) -> None:
    """Point ``DAGSTER_HOME`` at ``path`` unless the operator has set it (the CLI's local instance)."""
    os.environ.setdefault("DAGSTER_HOME", str(path))


DATA_DIR = settings().data_dir
