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

from platform_assets.settings import AlertSettings, alert_settings, env_name

log = logging.getLogger(__name__)

WEBHOOK_URL_ENV = env_name("alert_webhook_url")
SLACK_WEBHOOK_URL_ENV = env_name("alert_slack_webhook_url")
SMTP_HOST_ENV = env_name("alert_smtp_host")
SMTP_PORT_ENV = env_name("alert_smtp_port")
SMTP_USER_ENV = env_name("alert_smtp_user")
SMTP_PASSWORD_ENV = env_name("alert_smtp_password")
SMTP_FROM_ENV = env_name("alert_smtp_from")
SMTP_TO_ENV = env_name("alert_smtp_to")
SMTP_STARTTLS_ENV = env_name("alert_smtp_starttls")
TIMEOUT_ENV = env_name("alert_timeout_seconds")
DAGSTER_UI_URL_ENV = env_name("dagster_ui_url")

#: Every variable the notifiers are configured from (each one a field of :class:`AlertSettings`).
ALERT_ENV_VARS = tuple(env_name(name) for name in AlertSettings.model_fields)

_DEFAULTS = {name: field.default for name, field in AlertSettings.model_fields.items()}
DEFAULT_DAGSTER_UI_URL: str = _DEFAULTS["dagster_ui_url"]
DEFAULT_TIMEOUT_SECONDS: float = _DEFAULTS["alert_timeout_seconds"]
#: TCP connect timeout for HTTP notifiers (never longer than the overall timeout).
CONNECT_TIMEOUT_SECONDS = 5.0
DEFAULT_SMTP_PORT: int = _DEFAULTS["alert_smtp_port"]
SMTPS_PORT = 465
DEFAULT_SMTP_FROM = "storehouse@localhost"
#: Longest "what failed" text carried by an alert (error messages can be huge).
MAX_SUMMARY_CHARS = 1500


def dagster_ui_url(environ: Mapping[str, str] | None = None) -> str:
    """The Dagster UI base URL for links in alerts, without a trailing slash (``environ``: the process
    environment unless given)."""
    return alert_settings(environ)[0].dagster_ui_url


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
        self.deliver(self.message(alert))

    def deliver(self, message: EmailMessage) -> None:
        """Send ``message`` to :attr:`recipients` (the scheduled reports use it for their own messages);
        a failure raises :class:`NotifierError` describing it without a secret."""
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
def email_notifier_from(configured: AlertSettings, timeout: float) -> EmailNotifier | None:
    """The email notifier the settings describe; None when no SMTP host is set."""
    if not configured.alert_smtp_host:
        return None
    user = configured.alert_smtp_user
    password = configured.alert_smtp_password
    return EmailNotifier(
        host=configured.alert_smtp_host,
        port=configured.alert_smtp_port,
        sender=configured.alert_smtp_from or (user if user and "@" in user else DEFAULT_SMTP_FROM),
        recipients=configured.alert_smtp_to,
        user=user,
        password=password.get_secret_value() if password is not None else None,
        starttls=configured.alert_smtp_starttls,
        timeout=timeout,
    )


def report_mailer(
    recipients: Sequence[str], environ: Mapping[str, str] | None = None
) -> tuple[EmailNotifier | None, str | None]:
    """An SMTP sender for the scheduled reports: the alerts' SMTP settings (host, port, login, sender,
    STARTTLS, timeout) with the tenant's ``recipients`` instead of ``STOREHOUSE_ALERT_SMTP_TO``. Returns
    ``(mailer, None)``, or ``(None, why not)`` when SMTP is not configured or its settings are unusable
    (the reason names the variables, never a value)."""
    configured, problems = alert_settings(environ)
    if not configured.alert_smtp_host:
        return None, f"SMTP is not configured ({SMTP_HOST_ENV} is unset)"
    email_problems = [
        message
        for name, message in problems.items()
        if name in AlertSettings.EMAIL_FIELDS and name != "alert_smtp_to"
    ]
    if email_problems:
        return None, "SMTP settings unusable: " + "; ".join(email_problems)
    if not recipients:
        return None, "no recipients"
    user = configured.alert_smtp_user
    password = configured.alert_smtp_password
    try:
        mailer = EmailNotifier(
            host=configured.alert_smtp_host,
            port=configured.alert_smtp_port,
            sender=configured.alert_smtp_from or (user if user and "@" in user else DEFAULT_SMTP_FROM),
            recipients=tuple(recipients),
            user=user,
            password=password.get_secret_value() if password is not None else None,
            starttls=configured.alert_smtp_starttls,
            timeout=configured.alert_timeout_seconds,
            name="report",
        )
    except NotifierConfigError as exc:
        return None, str(exc)
    return mailer, None


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
        configured, problems = alert_settings(environ)
        result = cls()
        if "alert_timeout_seconds" in problems:  # the default timeout is used, every notifier still works
            result.config_errors.append(problems["alert_timeout_seconds"])
        timeout = configured.alert_timeout_seconds
        for env_name_, url, notifier_cls in (
            (WEBHOOK_URL_ENV, configured.alert_webhook_url, WebhookNotifier),
            (SLACK_WEBHOOK_URL_ENV, configured.alert_slack_webhook_url, SlackNotifier),
        ):
            if url is not None and url.get_secret_value().strip():
                try:
                    result.notifiers.append(notifier_cls(url=url.get_secret_value().strip(), timeout=timeout))
                except NotifierConfigError as exc:
                    result.config_errors.append(f"{env_name_}: {exc}")
        email_problems = [message for name, message in problems.items() if name in AlertSettings.EMAIL_FIELDS]
        if email_problems and configured.alert_smtp_host:  # a broken email setup disables email only
            result.config_errors.extend(email_problems)
            return result
        try:
            email = email_notifier_from(configured, timeout)
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
]
