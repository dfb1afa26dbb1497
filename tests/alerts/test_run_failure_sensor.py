"""The run-failure sensor against a real test instance: a partitioned asset fails, the sensor ticks, and the
loopback webhook, Slack receiver and SMTP server get exactly one alert each."""

from __future__ import annotations

from resources import notifiers
from sensors.alerts import alert_on_run_failure
from tests.alerts import pipeline
from tests.alerts.conftest import SLACK_PATH, SLACK_TOKEN, UI_URL, WEBHOOK_PATH, WEBHOOK_TOKEN, free_port
from tests.alerts.harness import SensorDriver

ERROR = "upstream API answered 503 for tenant acme"
TITLE = "Storehouse: Run failed: broken_orders (tenant acme; partition 2026-05-12|acme)"


def expected_text(run_id: str, retry: int = 0, error: str = ERROR) -> str:
    retry_line = f"Retry: {retry}\n" if retry else ""
    return (
        f"{TITLE}\n"
        "\n"
        "Kind: run_failure\n"
        "Tenant: acme\n"
        "Asset: broken_orders\n"
        "Partition: 2026-05-12|acme\n"
        f"What failed: ValueError: {error}\n"
        f"Run: {run_id}\n"
        "Job: __ephemeral_asset_job__\n"
        f"{retry_line}"
        f"Run in Dagster: {UI_URL}/runs/{run_id}\n"
        f"Asset in Dagster: {UI_URL}/assets/broken_orders\n"
    )


def test_failed_run_is_alerted_once_through_every_notifier(instance, alert_env, http_receiver, smtp_receiver):
    sensor = SensorDriver(alert_on_run_failure, instance)
    assert "Initiating" in sensor.last.skip_message

    run_id = pipeline.run(instance, [pipeline.broken_orders]).run_id
    sensor.tick()

    # Generic webhook: the whole alert as JSON.
    assert http_receiver.bodies(WEBHOOK_PATH) == [
        {
            "source": "storehouse",
            "kind": "run_failure",
            "title": TITLE,
            "text": expected_text(run_id),
            "tenants": ["acme"],
            "assets": ["broken_orders"],
            "partition": "2026-05-12|acme",
            "partition_range": None,
            "check_name": None,
            "check_description": None,
            "severity": None,
            "blocking": None,
            "summary": f"ValueError: {ERROR}",
            "details": {},
            "run_id": run_id,
            "job_name": "__ephemeral_asset_job__",
            "retry_number": 0,
            "run_url": f"{UI_URL}/runs/{run_id}",
            "asset_urls": {"broken_orders": f"{UI_URL}/assets/broken_orders"},
        }
    ]

    # Slack incoming-webhook format.
    [slack] = http_receiver.bodies(SLACK_PATH)
    assert slack == {
        "text": TITLE,
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": TITLE}},
            {
                "type": "section",
                "fields": [
                    {"type": "mrkdwn", "text": "*Tenant*\nacme"},
                    {"type": "mrkdwn", "text": "*Asset*\nbroken_orders"},
                    {"type": "mrkdwn", "text": "*Partition*\n2026-05-12|acme"},
                    {"type": "mrkdwn", "text": f"*Run*\n{run_id}"},
                    {"type": "mrkdwn", "text": "*Job*\n__ephemeral_asset_job__"},
                ],
            },
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f"*What failed*\n```ValueError: {ERROR}```"},
            },
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": f"<{UI_URL}/runs/{run_id}|Open run {run_id[:8]} in Dagster> · "
                        f"<{UI_URL}/assets/broken_orders|Open asset broken_orders in Dagster>",
                    }
                ],
            },
        ],
    }

    # Email over SMTP.
    [message] = smtp_receiver.messages
    assert message["Subject"] == TITLE
    assert message["From"] == "dagster@storehouse.test"
    assert message["To"] == "data-team@storehouse.test, oncall@storehouse.test"
    assert message["X-Storehouse-Alert-Kind"] == "run_failure"
    assert message.get_content() == expected_text(run_id)
    assert smtp_receiver.envelopes == [
        ("dagster@storehouse.test", ["data-team@storehouse.test", "oncall@storehouse.test"])
    ]

    # The next tick sends nothing new.
    sensor.tick()
    assert len(http_receiver.requests) == 2
    assert len(smtp_receiver.messages) == 1


