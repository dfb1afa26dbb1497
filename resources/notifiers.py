"""Alert delivery: the :class:`Alert` value (the one place that words an alert) and pluggable notifiers.

Notifiers are configured from environment variables, any combination of them (see ``docs/alerts.md``):

* :class:`WebhookNotifier` - ``STOREHOUSE_ALERT_WEBHOOK_URL``: POSTs :meth:`Alert.to_dict` as JSON.
* :class:`SlackNotifier` - ``STOREHOUSE_ALERT_SLACK_WEBHOOK_URL``: POSTs a Slack incoming-webhook message
  (``{"text": ..., "blocks": [...]}``).
* :class:`EmailNotifier` - ``STOREHOUSE_ALERT_SMTP_HOST`` / ``_PORT`` / ``_USER`` / ``_PASSWORD`` /
  ``_FROM`` / ``_TO`` (comma-separated) / ``_STARTTLS``: a plain-text email over SMTP.

With none configured, alerts are only logged. ``STOREHOUSE_DAGSTER_UI_URL`` is the base of the links in
alerts and ``STOREHOUSE_ALERT_TIMEOUT_SECONDS`` bounds every network wait.

Secrets - webhook URLs (they carry tokens) and the SMTP password - never leave this module: reprs hide
them, delivery failures are described by exception class and OS reason only (never ``str(exc)`` of an HTTP
library, which quotes the URL), and every reported text is passed through :meth:`Notifier.redact` as a
last line of defence. A failing notifier never stops the others (:meth:`Notifiers.send`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import smtplib
import ssl
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formatdate, make_msgid
from enum import StrEnum
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import requests

log = logging.getLogger(__name__)

WEBHOOK_URL_ENV = "STOREHOUSE_ALERT_WEBHOOK_URL"
SLACK_WEBHOOK_URL_ENV = "STOREHOUSE_ALERT_SLACK_WEBHOOK_URL"
SMTP_HOST_ENV = "STOREHOUSE_ALERT_SMTP_HOST"
SMTP_PORT_ENV = "STOREHOUSE_ALERT_SMTP_PORT"
SMTP_USER_ENV = "STOREHOUSE_ALERT_SMTP_USER"
SMTP_PASSWORD_ENV = "STOREHOUSE_ALERT_SMTP_PASSWORD"
SMTP_FROM_ENV = "STOREHOUSE_ALERT_SMTP_FROM"
SMTP_TO_ENV = "STOREHOUSE_ALERT_SMTP_TO"
SMTP_STARTTLS_ENV = "STOREHOUSE_ALERT_SMTP_STARTTLS"
TIMEOUT_ENV = "STOREHOUSE_ALERT_TIMEOUT_SECONDS"
DAGSTER_UI_URL_ENV = "STOREHOUSE_DAGSTER_UI_URL"

#: Every variable this module reads (the docs test checks each one is documented).
ALERT_ENV_VARS = (
    WEBHOOK_URL_ENV,
    SLACK_WEBHOOK_URL_ENV,
    SMTP_HOST_ENV,
    SMTP_PORT_ENV,
    SMTP_USER_ENV,
    SMTP_PASSWORD_ENV,
    SMTP_FROM_ENV,
    SMTP_TO_ENV,
    SMTP_STARTTLS_ENV,
    TIMEOUT_ENV,
    DAGSTER_UI_URL_ENV,
)

DEFAULT_DAGSTER_UI_URL = "http://127.0.0.1:3000"
DEFAULT_TIMEOUT_SECONDS = 10.0
#: TCP connect timeout for HTTP notifiers (never longer than the overall timeout).
CONNECT_TIMEOUT_SECONDS = 5.0
DEFAULT_SMTP_PORT = 587
SMTPS_PORT = 465
DEFAULT_SMTP_FROM = "storehouse@localhost"
#: Longest "what failed" text carried by an alert (error messages can be huge).
MAX_SUMMARY_CHARS = 1500

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def dagster_ui_url(environ: Mapping[str, str] | None = None) -> str:
    """The Dagster UI base URL for links in alerts, without a trailing slash."""
    environ = os.environ if environ is None else environ
    return (environ.get(DAGSTER_UI_URL_ENV) or DEFAULT_DAGSTER_UI_URL).rstrip("/")


def asset_path(asset_key: Any) -> str:
    """'a/b' for AssetKey(['a', 'b']) (also accepts a ready string)."""
    return asset_key if isinstance(asset_key, str) else "/".join(asset_key.path)


# ---------------------------------------------------------------------------------------------------------
# The alert
# ---------------------------------------------------------------------------------------------------------
class AlertKind(StrEnum):
    RUN_FAILURE = "run_failure"
    CHECK_FAILURE = "check_failure"
    CHECK_WARNING = "check_warning"

    @property
    def label(self) -> str:
        return {
            AlertKind.RUN_FAILURE: "Run failed",
            AlertKind.CHECK_FAILURE: "Asset check failed",
            AlertKind.CHECK_WARNING: "Asset check warning",
        }[self]


Scalar = str | int | float | bool


@dataclass(frozen=True)
class Alert:
    """One thing to tell people about: a failed run, or a failed (ERROR) or warning (WARN) asset check.

    ``summary`` is *what failed* (the error message, or the check's result/description); ``details`` are
    key metadata as ``(label, value)`` pairs (failure counts and the like). ``assets`` are asset key paths
    joined by ``/``. A run covers one ``partition`` or a ``partition_range`` (first and last key).
    Every notifier formats an alert from :meth:`fields`, :attr:`title` and :attr:`text` only.
    """

    kind: AlertKind
    run_id: str
    summary: str
    ui_base_url: str = DEFAULT_DAGSTER_UI_URL
    job_name: str | None = None
    tenants: tuple[str, ...] = ()
    assets: tuple[str, ...] = ()
    partition: str | None = None
    partition_range: tuple[str, str] | None = None
    check_name: str | None = None
    check_description: str | None = None
    severity: str | None = None
    blocking: bool | None = None
    details: tuple[tuple[str, Scalar], ...] = ()
    retry_number: int = 0

    # --- links ------------------------------------------------------------------------------------------
    @property
    def run_url(self) -> str:
        return f"{self.ui_base_url.rstrip('/')}/runs/{quote(self.run_id, safe='')}"

    def asset_url(self, asset: str) -> str:
        path = "/".join(quote(part, safe="") for part in asset.split("/"))
        return f"{self.ui_base_url.rstrip('/')}/assets/{path}"

    @property
    def asset_urls(self) -> dict[str, str]:
        return {asset: self.asset_url(asset) for asset in self.assets}

    # --- wording ----------------------------------------------------------------------------------------
    @property
    def partition_text(self) -> str | None:
        if self.partition is not None:
            return self.partition
        if self.partition_range is not None:
            start, end = self.partition_range
            return start if start == end else f"{start}...{end}"
        return None

    @property
    def subject(self) -> str:
        """What the alert is about: the check (asset / check) or the run's assets (or job)."""
        if self.check_name:
            return f"{', '.join(self.assets) or '?'} / {self.check_name}"
        if self.assets:
            shown = ", ".join(self.assets[:3]) + (
                f" (+{len(self.assets) - 3})" if len(self.assets) > 3 else ""
            )
            return shown
        return self.job_name or self.run_id

    @property
    def title(self) -> str:
        """One line: email subject, Slack header, the webhook's ``title``."""
        scope = []
        if self.tenants:
            shown = ", ".join(self.tenants[:3]) + (
                f" (+{len(self.tenants) - 3})" if len(self.tenants) > 3 else ""
            )
            scope.append(("tenant " if len(self.tenants) == 1 else "tenants ") + shown)
        if self.partition_text:
            scope.append(
                ("partition " if self.partition is not None else "partitions ") + self.partition_text
            )
        suffix = f" ({'; '.join(scope)})" if scope else ""
        return f"Storehouse: {self.kind.label}: {self.subject}{suffix}"

    def fields(self) -> list[tuple[str, str]]:
        """The alert as labelled lines, in display order (empty ones left out)."""
        rows: list[tuple[str, str | None]] = [
            ("Kind", self.kind.value),
            ("Tenant" if len(self.tenants) == 1 else "Tenants", ", ".join(self.tenants) or None),
            ("Asset" if len(self.assets) == 1 else "Assets", ", ".join(self.assets) or None),
            (
                "Partition range" if self.partition is None and self.partition_range else "Partition",
                self.partition_text,
            ),
            ("Check", self.check_name),
            ("Check description", self.check_description),
            ("Severity", self.severity),
            ("Blocking", None if self.blocking is None else ("yes" if self.blocking else "no")),
            ("What failed", self.summary),
            ("Key metadata", self.details_text or None),
            ("Run", self.run_id),
            ("Job", self.job_name),
            ("Retry", str(self.retry_number) if self.retry_number else None),
            ("Run in Dagster", self.run_url),
            *(
                (f"Asset {a} in Dagster" if len(self.assets) > 1 else "Asset in Dagster", url)
                for a, url in self.asset_urls.items()
            ),
        ]
        return [(label, value) for label, value in rows if value not in (None, "")]

    @property
    def details_text(self) -> str:
        return ", ".join(f"{label}={_format_scalar(value)}" for label, value in self.details)

    @property
    def text(self) -> str:
        """The plain-text body (email body, log line, the webhook's ``text``)."""
        lines = [self.title, ""]
        for label, value in self.fields():
            if "\n" in value:
                lines.append(f"{label}:")
                lines.extend(f"    {line}" for line in value.splitlines())
            else:
                lines.append(f"{label}: {value}")
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict[str, Any]:
        """The generic webhook's JSON payload."""
        return {
            "source": "storehouse",
            "kind": self.kind.value,
            "title": self.title,
            "text": self.text,
            "tenants": list(self.tenants),
            "assets": list(self.assets),
            "partition": self.partition,
            "partition_range": (
                {"start": self.partition_range[0], "end": self.partition_range[1]}
                if self.partition_range
                else None
            ),
            "check_name": self.check_name,
            "check_description": self.check_description,
            "severity": self.severity,
            "blocking": self.blocking,
            "summary": self.summary,
            "details": {label: value for label, value in self.details},
            "run_id": self.run_id,
            "job_name": self.job_name,
            "retry_number": self.retry_number,
            "run_url": self.run_url,
            "asset_urls": self.asset_urls,
        }

    def fingerprint(self) -> str:
        """Identity of *the failure*, independent of the run that reported it: two alerts with the same
        fingerprint say the same thing (kind, assets, check, partition, what failed, key metadata)."""
        identity = json.dumps(
            [
                self.kind.value,
                list(self.assets),
                self.check_name,
                self.partition_text,
                self.severity,
                self.summary,
                [[label, _format_scalar(value)] for label, value in self.details],
            ],
            sort_keys=True,
        )
        return hashlib.sha256(identity.encode()).hexdigest()[:16]


def _format_scalar(value: Scalar) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def truncate(text: str, limit: int = MAX_SUMMARY_CHARS) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# ---------------------------------------------------------------------------------------------------------
# Notifiers
# ---------------------------------------------------------------------------------------------------------
class NotifierError(Exception):
    """A delivery failed. The message is safe to log: it never holds a URL, token or password."""


class NotifierConfigError(ValueError):
    """A notifier's environment variables are incomplete or invalid (names the variables, not values)."""


class Notifier(ABC):
    """Delivers alerts to one destination. :meth:`send` raises :class:`NotifierError` on failure."""

    #: Short, secret-free name for logs ("webhook", "slack", "email").
    name: str = "notifier"

    @abstractmethod
    def send(self, alert: Alert) -> None: ...

    def secrets(self) -> tuple[str, ...]:
        """Values that must never be shown (used by :meth:`redact`)."""
        return ()

    def redact(self, text: str) -> str:
        for secret in sorted(self.secrets(), key=len, reverse=True):
            if secret:
                text = text.replace(secret, "***")
        return text

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"


def url_secrets(url: str) -> tuple[str, ...]:
    """The URL and the parts of it that carry tokens: path, query, credentials (and their %-decoded forms)."""
    parts = urlsplit(url)
    candidates = [url, parts.path, parts.query, parts.password or "", parts.username or ""]
    candidates += [segment for segment in parts.path.split("/") if len(segment) >= 6]
    candidates += [
        value for pair in parts.query.split("&") for value in pair.split("=")[1:] if len(value) >= 4
    ]
    out = []
    for candidate in candidates:
        if candidate and candidate not in ("/",):
            out.append(candidate)
            if unquote(candidate) != candidate:
                out.append(unquote(candidate))
    return tuple(dict.fromkeys(out))


def describe_exception(exc: BaseException) -> str:
    """A secret-free description: the exception class, an HTTP status or the OS reason (never ``str(exc)``
    of an HTTP library, which quotes the request URL)."""
    name = type(exc).__name__
    if isinstance(exc, NotifierError):
        return str(exc)
    if isinstance(exc, smtplib.SMTPResponseException):
        reply = (
            exc.smtp_error.decode("utf-8", "replace")
            if isinstance(exc.smtp_error, bytes)
            else str(exc.smtp_error)
        )
        return f"{name}: SMTP {exc.smtp_code} {reply.splitlines()[0] if reply else ''}".rstrip()
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return f"{name}: {len(exc.recipients)} recipient(s) refused"
    # Find the innermost OS-level reason (e.g. "Connection refused") along the cause chain.
    seen: set[int] = set()
    current: BaseException | None = exc
    reason = None
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.strerror:
            reason = current.strerror
        if isinstance(current, TimeoutError | requests.exceptions.Timeout):
            reason = reason or "timed out"
        elif isinstance(current, ssl.SSLError):
            reason = reason or f"TLS error ({type(current).__name__})"
        nested = current.args[0] if current.args and isinstance(current.args[0], BaseException) else None
        reason_attr = getattr(current, "reason", None)
        current = (
            nested
            or (reason_attr if isinstance(reason_attr, BaseException) else None)
            or current.__cause__
            or current.__context__
        )
    return f"{name}: {reason}" if reason else name


@dataclass(repr=False)
class _HttpNotifier(Notifier):
    url: str = field(repr=False)
    timeout: float = DEFAULT_TIMEOUT_SECONDS

    def __post_init__(self) -> None:
        if urlsplit(self.url).scheme not in ("http", "https") or not urlsplit(self.url).hostname:
            raise NotifierConfigError(f"{self.name}: the URL must be an http(s) URL with a host")

    def secrets(self) -> tuple[str, ...]:
        return url_secrets(self.url)

    @abstractmethod
    def payload(self, alert: Alert) -> dict[str, Any]: ...

    def send(self, alert: Alert) -> None:
        try:
            response = requests.post(
                self.url,
                json=self.payload(alert),
                timeout=(min(CONNECT_TIMEOUT_SECONDS, self.timeout), self.timeout),
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            raise NotifierError(self.redact(describe_exception(exc))) from None
        if not 200 <= response.status_code < 300:
            body = " ".join(response.text[:120].split())
            raise NotifierError(self.redact(f"HTTP {response.status_code}" + (f": {body}" if body else "")))


@dataclass(repr=False)
class WebhookNotifier(_HttpNotifier):
    """POSTs :meth:`Alert.to_dict` as JSON to a generic webhook."""

    name: str = "webhook"

    def payload(self, alert: Alert) -> dict[str, Any]:
        return alert.to_dict()


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@dataclass(repr=False)
class SlackNotifier(_HttpNotifier):
    """POSTs a Slack incoming-webhook message: ``text`` (notification fallback) and Block Kit ``blocks``."""

    name: str = "slack"

    #: Alert fields shown as the message's two-column facts (the rest get their own blocks).
    NOT_FACTS = ("Kind", "What failed", "Key metadata")

    def payload(self, alert: Alert) -> dict[str, Any]:
        facts = [
            (label, value)
            for label, value in alert.fields()
            if label not in self.NOT_FACTS and not label.endswith("in Dagster")
        ]
        what_failed = f"*What failed*\n```{_slack_escape(truncate(alert.summary, 2500))}```"
        if alert.details:
            what_failed += f"\n*Key metadata*: {_slack_escape(truncate(alert.details_text, 400))}"
        links = [f"<{alert.run_url}|Open run {_slack_escape(alert.run_id[:8])} in Dagster>"]
        links += [
            f"<{url}|Open asset {_slack_escape(asset)} in Dagster>" for asset, url in alert.asset_urls.items()
        ]
        return {
            "text": alert.title,
            "blocks": [
                {"type": "header", "text": {"type": "plain_text", "text": truncate(alert.title, 150)}},
                {
                    "type": "section",
                    "fields": [
                        {"type": "mrkdwn", "text": f"*{label}*\n{_slack_escape(truncate(value, 1900))}"}
                        for label, value in facts[:10]
                    ],
                },
                {"type": "section", "text": {"type": "mrkdwn", "text": what_failed}},
                {"type": "context", "elements": [{"type": "mrkdwn", "text": " · ".join(links)}]},
            ],
        }


@dataclass(repr=False)
class EmailNotifier(Notifier):
    """Sends a plain-text email (subject :attr:`Alert.title`, body :attr:`Alert.text`) over SMTP.

    ``starttls`` upgrades the connection before logging in; port 465 uses implicit TLS (SMTPS) instead.
    """

    host: str = ""
    port: int = DEFAULT_SMTP_PORT
    sender: str = DEFAULT_SMTP_FROM
    recipients: tuple[str, ...] = ()
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    starttls: bool = True
    timeout: float = DEFAULT_TIMEOUT_SECONDS
    name: str = "email"

    def __post_init__(self) -> None:
        if not self.host:
            raise NotifierConfigError(f"email: {SMTP_HOST_ENV} is empty")
        if not self.recipients:
            raise NotifierConfigError(f"email: {SMTP_TO_ENV} must list at least one recipient")
        if self.password and not self.user:
            raise NotifierConfigError(f"email: {SMTP_PASSWORD_ENV} is set but {SMTP_USER_ENV} is not")

    def __repr__(self) -> str:
        return f"<EmailNotifier {self.host}:{self.port} to {len(self.recipients)} recipient(s)>"

    def secrets(self) -> tuple[str, ...]:
        return (self.password,) if self.password else ()

    def message(self, alert: Alert) -> EmailMessage:
        # Headers fold only past RFC 5322's 998-character limit: folding at 78 splits a long partition
        # range into encoded words, and mail readers then show the subject with extra spaces.
        msg = EmailMessage(policy=SMTP_POLICY.clone(max_line_length=998))
        msg["Subject"] = alert.title
        msg["From"] = self.sender
        msg["To"] = ", ".join(self.recipients)
        msg["Date"] = formatdate(localtime=False, usegmt=True)
        msg["Message-ID"] = make_msgid(domain="storehouse")
        msg["X-Storehouse-Alert-Kind"] = alert.kind.value
        msg["X-Storehouse-Run-Id"] = alert.run_id
        msg.set_content(alert.text)
        return msg

    def send(self, alert: Alert) -> None:
        message = self.message(alert)
        try:
            if self.port == SMTPS_PORT:
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
                )
            else:
                client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            with client:
                if self.starttls and self.port != SMTPS_PORT:
                    client.starttls(context=ssl.create_default_context())
                if self.user:
                    client.login(self.user, self.password or "")
                client.send_message(message, from_addr=self.sender, to_addrs=list(self.recipients))
        except (smtplib.SMTPException, OSError) as exc:
            raise NotifierError(self.redact(describe_exception(exc))) from None


# ---------------------------------------------------------------------------------------------------------
# Configuration and fan-out
# ---------------------------------------------------------------------------------------------------------
def _parse_bool(environ: Mapping[str, str], name: str, default: bool) -> bool:
    raw = (environ.get(name) or "").strip().lower()
    if not raw:
        return default
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise NotifierConfigError(f"{name} must be true or false")


def _parse_timeout(environ: Mapping[str, str]) -> float:
    raw = (environ.get(TIMEOUT_ENV) or "").strip()
    if not raw:
        return DEFAULT_TIMEOUT_SECONDS
    try:
        value = float(raw)
    except ValueError:
        raise NotifierConfigError(f"{TIMEOUT_ENV} must be a number of seconds") from None
    if not 0 < value <= 300:
        raise NotifierConfigError(f"{TIMEOUT_ENV} must be between 0 and 300 seconds")
    return value


def email_notifier_from_env(environ: Mapping[str, str], timeout: float) -> EmailNotifier | None:
    host = (environ.get(SMTP_HOST_ENV) or "").strip()
    if not host:
        return None
    raw_port = (environ.get(SMTP_PORT_ENV) or "").strip()
    try:
        port = int(raw_port) if raw_port else DEFAULT_SMTP_PORT
    except ValueError:
        raise NotifierConfigError(f"{SMTP_PORT_ENV} must be a port number") from None
    if not 0 < port < 65536:
        raise NotifierConfigError(f"{SMTP_PORT_ENV} must be a port number")
    user = (environ.get(SMTP_USER_ENV) or "").strip() or None
    recipients = tuple(r.strip() for r in (environ.get(SMTP_TO_ENV) or "").split(",") if r.strip())
    return EmailNotifier(
        host=host,
        port=port,
        sender=(environ.get(SMTP_FROM_ENV) or "").strip()
        or (user if user and "@" in user else DEFAULT_SMTP_FROM),
        recipients=recipients,
        user=user,
        password=environ.get(SMTP_PASSWORD_ENV) or None,
        starttls=_parse_bool(environ, SMTP_STARTTLS_ENV, default=True),
        timeout=timeout,
    )


@dataclass
class DeliveryReport:
    """What happened to one alert: the notifiers that delivered it and, per failed notifier, why."""

    delivered: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


@dataclass
class Notifiers:
    """The configured notifiers plus the configuration problems found (each broken notifier is left out,
    the others still work)."""

    notifiers: list[Notifier] = field(default_factory=list)
    config_errors: list[str] = field(default_factory=list)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Notifiers:
        environ = os.environ if environ is None else environ
        result = cls()
        try:
            timeout = _parse_timeout(environ)
        except NotifierConfigError as exc:
            result.config_errors.append(str(exc))
            timeout = DEFAULT_TIMEOUT_SECONDS
        for env_name, notifier_cls in (
            (WEBHOOK_URL_ENV, WebhookNotifier),
            (SLACK_WEBHOOK_URL_ENV, SlackNotifier),
        ):
            url = (environ.get(env_name) or "").strip()
            if url:
                try:
                    result.notifiers.append(notifier_cls(url=url, timeout=timeout))
                except NotifierConfigError as exc:
                    result.config_errors.append(f"{env_name}: {exc}")
        try:
            email = email_notifier_from_env(environ, timeout)
        except NotifierConfigError as exc:
            result.config_errors.append(str(exc))
        else:
            if email is not None:
                result.notifiers.append(email)
        return result

    @property
    def names(self) -> list[str]:
        return [n.name for n in self.notifiers]

    def redact(self, text: str) -> str:
        for notifier in self.notifiers:
            text = notifier.redact(text)
        return text

    def send(self, alert: Alert, logger: logging.Logger | None = None) -> DeliveryReport:
        """Deliver ``alert`` through every notifier; one failing never stops the others. Failures and
        configuration problems are logged (secret-free) as warnings on ``logger``."""
        logger = logger or log
        report = DeliveryReport()
        for problem in self.config_errors:
            logger.error(f"alert notifier misconfigured, left out: {problem}")
        if not self.notifiers:
            logger.warning(f"no alert notifier configured; alert only logged:\n{self.redact(alert.text)}")
            return report
        for notifier in self.notifiers:
            try:
                notifier.send(alert)
            except Exception as exc:  # any notifier bug must not stop the others
                reason = self.redact(describe_exception(exc))
                report.failed[notifier.name] = reason
                logger.warning(
                    f"alert notifier {notifier.name} failed for {alert.kind.value} alert of run "
                    f"{alert.run_id}: {reason}"
                )
            else:
                report.delivered.append(notifier.name)
        logger.info(
            f"{alert.title} - delivered via {', '.join(report.delivered) or 'no notifier'}"
            + (f"; failed: {', '.join(report.failed)}" if report.failed else "")
        )
        return report


def send_alert(
    alert: Alert, logger: logging.Logger | None = None, environ: Mapping[str, str] | None = None
) -> DeliveryReport:
    """Deliver one alert through the notifiers configured in the environment."""
    return Notifiers.from_env(environ).send(alert, logger)


__all__: Sequence[str] = [
    "ALERT_ENV_VARS",
    "Alert",
    "AlertKind",
    "DeliveryReport",
    "EmailNotifier",
    "Notifier",
    "NotifierConfigError",
    "NotifierError",
    "Notifiers",
    "SlackNotifier",
    "WebhookNotifier",
    "dagster_ui_url",
    "send_alert",
]
