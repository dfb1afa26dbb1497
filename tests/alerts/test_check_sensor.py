"""The asset-check sensor against a real test instance: a successful run with a failing non-blocking check
(ERROR) and a WARN check, a run failed by a blocking check, a ranged run, and retries."""

from __future__ import annotations

import json

from sensors.alerts import CheckAlertCursor, alert_on_asset_checks, alert_on_run_failure
from tests.alerts import pipeline
from tests.alerts.conftest import SLACK_PATH, SLACK_TOKEN, UI_URL, WEBHOOK_PATH, WEBHOOK_TOKEN
from tests.alerts.harness import SensorDriver

JOB = "__ephemeral_asset_job__"


def by_check(bodies: list[dict]) -> dict[str, dict]:
    return {b["check_name"]: b for b in bodies}


def test_failed_and_warning_checks_of_finished_runs_are_alerted_once(
    instance, alert_env, http_receiver, smtp_receiver
):
    sensor = SensorDriver(alert_on_asset_checks, instance)
    assert sensor.last.skip_message.startswith("initialised")

    green = pipeline.run(instance, pipeline.ORDERS)  # non-blocking ERROR + WARN failures: run SUCCESS
    red = pipeline.run(instance, pipeline.PAYMENTS)  # blocking ERROR failure: run FAILURE
    assert green.success and not red.success
    result = sensor.tick()
    assert result.skip_message == "2 finished run(s) read, 3 check alert(s) sent, 0 duplicate(s) suppressed"

    webhook = by_check(http_receiver.bodies(WEBHOOK_PATH))
    assert sorted(webhook) == ["orders_amounts_non_negative", "orders_currency_known", "payments_unique_ids"]

    title = (
        "Storehouse: Asset check failed: orders / orders_amounts_non_negative "
        "(tenant acme; partition 2026-05-12|acme)"
    )
    text = (
        f"{title}\n"
        "\n"
        "Kind: check_failure\n"
        "Tenant: acme\n"
        "Asset: orders\n"
        "Partition: 2026-05-12|acme\n"
        "Check: orders_amounts_non_negative\n"
        "Check description: Order amounts are never negative\n"
        "Severity: ERROR\n"
        "Blocking: no\n"
        "What failed: 3 orders have a negative amount\n"
        "Key metadata: checked_rows=120, negative_amounts=3\n"
        f"Run: {green.run_id}\n"
        f"Job: {JOB}\n"
        f"Run in Dagster: {UI_URL}/runs/{green.run_id}\n"
        f"Asset in Dagster: {UI_URL}/assets/orders\n"
    )
    assert webhook["orders_amounts_non_negative"] == {
        "source": "storehouse",
        "kind": "check_failure",
        "title": title,
        "text": text,
        "tenants": ["acme"],
        "assets": ["orders"],
        "partition": "2026-05-12|acme",
        "partition_range": None,
        "check_name": "orders_amounts_non_negative",
        "check_description": "Order amounts are never negative",
        "severity": "ERROR",
        "blocking": False,
        "summary": "3 orders have a negative amount",
        "details": {"checked_rows": 120, "negative_amounts": 3},  # the markdown sample stays in the UI
        "run_id": green.run_id,
        "job_name": JOB,
        "retry_number": 0,
        "run_url": f"{UI_URL}/runs/{green.run_id}",
        "asset_urls": {"orders": f"{UI_URL}/assets/orders"},
    }

    warning = webhook["orders_currency_known"]
    assert warning["kind"] == "check_warning"
    assert warning["severity"] == "WARN"
    assert warning["title"] == (
        "Storehouse: Asset check warning: orders / orders_currency_known "
        "(tenant acme; partition 2026-05-12|acme)"
    )
    # No result description: the check's own description says what failed.
    assert warning["summary"] == "Every order has a known currency"
    assert warning["details"] == {"missing_currency": 1, "share": 0.25}
    assert "Key metadata: missing_currency=1, share=0.25\n" in warning["text"]

    blocking = webhook["payments_unique_ids"]
    assert (blocking["kind"], blocking["severity"], blocking["blocking"]) == ("check_failure", "ERROR", True)
    assert blocking["summary"] == "2 payment ids appear more than once"
    assert blocking["details"] == {"duplicate_ids": 2}
    assert blocking["run_url"] == f"{UI_URL}/runs/{red.run_id}"
    assert blocking["asset_urls"] == {"payments": f"{UI_URL}/assets/payments"}

    # Slack: same alerts, incoming-webhook format.
    slack = {b["text"]: b for b in http_receiver.bodies(SLACK_PATH)}
    assert sorted(slack) == sorted(b["title"] for b in webhook.values())
    blocks = slack[title]["blocks"]
    assert blocks[0] == {"type": "header", "text": {"type": "plain_text", "text": title}}
    assert {"type": "mrkdwn", "text": "*Check*\norders_amounts_non_negative"} in blocks[1]["fields"]
    assert {"type": "mrkdwn", "text": "*Tenant*\nacme"} in blocks[1]["fields"]
    assert {"type": "mrkdwn", "text": "*Partition*\n2026-05-12|acme"} in blocks[1]["fields"]
    assert blocks[2]["text"]["text"] == (
        "*What failed*\n```3 orders have a negative amount```\n"
        "*Key metadata*: checked_rows=120, negative_amounts=3"
    )
    assert f"<{UI_URL}/runs/{green.run_id}|" in blocks[3]["elements"][0]["text"]
    assert f"<{UI_URL}/assets/orders|Open asset orders in Dagster>" in blocks[3]["elements"][0]["text"]

    # Email: one per alert, subject = title, body = text.
    emails = {m["Subject"]: m for m in smtp_receiver.messages}
    assert sorted(emails) == sorted(b["title"] for b in webhook.values())
    assert emails[title].get_content() == text

    # Nothing new on the next tick, nor on one after it.
    assert (
        sensor.tick().skip_message
        == "0 finished run(s) read, 0 check alert(s) sent, 0 duplicate(s) suppressed"
    )
    sensor.tick()
    assert len(http_receiver.requests) == 6
    assert len(smtp_receiver.messages) == 3


