"""Defects planted in the sandbox API, end to end on the real graph: a corrupt order, a drift field (with a
required field gone), the same id twice with different content, and a silently missing page. Each turns the
right check red with a clear message, keeps the bad records in dlq_records, loses no good order, reaches the
local webhook and SMTP server as exactly one alert, and clears once the API is fixed and the partition is
materialised again."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

import dagster as dg
import pytest

from platform_assets.definitions import defs
from resources import notifiers
from resources.shopify.client import ShopifyClientResource
from sandbox.shopify import registry
from sandbox.shopify.defects import Defect
from sensors.alerts import alert_on_asset_checks, alert_on_run_failure
from tests.alerts.conftest import (  # noqa: F401 - pytest fixtures: the loopback webhook and SMTP servers
    WEBHOOK_PATH,
    clean_alert_env,
    http_receiver,
    smtp_receiver,
)
from tests.pipeline.harness import Pipeline, make_pipeline, make_spec
from tests.pipeline.test_whole_graph import NY

#: Independent tests: xdist spreads them over its workers (tests/conftest.py).
pytestmark = pytest.mark.spread

CLOCK = datetime(2026, 5, 31, 0, 0, tzinfo=NY)  # the sandbox's "now": just after END in New York
START, DAY, END = date(2026, 5, 28), date(2026, 5, 29), date(2026, 5, 30)
PAGE_SIZE = 4  # so a day's orders come in several pages: one can go missing, a copy can land on another
ASSETS = 43  # Shopify and the shared layers (tests/pipeline/test_whole_graph.py counts them too)
#: What the fix re-materialises: the day's orders, raw and staged (with their checks).
ORDERS = dg.AssetSelection.assets("raw_shopify_orders", "stg_shopify_orders").required_multi_asset_neighbors()


@dataclass(frozen=True)
class Truth:
    """The store's truth for DAY: ids of the orders last updated on it, ascending, and the same ids in
    the order the day's sync pages them (by updated_at, then id)."""

    ids: list[int]
    synced: list[int]

    @property
    def first(self) -> int:
        return self.ids[0]


@dataclass(frozen=True)
class Scenario:
    defect: Defect
    check: str
    asset: str
    severity: dg.AssetCheckSeverity
    description: Callable[[Truth, str], str]
    dead_letters: Callable[[Truth], list[tuple[str, str]]]  # (record_key, reason), sorted
    lost: Callable[[Truth], set[int]]  # orders of DAY that cannot reach staging


DUPLICATE = "the same id came twice with different content"
SCENARIOS = {
    "corrupt_order": Scenario(
        Defect("corrupt_order", day=DAY),
        "orders_dead_letters",
        "stg_shopify_orders",
        dg.AssetCheckSeverity.WARN,
        lambda truth, tenant: (
            "1 orders records could not be staged, e.g. 1 × total_price is not an amount: '12,50'"
        ),
        lambda truth: [(str(truth.first), "total_price is not an amount: '12,50'")],
        lambda truth: {truth.first},
    ),
    "drift_field": Scenario(
        Defect("drift_field", day=DAY, remove="created_at"),
        "orders_dead_letters",
        "stg_shopify_orders",
        dg.AssetCheckSeverity.ERROR,  # every record of the partition is dead: the source changed shape
        lambda truth, tenant: (
            f"{len(truth.ids)} orders records could not be staged, "
            f"e.g. {len(truth.ids)} × created_at is missing"
        ),
        lambda truth: [(str(i), "created_at is missing") for i in truth.ids],
        lambda truth: set(truth.ids),
    ),
    "conflicting_duplicate": Scenario(
        Defect("conflicting_duplicate", day=DAY),
        "orders_dead_letters",
        "stg_shopify_orders",
        dg.AssetCheckSeverity.WARN,
        lambda truth, tenant: f"2 orders records could not be staged, e.g. 2 × {DUPLICATE}",
        lambda truth: [(str(truth.first), DUPLICATE), (str(truth.first), DUPLICATE)],
        lambda truth: {truth.first},
    ),
    "missing_page": Scenario(
        Defect("missing_page", day=DAY, page=2),
        "raw_orders_match_source_count",
        "raw_shopify_orders",
        dg.AssetCheckSeverity.ERROR,
        lambda truth, tenant: (
            f"1 partitions differ from the source, e.g. {tenant}/{DAY}: {len(truth.ids) - PAGE_SIZE} orders "
            f"stored, {len(truth.ids)} reported by orders/count.json"
        ),
        lambda truth: [],  # the lost orders never arrived: there is nothing to keep aside
        lambda truth: set(truth.synced[PAGE_SIZE : 2 * PAGE_SIZE]),
    ),
}