def test_a_retry_with_the_same_failure_is_not_alerted_again(instance, alert_env, http_receiver):
    sensor = SensorDriver(alert_on_run_failure, instance)
    first = pipeline.run(instance, [pipeline.broken_orders]).run_id
    sensor.tick()
    assert [b["run_id"] for b in http_receiver.bodies(WEBHOOK_PATH)] == [first]

    # Dagster's automatic retry (dagster/retry_number=1) fails identically: no alert, a log line instead.
    retry = pipeline.run(instance, [pipeline.broken_orders], tags=pipeline.retry_tags(first)).run_id
    log = sensor.tick().log
    assert [b["run_id"] for b in http_receiver.bodies(WEBHOOK_PATH)] == [first]
    assert (
        f"run {retry} (retry 1 of {first}) failed the same way as its parent: not alerted again" in log.text
    )

    # The second retry fails differently: that is news.
    other = pipeline.Script(error="upstream API answered 401 for tenant acme")
    second_retry = pipeline.run(
        instance, [pipeline.broken_orders], tags=pipeline.retry_tags(retry, 2, first), script=other
    ).run_id
    sensor.tick()
    bodies = http_receiver.bodies(WEBHOOK_PATH)
    assert [b["run_id"] for b in bodies] == [first, second_retry]
    assert bodies[1]["retry_number"] == 2
    assert bodies[1]["text"] == expected_text(second_retry, retry=2, error=other.error)

    # A manual re-execution (no retry number) of a failed run always alerts, even when identical.
    manual_tags = {"dagster/parent_run_id": second_retry, "dagster/root_run_id": first}
    manual = pipeline.run(instance, [pipeline.broken_orders], tags=manual_tags, script=other).run_id
    sensor.tick()
    assert [b["run_id"] for b in http_receiver.bodies(WEBHOOK_PATH)] == [first, second_retry, manual]


def test_a_failing_notifier_does_not_stop_the_others_and_leaks_no_secret(
    instance, alert_env, clean_alert_env, http_receiver, smtp_receiver, capfd
):
    dead_url = f"http://127.0.0.1:{free_port()}{WEBHOOK_PATH}"  # nothing listens there
    clean_alert_env.setenv(notifiers.WEBHOOK_URL_ENV, dead_url)
    http_receiver.statuses[SLACK_PATH] = 200
    sensor = SensorDriver(alert_on_run_failure, instance)
    run_id = pipeline.run(instance, [pipeline.broken_orders]).run_id
    log = sensor.tick().log

    # Slack and email still delivered.
    assert [b["text"] for b in http_receiver.bodies(SLACK_PATH)] == [TITLE]
    assert [m["Subject"] for m in smtp_receiver.messages] == [TITLE]
    # The failure is in the sensor's log, without the URL or its token.
    [warning] = [m for m in log.at(30) if "failed" in m]
    assert warning == (
        f"alert notifier webhook failed for run_failure alert of run {run_id}: "
        "ConnectionError: Connection refused"
    )
    assert f"{TITLE} - delivered via slack, email; failed: webhook" in log.text
    captured = capfd.readouterr()
    for secret in (WEBHOOK_TOKEN, dead_url, WEBHOOK_PATH, SLACK_TOKEN):
        assert secret not in log.text
        assert secret not in (sensor.cursor or "")
        assert secret not in captured.out + captured.err


def test_a_slack_error_status_is_reported_without_the_url(instance, alert_env, http_receiver, smtp_receiver):
    http_receiver.statuses[SLACK_PATH] = 500
    sensor = SensorDriver(alert_on_run_failure, instance)
    run_id = pipeline.run(instance, [pipeline.broken_orders]).run_id
    log = sensor.tick().log
    assert len(http_receiver.bodies(WEBHOOK_PATH)) == 1
    assert len(smtp_receiver.messages) == 1
    assert (
        f"alert notifier slack failed for run_failure alert of run {run_id}: HTTP 500: invalid_payload"
        in (log.at(30))
    )
    assert SLACK_TOKEN not in log.text


def test_without_notifiers_the_alert_is_only_logged(instance, clean_alert_env, http_receiver):
    sensor = SensorDriver(alert_on_run_failure, instance)
    run_id = pipeline.run(instance, [pipeline.broken_orders]).run_id
    log = sensor.tick().log
    assert http_receiver.requests == []
    [warning] = log.at(30)
    assert warning.startswith("no alert notifier configured; alert only logged:\n")
    assert f"Run in Dagster: http://127.0.0.1:3000/runs/{run_id}" in warning  # the default UI URL
    assert "What failed: ValueError: upstream API answered 503 for tenant acme" in warning