def test_the_cursor_dedupes_by_run_check_and_partition_and_holds_no_secret(
    instance, alert_env, http_receiver, smtp_receiver
):
    sensor = SensorDriver(alert_on_asset_checks, instance)
    started_after = CheckAlertCursor.from_json(sensor.cursor).after
    run_id = pipeline.run(instance, pipeline.ORDERS).run_id
    sensor.tick()
    assert len(http_receiver.bodies(WEBHOOK_PATH)) == 2

    cursor = CheckAlertCursor.from_json(sensor.cursor)
    assert set(cursor.runs[run_id]) == {
        "orders:orders_amounts_non_negative@2026-05-12|acme",
        "orders:orders_currency_known@2026-05-12|acme",
    }
    for secret in (WEBHOOK_TOKEN, SLACK_TOKEN, WEBHOOK_PATH, SLACK_PATH):
        assert secret not in sensor.cursor

    # Even if the run's events were read again (cursor rewound), the same failures are not re-sent.
    rewound = json.loads(sensor.cursor)
    rewound["after"] = started_after
    sensor.cursor = json.dumps(rewound)
    result = sensor.tick()
    assert result.skip_message.endswith("0 check alert(s) sent, 2 duplicate(s) suppressed")
    assert len(http_receiver.bodies(WEBHOOK_PATH)) == 2
    assert len(smtp_receiver.messages) == 2