@pytest.fixture(scope="module")
def instance():
    """An in-memory instance: the alert sensors read its run and check events as the daemon reads a
    deployed instance's."""
    with dg.DagsterInstance.ephemeral() as test_instance:
        yield test_instance


@pytest.fixture
def alerts_to_loopback(clean_alert_env, http_receiver, smtp_receiver):  # noqa: F811 - fixtures
    """Alerts go to the local webhook receiver and the local SMTP server."""
    clean_alert_env.setenv(notifiers.WEBHOOK_URL_ENV, http_receiver.url(WEBHOOK_PATH))
    clean_alert_env.setenv(notifiers.SMTP_HOST_ENV, smtp_receiver.host)
    clean_alert_env.setenv(notifiers.SMTP_PORT_ENV, str(smtp_receiver.port))
    clean_alert_env.setenv(notifiers.SMTP_STARTTLS_ENV, "false")
    clean_alert_env.setenv(notifiers.SMTP_TO_ENV, "data-team@storehouse.test")
    return http_receiver, smtp_receiver


class Sensor:
    """One alert sensor evaluated tick by tick against the instance, with the real definitions."""

    def __init__(self, sensor: dg.SensorDefinition, instance: dg.DagsterInstance) -> None:
        self.sensor, self.instance, self.cursor = sensor, instance, None
        self.tick()  # the first tick starts from now

    def tick(self) -> str | None:
        context = dg.build_sensor_context(instance=self.instance, cursor=self.cursor, definitions=defs)
        data = self.sensor.evaluate_tick(context)
        self.cursor = data.cursor
        return data.skip_message


def staged_ids(pipeline: Pipeline, start: date, end: date) -> set[int]:
    frame = pipeline.warehouse.query(
        "SELECT order_id FROM stg_shopify_orders WHERE tenant_id = :t AND partition_date BETWEEN :s AND :e",
        {"t": pipeline.tenant_id, "s": start, "e": end},
    )
    return {int(i) for i in frame["order_id"]}


def dead_letters(pipeline: Pipeline, day: date) -> list[tuple[str, str]]:
    frame = pipeline.warehouse.query(
        "SELECT record_key, reason FROM dlq_records WHERE tenant_id = :t AND partition_date = :d "
        "ORDER BY record_key, reason",
        {"t": pipeline.tenant_id, "d": day},
    )
    return list(zip(frame["record_key"], frame["reason"], strict=True))


