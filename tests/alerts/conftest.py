"""Loopback receivers for alert tests: an HTTP server capturing webhook/Slack POSTs, an SMTP server
(aiosmtpd) capturing emails, the alert environment pointing at both, and a Dagster test instance."""

from __future__ import annotations

import email
import email.policy
import json
import os
import socket
import tempfile
import threading
import warnings
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import dagster as dg
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from resources import notifiers

WEBHOOK_TOKEN = "whk_T0KEN_3f9a1c"
SLACK_TOKEN = "XoXbSlackSecret42"
SMTP_PASSWORD = "smtp-Pa55word-7q"
UI_URL = "http://dagster.storehouse.test:3000"
TENANTS = ["acme", "beta", "globex"]


# ---------------------------------------------------------------------------------------------------------
# HTTP receiver
# ---------------------------------------------------------------------------------------------------------
@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: dict


@dataclass
class HttpReceiver:
    host: str
    port: int
    requests: list[Received] = field(default_factory=list)
    #: path -> HTTP status to answer with (default 200)
    statuses: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def bodies(self, path_prefix: str) -> list[dict]:
        with self.lock:
            return [r.body for r in self.requests if r.path.startswith(path_prefix)]


def _handler_for(receiver: HttpReceiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            with receiver.lock:
                receiver.requests.append(Received(self.path, dict(self.headers), json.loads(raw or b"null")))
            status = receiver.statuses.get(self.path, 200)
            body = b"ok" if status == 200 else b"invalid_payload"
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # silence the access log
            pass

    return Handler


@pytest.fixture
def http_receiver() -> HttpReceiver:
    receiver = HttpReceiver("127.0.0.1", 0)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(receiver))
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def free_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---------------------------------------------------------------------------------------------------------
# SMTP receiver
# ---------------------------------------------------------------------------------------------------------
@dataclass
class SmtpReceiver:
    host: str
    port: int
    messages: list[email.message.EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        content = envelope.original_content.replace(b"\r\n", b"\n")  # SMTP wire line endings
        self.messages.append(email.message_from_bytes(content, policy=email.policy.default))
        return "250 Message accepted for delivery"


def _reject_all_logins(receiver: SmtpReceiver):
    def authenticator(server, session, envelope, mechanism, auth_data):
        receiver.logins.append(auth_data.login.decode())
        return AuthResult(success=False, handled=False)

    return authenticator


def _start_smtp(auth: bool = False) -> tuple[Controller, SmtpReceiver]:
    receiver = SmtpReceiver("127.0.0.1", free_port())
    kwargs = {"authenticator": _reject_all_logins(receiver), "auth_require_tls": False} if auth else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        controller = Controller(
            receiver, hostname=receiver.host, port=receiver.port, ready_timeout=5, **kwargs
        )
        controller.start()
    return controller, receiver


@pytest.fixture
def smtp_receiver() -> SmtpReceiver:
    controller, receiver = _start_smtp()
    try:
        yield receiver
    finally:
        controller.stop()


@pytest.fixture
def smtp_rejecting_logins() -> SmtpReceiver:
    controller, receiver = _start_smtp(auth=True)
    try:
        yield receiver
    finally:
        controller.stop()


# ---------------------------------------------------------------------------------------------------------
# Environment, logs, instance
# ---------------------------------------------------------------------------------------------------------
WEBHOOK_PATH = f"/hooks/storehouse/{WEBHOOK_TOKEN}"
SLACK_PATH = f"/services/T0001/B0002/{SLACK_TOKEN}"


@pytest.fixture
def clean_alert_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in notifiers.ALERT_ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.fixture
def alert_env(clean_alert_env, http_receiver, smtp_receiver) -> dict[str, str]:
    """All three notifiers configured against the loopback receivers."""
    env = {
        notifiers.WEBHOOK_URL_ENV: http_receiver.url(WEBHOOK_PATH),
        notifiers.SLACK_WEBHOOK_URL_ENV: http_receiver.url(SLACK_PATH),
        notifiers.SMTP_HOST_ENV: smtp_receiver.host,
        notifiers.SMTP_PORT_ENV: str(smtp_receiver.port),
        notifiers.SMTP_FROM_ENV: "dagster@storehouse.test",
        notifiers.SMTP_TO_ENV: "data-team@storehouse.test, oncall@storehouse.test",
        notifiers.SMTP_STARTTLS_ENV: "false",
        notifiers.DAGSTER_UI_URL_ENV: UI_URL + "/",
        notifiers.TIMEOUT_ENV: "5",
    }
    for name, value in env.items():
        clean_alert_env.setenv(name, value)
    return env


@pytest.fixture(scope="package")
def instance() -> dg.DagsterInstance:
    """One test instance for the alert tests (creating one costs 1-3 s). Each test starts its sensors
    afresh, and a sensor's first tick starts after every run already there, so tests don't see each other's
    runs - just as a newly deployed sensor ignores the instance's history. Its SQLite files live in
    memory (/dev/shm) where there is one: every Dagster event is a committed write."""
    shm = Path("/dev/shm")
    base = str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None
    with (
        tempfile.TemporaryDirectory(prefix="storehouse-alerts-", dir=base) as temp_dir,
        dg.instance_for_test(temp_dir=temp_dir) as test_instance,
    ):
        test_instance.add_dynamic_partitions("tenant", TENANTS)
        yield test_instance