def test_an_automatic_retry_with_the_identical_check_failure_is_not_alerted_again(
    instance, alert_env, http_receiver
):
    checks = SensorDriver(alert_on_asset_checks, instance)
    failures = SensorDriver(alert_on_run_failure, instance)

    first = pipeline.run(instance, pipeline.PAYMENTS).run_id
    checks.tick()
    failures.tick()
    assert [(b["kind"], b["run_id"]) for b in http_receiver.bodies(WEBHOOK_PATH)] == [
        ("check_failure", first),
        ("run_failure", first),
    ]

    # Retry 1 fails the blocking check identically: no check alert, no run-failure alert.
    retry = pipeline.run(instance, pipeline.PAYMENTS, tags=pipeline.retry_tags(first)).run_id
    check_log = checks.tick().log
    failures.tick()
    assert len(http_receiver.bodies(WEBHOOK_PATH)) == 2
    assert (
        f"check_failure payments:payments_unique_ids@2026-05-12|acme of run {retry} (retry 1 of {first}) "
        "is identical to its parent's: not alerted again"
    ) in check_log.text

    # Retry 2 finds more duplicates: a different failure, so a new check alert. The run failure itself
    # ("1 blocking asset check failed") is the same as before and stays quiet.
    worse = pipeline.Script(duplicate_ids=5)
    second = pipeline.run(
        instance, pipeline.PAYMENTS, tags=pipeline.retry_tags(retry, 2, first), script=worse
    )
    checks.tick()
    failures.tick()
    bodies = http_receiver.bodies(WEBHOOK_PATH)
    assert [(b["kind"], b["run_id"]) for b in bodies] == [
        ("check_failure", first),
        ("run_failure", first),
        ("check_failure", second.run_id),
    ]
    assert bodies[-1]["details"] == {"duplicate_ids": 5}
    assert bodies[-1]["retry_number"] == 2
    assert "Retry: 2\n" in bodies[-1]["text"]


def test_a_ranged_run_names_its_partition_range_and_every_tenant_in_it(instance, alert_env, http_receiver):
    sensor = SensorDriver(alert_on_asset_checks, instance)
    tags = {
        "dagster/asset_partition_range_start": "2026-05-12|acme",
        "dagster/asset_partition_range_end": "2026-05-13|globex",
    }
    run = pipeline.run(instance, pipeline.ORDERS, partition_key=None, tags=tags)
    assert run.success
    sensor.tick()
    alert = by_check(http_receiver.bodies(WEBHOOK_PATH))["orders_amounts_non_negative"]
    assert alert["tenants"] == ["acme", "beta", "globex"]
    assert alert["partition"] is None
    assert alert["partition_range"] == {"start": "2026-05-12|acme", "end": "2026-05-13|globex"}
    assert alert["title"] == (
        "Storehouse: Asset check failed: orders / orders_amounts_non_negative "
        "(tenants acme, beta, globex; partitions 2026-05-12|acme...2026-05-13|globex)"
    )
    assert (
        "Tenants: acme, beta, globex\nAsset: orders\nPartition range: 2026-05-12|acme...2026-05-13|globex\n"
        in (alert["text"])
    )


def test_a_backlog_is_worked_off_in_order_across_ticks(instance, alert_env, http_receiver, monkeypatch):
    """Successful and failed runs come from two event queries; with room for one run per tick none is
    skipped or read twice."""
    from sensors import alerts

    sensor = SensorDriver(alert_on_asset_checks, instance)
    green = pipeline.run(instance, pipeline.ORDERS).run_id
    red = pipeline.run(instance, pipeline.PAYMENTS).run_id
    monkeypatch.setattr(alerts, "RUNS_PER_TICK", 1)
    messages = [sensor.tick().skip_message for _ in range(3)]
    assert messages == [
        "1 finished run(s) read, 2 check alert(s) sent, 0 duplicate(s) suppressed",
        "1 finished run(s) read, 1 check alert(s) sent, 0 duplicate(s) suppressed",
        "0 finished run(s) read, 0 check alert(s) sent, 0 duplicate(s) suppressed",
    ]
    assert [b["run_id"] for b in http_receiver.bodies(WEBHOOK_PATH)] == [green, green, red]