@pytest.mark.parametrize("kind", list(SCENARIOS))
def test_planted_defect_turns_the_right_check_red_alerts_once_and_clears_after_the_fix(
    kind, tmp_path, monkeypatch, instance, alerts_to_loopback
):
    http, smtp = alerts_to_loopback
    scenario = SCENARIOS[kind]
    tenant = "defect-" + kind.replace("_", "-")
    pipeline = make_pipeline(
        tmp_path, monkeypatch, make_spec(tenant, history_days=4), CLOCK, START, instance=instance
    )
    # One walk per day, so the missing page is one page of the day's one sync (a day split between
    # threads is several walks, each of which the sandbox's defect would hit).
    pipeline.resources["shopify"] = ShopifyClientResource(page_size=PAGE_SIZE, split_windows=False)
    shop = registry.get_shop(tenant)
    updated = {o.id: o.updated_at(shop.clock) for o in shop.orders()}
    updated_day = {i: at.astimezone(NY).date() for i, at in updated.items()}
    ids = sorted(i for i, day in updated_day.items() if day == DAY)
    truth = Truth(ids, sorted(ids, key=lambda i: (updated[i], i)))
    assert len(truth.ids) > 2 * PAGE_SIZE  # DAY's sync has at least three pages
    every_order = {i for i, day in updated_day.items() if day <= END}
    check_alerts, run_alerts = Sensor(alert_on_asset_checks, instance), Sensor(alert_on_run_failure, instance)

    shop.defects = [scenario.defect]
    result = pipeline.materialise(START, END)  # the failing checks do not block: the run succeeds

    # The right check, and only it, is red, with its severity and a message naming what is wrong.
    failed = [e for e in result.get_asset_check_evaluations() if not e.passed]
    assert [(e.check_name, e.asset_key.to_user_string(), e.severity) for e in failed] == [
        (scenario.check, scenario.asset, scenario.severity)
    ]
    assert failed[0].description == scenario.description(truth, tenant)
    # The bad records sit in dlq_records with their reason; every good order flowed on.
    assert dead_letters(pipeline, DAY) == scenario.dead_letters(truth)
    assert staged_ids(pipeline, START, END) == every_order - scenario.lost(truth)
    assert staged_ids(pipeline, DAY, DAY) == set(truth.ids) - scenario.lost(truth)
    # Nothing downstream is blocked: these checks warn or fail without blocking (staging schema checks,
    # which block, stay green because records that cannot be typed never reach the staged rows).
    materialised = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert len(materialised) == ASSETS
    if kind == "drift_field":  # the new field is listed on every partition the run staged
        new_fields = [
            e.materialization.metadata["new_fields"].value
            for e in result.get_asset_materialization_events()
            if e.asset_key.to_user_string() == "stg_shopify_orders"
        ]
        assert new_fields and all(value == {"loyalty_tier": len(truth.ids)} for value in new_fields)

    # Exactly one alert per failed check reaches the webhook and the SMTP server.
    assert check_alerts.tick() == "1 finished run(s) read, 1 check alert(s) sent, 0 duplicate(s) suppressed"
    assert run_alerts.tick() == "Sensor function returned an empty result"  # no run failed
    (alert,) = http.bodies(WEBHOOK_PATH)
    expected_kind = "check_failure" if scenario.severity == dg.AssetCheckSeverity.ERROR else "check_warning"
    partition = f"{START}|{tenant}...{END}|{tenant}"
    assert {
        key: alert[key] for key in ("kind", "tenants", "assets", "check_name", "severity", "blocking")
    } == {
        "kind": expected_kind,
        "tenants": [tenant],
        "assets": [scenario.asset],
        "check_name": scenario.check,
        "severity": scenario.severity.value,
        "blocking": False,
    }
    assert alert["partition_range"] == {"start": f"{START}|{tenant}", "end": f"{END}|{tenant}"}
    assert alert["summary"] == scenario.description(truth, tenant)
    verb = "failed" if expected_kind == "check_failure" else "warning"
    assert alert["title"] == (
        f"Storehouse: Asset check {verb}: {scenario.asset} / {scenario.check} "
        f"(tenant {tenant}; partitions {partition})"
    )
    (email,) = smtp.messages
    assert email["Subject"] == alert["title"]
    assert email.get_content() == alert["text"]

    # The fix: the API serves the truth again; materialising the day's orders again (raw and staged, with
    # their checks) clears the check and the DLQ.
    shop.defects = []
    fixed = pipeline.materialise(DAY, DAY, selection=ORDERS)
    (check,) = [e for e in fixed.get_asset_check_evaluations() if e.check_name == scenario.check]
    assert check.passed
    assert [e.check_name for e in fixed.get_asset_check_evaluations() if not e.passed] == []
    assert dead_letters(pipeline, DAY) == []
    assert staged_ids(pipeline, START, END) == every_order
    assert check_alerts.tick() == "1 finished run(s) read, 0 check alert(s) sent, 0 duplicate(s) suppressed"
    assert len(http.bodies(WEBHOOK_PATH)) == 1 and len(smtp.messages) == 1


def test_the_source_count_check_counts_orders_not_records():
    from platform_assets.quality.source_counts import distinct_orders

    records = [
        {"id": 1},
        {"id": 2, "note": "a"},
        {"id": 2, "note": "b"},
        {"total_price": "1.00"},
        {"id": None},
    ]
    assert distinct_orders(records) == 4  # ids 1 and 2, and two records without an id
    assert distinct_orders([]) == 0
