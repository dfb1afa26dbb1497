"""Notifiers on their own: configuration from the environment, delivery to loopback receivers, failures
reported without secrets, and the Alert's wording and links."""

from __future__ import annotations

import logging
import socket

import dagster as dg
import pytest

from resources import notifiers
from resources.notifiers import (
    Alert,
    AlertKind,
    EmailNotifier,
    NotifierError,
    Notifiers,
    SlackNotifier,
    WebhookNotifier,
)
from sensors.alerts import check_alert, run_scope
from tests.alerts.conftest import SLACK_PATH, SMTP_PASSWORD, WEBHOOK_PATH, WEBHOOK_TOKEN, free_port
from tests.alerts.harness import ListHandler

ALERT = Alert(
    kind=AlertKind.CHECK_FAILURE,
    run_id="3f2a9c4e-0000-4000-8000-000000000001",
    job_name="storehouse_job",
    summary="2 rows have <negative> amounts & more",
    ui_base_url="http://ui.test:3000/",
    tenants=("acme",),
    assets=("shop/stg_orders",),
    partition="2026-05-12|acme",
    check_name="amounts_non_negative",
    severity="ERROR",
    blocking=True,
    details=(("n_failures", 2), ("ratio", 0.5)),
)


def logger() -> tuple[logging.Logger, ListHandler]:
    log = logging.getLogger(f"test-alerts-{id(object())}")
    log.propagate = False
    log.setLevel(logging.DEBUG)
    handler = ListHandler()
    log.addHandler(handler)
    return log, handler


# ---------------------------------------------------------------------------------------------------------
# Configuration
# ---------------------------------------------------------------------------------------------------------
def test_nothing_configured_means_no_notifier(clean_alert_env):
    configured = Notifiers.from_env()
    assert configured.notifiers == [] and configured.config_errors == []
    log, handler = logger()
    report = configured.send(ALERT, log)
    assert report.delivered == [] and report.failed == {}
    assert handler.at(logging.WARNING) == [f"no alert notifier configured; alert only logged:\n{ALERT.text}"]


def test_every_combination_comes_from_the_environment():
    env = {
        notifiers.WEBHOOK_URL_ENV: "https://hooks.example.test/a/b?token=abcdef",
        notifiers.SMTP_HOST_ENV: "smtp.example.test",
        notifiers.SMTP_TO_ENV: "a@example.test,, b@example.test ",
        notifiers.SMTP_USER_ENV: "alerts@example.test",
        notifiers.SMTP_PASSWORD_ENV: SMTP_PASSWORD,
    }
    configured = Notifiers.from_env(env)
    assert configured.names == ["webhook", "email"]
    email = configured.notifiers[1]
    assert isinstance(email, EmailNotifier)
    assert (email.port, email.starttls, email.sender) == (587, True, "alerts@example.test")  # secure defaults
    assert email.recipients == ("a@example.test", "b@example.test")
    assert Notifiers.from_env({notifiers.SLACK_WEBHOOK_URL_ENV: "https://hooks.slack.test/x"}).names == [
        "slack"
    ]


def test_misconfiguration_leaves_that_notifier_out_and_names_variables_not_values():
    env = {
        notifiers.WEBHOOK_URL_ENV: f"hooks.example.test/{WEBHOOK_TOKEN}",  # no scheme
        notifiers.SLACK_WEBHOOK_URL_ENV: "https://hooks.slack.test/services/T/B/XYZSECRET",
        notifiers.SMTP_HOST_ENV: "smtp.example.test",
        notifiers.SMTP_PASSWORD_ENV: SMTP_PASSWORD,  # no user, no recipients
    }
    configured = Notifiers.from_env(env)
    assert configured.names == ["slack"]
    assert configured.config_errors == [
        "STOREHOUSE_ALERT_WEBHOOK_URL: webhook: the URL must be an http(s) URL with a host",
        "email: STOREHOUSE_ALERT_SMTP_TO must list at least one recipient",
    ]
    for bad, message in [
        ({notifiers.SMTP_PORT_ENV: "smtp"}, "STOREHOUSE_ALERT_SMTP_PORT must be a port number"),
        ({notifiers.SMTP_STARTTLS_ENV: "maybe"}, "STOREHOUSE_ALERT_SMTP_STARTTLS must be true or false"),
    ]:
        env = {notifiers.SMTP_HOST_ENV: "smtp.example.test", notifiers.SMTP_TO_ENV: "a@example.test", **bad}
        assert Notifiers.from_env(env).config_errors == [message]
    log, handler = logger()
    configured.notifiers = []  # only the problems are left to report
    configured.send(ALERT, log)
    assert handler.at(logging.ERROR) == [
        f"alert notifier misconfigured, left out: {e}" for e in configured.config_errors
    ]
    assert WEBHOOK_TOKEN not in handler.text and SMTP_PASSWORD not in handler.text


