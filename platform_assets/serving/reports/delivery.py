"""Recording and sending a report: its HTML and CSV written under the data directory, and an email (HTML
with a plain-text alternative, the CSV attached) sent through the alerts' SMTP settings to the tenant's
recipients (:func:`resources.notifiers.report_mailer`). The SMTP password never leaves the mailer: a
delivery failure is described without it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formatdate, make_msgid
from pathlib import Path

from platform_assets.serving.reports.content import Report
from platform_assets.serving.reports.render import render_csv, render_html, render_text
from platform_assets.settings import settings
from resources.notifiers import EmailNotifier, NotifierError, report_mailer

REPORT_KIND_HEADER = "X-Storehouse-Report"


@dataclass(frozen=True)
class RenderedReport:
    """A report's three renderings."""

    report: Report
    html: str
    text: str
    csv: str

    @classmethod
    def of(cls, report: Report) -> RenderedReport:
        return cls(report, render_html(report), render_text(report), render_csv(report))

    @property
    def stem(self) -> str:
        """``<tenant>-<kind>-<last day>``: the files' and the attachment's name."""
        return f"{self.report.tenant_id}-{self.report.kind}-{self.report.period.end.isoformat()}"


@dataclass(frozen=True)
class Delivery:
    """Whether the report was sent, and the sentence saying so (for the metadata and the log)."""

    sent: bool
    detail: str
    recipients: int = 0


def reports_dir() -> Path:
    """Where rendered reports are kept: ``<STOREHOUSE_DATA_DIR>/reports``."""
    return settings().data_dir / "reports"


def record(rendered: RenderedReport, folder: Path | None = None) -> Path:
    """Write the report's HTML and CSV to ``<folder>/<tenant>/<stem>.html|.csv`` (each to a temporary
    file, then renamed, so a reader never sees half a report); returns the HTML's path."""
    target = (folder or reports_dir()) / rendered.report.tenant_id
    target.mkdir(parents=True, exist_ok=True)
    html_path = target / f"{rendered.stem}.html"
    for path, content in ((html_path, rendered.html), (target / f"{rendered.stem}.csv", rendered.csv)):
        temporary = path.with_name(f".{path.name}.tmp")
        temporary.write_text(content, encoding="utf-8")
        os.replace(temporary, path)
    return html_path


def message(rendered: RenderedReport, mailer: EmailNotifier) -> EmailMessage:
    """The email: subject, plain text with the HTML as its alternative, the CSV attached."""
    msg = EmailMessage(policy=SMTP_POLICY.clone(max_line_length=998))
    msg["Subject"] = rendered.report.subject
    msg["From"] = mailer.sender
    msg["To"] = ", ".join(mailer.recipients)
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = make_msgid(domain="storehouse")
    msg[REPORT_KIND_HEADER] = rendered.report.kind
    msg.set_content(rendered.text)
    msg.add_alternative(rendered.html, subtype="html")
    msg.add_attachment(
        rendered.csv.encode("utf-8"), maintype="text", subtype="csv", filename=f"{rendered.stem}.csv"
    )
    return msg


class ReportDeliveryError(Exception):
    """The SMTP server refused the report or could not be reached (the message holds no secret)."""


def send(rendered: RenderedReport, recipients: tuple[str, ...]) -> Delivery:
    """Send the report to ``recipients``; not sent (and why) when SMTP is not configured or nobody is to
    receive it. Raises :class:`ReportDeliveryError` when the configured server fails."""
    mailer, why_not = report_mailer(recipients)
    if mailer is None:
        return Delivery(False, f"not sent: {why_not}")
    try:
        mailer.deliver(message(rendered, mailer))
    except NotifierError as exc:
        raise ReportDeliveryError(f"report not sent: {exc}") from None
    return Delivery(True, f"sent to {len(recipients)} recipient(s)", len(recipients))