def test_reprs_hide_urls_and_passwords():
    webhook = WebhookNotifier(url=f"https://hooks.example.test/{WEBHOOK_TOKEN}")
    slack = SlackNotifier(url="https://hooks.slack.test/services/T1/B2/SLACKSECRET")
    email = EmailNotifier(host="smtp.test", recipients=("a@x.test",), user="u", password=SMTP_PASSWORD)
    shown = " ".join(repr(n) for n in (webhook, slack, email, Notifiers([webhook, slack, email])))
    for secret in (WEBHOOK_TOKEN, "SLACKSECRET", SMTP_PASSWORD, "hooks.example.test"):
        assert secret not in shown
    assert repr(email) == "<EmailNotifier smtp.test:587 to 1 recipient(s)>"


# ---------------------------------------------------------------------------------------------------------
# Delivery and failures
# ---------------------------------------------------------------------------------------------------------
def test_http_error_statuses_and_refused_connections_are_reported_without_the_url(http_receiver):
    http_receiver.statuses[WEBHOOK_PATH] = 503
    with pytest.raises(NotifierError) as refused_status:
        WebhookNotifier(url=http_receiver.url(WEBHOOK_PATH)).send(ALERT)
    assert str(refused_status.value) == "HTTP 503: invalid_payload"
    assert http_receiver.bodies(WEBHOOK_PATH) == [ALERT.to_dict()]

    dead = f"http://127.0.0.1:{free_port()}{WEBHOOK_PATH}"
    with pytest.raises(NotifierError) as refused:
        WebhookNotifier(url=dead).send(ALERT)
    assert str(refused.value) == "ConnectionError: Connection refused"
    assert refused.value.__cause__ is None and refused.value.__suppress_context__


def test_a_silent_server_times_out_quickly(clean_alert_env):
    """A peer that accepts the connection but never answers: the read timeout ends the wait."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/services/T/B/{WEBHOOK_TOKEN}"
        clean_alert_env.setenv(notifiers.SLACK_WEBHOOK_URL_ENV, url)
        clean_alert_env.setenv(notifiers.TIMEOUT_ENV, "0.3")
        [slack] = Notifiers.from_env().notifiers
        with pytest.raises(NotifierError) as timed_out:
            slack.send(ALERT)
    assert str(timed_out.value) == "ReadTimeout: timed out"
    assert WEBHOOK_TOKEN not in str(timed_out.value)


def test_smtp_login_failure_does_not_reveal_the_password(smtp_rejecting_logins):
    email = EmailNotifier(
        host=smtp_rejecting_logins.host,
        port=smtp_rejecting_logins.port,
        recipients=("oncall@storehouse.test",),
        user="alerts@storehouse.test",
        password=SMTP_PASSWORD,
        starttls=False,
        timeout=5,
    )
    log, handler = logger()
    report = Notifiers([email]).send(ALERT, log)
    # It did try to log in (smtplib tries each mechanism the server offers).
    assert set(smtp_rejecting_logins.logins) == {"alerts@storehouse.test"}
    assert smtp_rejecting_logins.messages == []
    assert report.failed == {
        "email": "SMTPAuthenticationError: SMTP 535 5.7.8 Authentication credentials invalid"
    }
    assert SMTP_PASSWORD not in handler.text


def test_starttls_is_required_by_default(smtp_receiver, clean_alert_env):
    clean_alert_env.setenv(notifiers.SMTP_HOST_ENV, smtp_receiver.host)
    clean_alert_env.setenv(notifiers.SMTP_PORT_ENV, str(smtp_receiver.port))
    clean_alert_env.setenv(notifiers.SMTP_TO_ENV, "oncall@storehouse.test")
    [email] = Notifiers.from_env().notifiers
    with pytest.raises(NotifierError, match="^SMTPNotSupportedError$"):
        email.send(ALERT)  # the test server offers no STARTTLS: nothing is sent in clear text
    assert smtp_receiver.messages == []


def test_one_notifier_failing_does_not_stop_the_others(http_receiver, smtp_receiver):
    http_receiver.statuses[WEBHOOK_PATH] = 500
    chain = Notifiers(
        [
            WebhookNotifier(url=http_receiver.url(WEBHOOK_PATH)),
            WebhookNotifier(url=f"http://127.0.0.1:{free_port()}/{WEBHOOK_TOKEN}"),
            SlackNotifier(url=http_receiver.url(SLACK_PATH)),
            EmailNotifier(
                host=smtp_receiver.host, port=smtp_receiver.port, recipients=("a@x.test",), starttls=False
            ),
        ]
    )
    log, handler = logger()
    report = chain.send(ALERT, log)
    assert report.delivered == ["slack", "email"]
    assert report.failed == {"webhook": "ConnectionError: Connection refused"}  # the later webhook's reason
    assert len(handler.at(logging.WARNING)) == 2
    assert len(smtp_receiver.messages) == 1 and len(http_receiver.bodies(SLACK_PATH)) == 1
    assert WEBHOOK_TOKEN not in handler.text


# ---------------------------------------------------------------------------------------------------------
# The alert's wording
# ---------------------------------------------------------------------------------------------------------
def test_links_titles_and_slack_escaping():
    assert ALERT.run_url == "http://ui.test:3000/runs/3f2a9c4e-0000-4000-8000-000000000001"
    assert ALERT.asset_urls == {"shop/stg_orders": "http://ui.test:3000/assets/shop/stg_orders"}
    assert ALERT.title == (
        "Storehouse: Asset check failed: shop/stg_orders / amounts_non_negative "
        "(tenant acme; partition 2026-05-12|acme)"
    )
    assert "Key metadata: n_failures=2, ratio=0.5\n" in ALERT.text
    assert "Blocking: yes\n" in ALERT.text
    blocks = SlackNotifier(url="https://hooks.slack.test/x").payload(ALERT)["blocks"]
    assert blocks[2]["text"]["text"].startswith(
        "*What failed*\n```2 rows have &lt;negative&gt; amounts &amp; more```"
    )
    assert notifiers.dagster_ui_url({}) == "http://127.0.0.1:3000"
    assert notifiers.dagster_ui_url({notifiers.DAGSTER_UI_URL_ENV: "https://dagster.example/"}) == (
        "https://dagster.example"
    )


def test_fingerprint_ignores_the_run_but_not_the_failure():
    from dataclasses import replace

    retry = replace(ALERT, run_id="another-run", retry_number=1)
    assert retry.fingerprint() == ALERT.fingerprint()
    assert replace(ALERT, details=(("n_failures", 3), ("ratio", 0.5))).fingerprint() != ALERT.fingerprint()
    assert replace(ALERT, partition="2026-05-13|acme").fingerprint() != ALERT.fingerprint()


def test_a_per_partition_check_evaluation_uses_its_own_partition():
    run = dg.DagsterRun(job_name="storehouse_job", run_id="r1", tags={"dagster/partition": "2026-05-12|acme"})
    evaluation = dg.AssetCheckEvaluation(
        asset_key=dg.AssetKey(["shop", "orders"]),
        check_name="fresh",
        passed=False,
        severity=dg.AssetCheckSeverity.WARN,
        partition="2026-05-14|globex",
    )
    alert = check_alert(run, evaluation, "http://ui")
    assert (alert.kind, alert.partition, alert.tenants) == (
        AlertKind.CHECK_WARNING,
        "2026-05-14|globex",
        ("globex",),
    )
    assert alert.summary == "check fresh did not pass"
    assert alert.asset_urls == {"shop/orders": "http://ui/assets/shop/orders"}
    assert run_scope({}) == run_scope({"dagster/partition": ""})
    ranged = run_scope(
        {
            "dagster/asset_partition_range_start": "2026-05-12|acme",
            "dagster/asset_partition_range_end": "2026-05-20|acme",
        }
    )
    assert (ranged.partition_range, ranged.tenants) == (("2026-05-12|acme", "2026-05-20|acme"), ("acme",))


def test_key_metadata_keeps_scalars_only_and_json_stays_valid():
    from sensors.alerts import key_metadata

    evaluation = dg.AssetCheckEvaluation(
        asset_key=dg.AssetKey("orders"),
        check_name="c",
        passed=False,
        metadata={
            "n_failures": 4,
            "ratio": float("nan"),
            "ok": False,
            "column": "amount",
            "table": dg.MetadataValue.md("| a |\n|---|\n| 1 |"),
            "long": "x" * 500,
        },
    )
    details = dict(key_metadata(evaluation.metadata))
    assert details == {"n_failures": 4, "ratio": "nan", "ok": False, "column": "amount"}
    many = Alert(kind=AlertKind.RUN_FAILURE, run_id="r", summary="s", tenants=("a", "b", "c", "d", "e"))
    assert many.title == "Storehouse: Run failed: r (tenants a, b, c (+2))"
