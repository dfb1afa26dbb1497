"""The late-change sensor against sandbox shops: a refund of an old order requests the partition of the
refund's day (tagged with the old day it restates), recent changes request nothing, the cursor survives
restarts, and a failing tenant does not stop the others.

Expectations come from the sandbox's event model (``Order.updated_at(clock)`` and ``processed_at``), not
from its API, so they are independent of the client, the paging and the sensor's own arithmetic."""

from __future__ import annotations

import json
import socket
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from platform_assets.sources.contract import ChangedOrder
from platform_assets.tenants import Tenant
from resources.shopify.client import ShopifyClientResource
from sandbox.shopify.generator import build_shop
from sandbox.shopify.model import SandboxShop
from sandbox.shopify.server import serve
from sandbox.shopify.spec import ShopSpec
from sensors.late_changes import (
    LATE_CHANGE_SENSORS,
    RESTATES_TAG,
    build_late_change_sensor,
    dump_cursor,
    parse_cursor,
    plan_late_change_runs,
)
from tests.scheduling.conftest import register_shop, write_tenants

NY, BERLIN = "acme-ny", "kaffee-berlin"
ZONES = {NY: ZoneInfo("America/New_York"), BERLIN: ZoneInfo("Europe/Berlin")}
BUILT_AT = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
START = date(2026, 1, 1)
RESTATEMENT_DAYS = 3
FAST_RETRIES = ShopifyClientResource(max_attempts=2, backoff_base_seconds=0.01, backoff_max_seconds=0.01)
TOKENS = {NY: "shpat_test_acme_ny_SECRET", BERLIN: "shpat_test_kaffee_berlin_SECRET"}


def spec(name: str, tenant_id: str) -> ShopSpec:
    return ShopSpec(
        name=name,
        seed=7 if tenant_id == NY else 11,
        timezone=str(ZONES[tenant_id].key),
        orders_per_day=10,
        history_days=30,
        customers=40,
        products=6,
        plan="plus",
        access_token=TOKENS[tenant_id],
    )


@pytest.fixture(scope="module")
def definitions() -> dg.Definitions:
    """The real job, so that requested partition keys are validated against its partitions."""
    from platform_assets.definitions import ALL_ASSETS, build_resources, storehouse_job

    return dg.Definitions(assets=ALL_ASSETS, jobs=[storehouse_job], resources=build_resources())


@dataclass
class Evaluation:
    requests: dict[str, dg.RunRequest]  # by partition key
    cursor_raw: str
    skip_message: str | None

    @property
    def cursor(self) -> dict[str, datetime]:
        """By tenant: the stored cursor keys each tenant's platform ("demo-ny/shopify")."""
        stored = parse_cursor(self.cursor_raw)
        assert all(key.endswith("/shopify") for key in stored), stored
        return {key.removesuffix("/shopify"): seen for key, seen in stored.items()}

    @property
    def restates(self) -> dict[str, str]:
        return {key: request.tags[RESTATES_TAG] for key, request in self.requests.items()}


@dataclass
class World:
    """Two tenants on two sandbox shops sharing one clock, a tenants file and a Dagster instance."""

    shops: dict[str, SandboxShop]
    tenants_file: Path
    instance: dg.DagsterInstance
    definitions: dg.Definitions
    now: datetime = BUILT_AT
    extra: dict = field(default_factory=dict)

    def set_clock(self, at: datetime) -> None:
        self.now = at
        for shop in self.shops.values():
            shop.set_clock(at)

    def sensor(self, **overrides) -> dg.SensorDefinition:
        options = dict(
            restatement_days=RESTATEMENT_DAYS,
            clients={"shopify": FAST_RETRIES},
            tenants_file=self.tenants_file,
            clock=lambda: self.now,
        )
        return build_late_change_sensor(**{**options, **overrides})

    def evaluate(self, sensor: dg.SensorDefinition, cursor: str | None) -> Evaluation:
        with dg.build_sensor_context(
            instance=self.instance,
            instance_ref=self.instance.get_ref(),
            cursor=cursor,
            definitions=self.definitions,
        ) as context:
            result = sensor.evaluate_tick(context)
        requests = {request.partition_key: request for request in result.run_requests}
        assert len(requests) == len(result.run_requests)
        return Evaluation(requests, result.cursor, result.skip_message)

    def expected(self, tenant_id: str, since: datetime, until: datetime) -> tuple[dict[str, str], datetime]:
        """From the event model: {partition key: restates tag} for changes in (since, until], and the
        newest updated_at among them (``since`` if none)."""
        zone = ZONES[tenant_id]
        oldest_recent = until.astimezone(zone).date() - timedelta(days=RESTATEMENT_DAYS + 1)
        old_days: dict[date, set[date]] = defaultdict(set)
        newest = since
        for order in self.shops[tenant_id].orders():
            if order.created_at > until:
                continue
            updated = order.updated_at(until)
            if not since < updated <= until:
                continue
            newest = max(newest, updated)
            business_day = order.processed_at.astimezone(zone).date()
            if business_day < oldest_recent:
                old_days[updated.astimezone(zone).date()].add(business_day)
        tags = {
            f"{day.isoformat()}|{tenant_id}": ",".join(d.isoformat() for d in sorted(days))
            for day, days in old_days.items()
        }
        return tags, newest


@pytest.fixture
def world(instance, tmp_path, monkeypatch, shop_names, definitions) -> Iterator[World]:
    shops, tenants = {}, []
    for tenant_id in (NY, BERLIN):
        shop = build_shop(spec(f"{tenant_id}-shop", tenant_id), BUILT_AT)
        name = register_shop(shop_names, tenant_id, shop)
        token_env = f"TEST_{tenant_id.upper().replace('-', '_')}_TOKEN"
        monkeypatch.setenv(token_env, TOKENS[tenant_id])
        shops[tenant_id] = shop
        tenants.append(
            {
                "id": tenant_id,
                "start_date": START,
                "shopify": {"shop_url": f"sandbox://{name}", "token_env": token_env, "api": "rest"},
            }
        )
    instance.add_dynamic_partitions("tenant", [NY, BERLIN])
    tenants_file = write_tenants(tmp_path / "tenants.yaml", tenants)
    yield World(shops, tenants_file, instance, definitions, extra={"tenants": tenants})


def first_late_refund(shop: SandboxShop, zone: ZoneInfo, after: datetime) -> tuple[datetime, date]:
    """(created_at, order business day) of the first refund after ``after`` whose order is older than
    the restatement window on the refund's day."""
    candidates = []
    for order in shop.orders():
        order_day = order.processed_at.astimezone(zone).date()
        for refund in order.refunds:
            refund_day = refund.created_at.astimezone(zone).date()
            if refund.created_at > after and refund_day - order_day > timedelta(days=RESTATEMENT_DAYS + 1):
                candidates.append((refund.created_at, order_day))
    assert candidates, "the sandbox shop has no late refund to test with"
    return min(candidates)


def test_a_late_refund_requests_the_refund_day_tagged_with_the_old_day(world):
    refund_at, order_day = first_late_refund(world.shops[NY], ZONES[NY], after=BUILT_AT)
    refund_day = refund_at.astimezone(ZONES[NY]).date()
    before, after = refund_at - timedelta(hours=2), refund_at + timedelta(hours=1)
    sensor = world.sensor()

    world.set_clock(before)
    first = world.evaluate(sensor, None)  # first evaluation: the last day (lookback)
    expected = {}
    for tenant_id in (NY, BERLIN):
        tags, newest = world.expected(tenant_id, before - timedelta(days=1), before)
        expected.update(tags)
        assert first.cursor[tenant_id] == newest
    assert first.restates == expected

    world.set_clock(after)
    second = world.evaluate(sensor, first.cursor_raw)
    expected = {}
    for tenant_id in (NY, BERLIN):
        tags, newest = world.expected(tenant_id, first.cursor[tenant_id], after)
        expected.update(tags)
        assert second.cursor[tenant_id] == newest
    assert second.restates == expected
    # The refund's day is requested, not the order's day; the order's day is what it restates.
    request = second.requests[f"{refund_day.isoformat()}|{NY}"]
    assert order_day.isoformat() in request.tags[RESTATES_TAG].split(",")
    assert f"{order_day.isoformat()}|{NY}" not in second.requests
    assert request.tags["dagster/partition/date"] == refund_day.isoformat()
    assert request.tags["dagster/partition/tenant"] == NY
    assert request.tags["dagster/sensor_name"] == "storehouse_late_change_sensor"
    assert request.run_key.startswith(f"late-change:{NY}:{refund_day.isoformat()}:")

    # Nothing changed since: the same cursor comes back and nothing is requested again.
    third = world.evaluate(sensor, second.cursor_raw)
    assert third.requests == {}
    assert third.cursor == second.cursor


def test_changes_to_recent_days_request_nothing_but_move_the_cursor(world):
    # An hour in which orders changed, none of them processed before the restatement window.
    start = BUILT_AT + timedelta(days=1)
    world.set_clock(start + timedelta(hours=72))  # the sandbox generates days as its clock reaches them
    for hour in range(72):
        since, until = start + timedelta(hours=hour), start + timedelta(hours=hour + 1)
        tags, newest = world.expected(NY, since, until)
        if newest > since and not tags:
            break
    else:
        pytest.fail("no hour with only recent changes in the sandbox shop")
    world.set_clock(until)
    cursor = dump_cursor({NY: since, BERLIN: until})
    result = world.evaluate(world.sensor(), cursor)
    assert result.requests == {}
    assert result.cursor[NY] == newest > since
    assert result.skip_message.startswith("no change touches an old business day")


def test_first_evaluation_looks_back_the_configured_time(world):
    at = BUILT_AT + timedelta(days=3)
    world.set_clock(at)
    one_day, _ = world.expected(NY, at - timedelta(days=1), at)
    four_days, _ = world.expected(NY, at - timedelta(days=4), at)
    assert set(one_day) < set(four_days), "precondition: a longer lookback sees more change days"
    short = world.evaluate(world.sensor(), None)
    assert {k: v for k, v in short.restates.items() if k.endswith(NY)} == one_day
    long = world.evaluate(world.sensor(lookback=timedelta(days=4)), None)
    assert {k: v for k, v in long.restates.items() if k.endswith(NY)} == four_days


def test_cursor_survives_a_restart_over_http(world, monkeypatch):
    """Both shops over the sandbox HTTP server; the second evaluation is a new sensor built from scratch
    (a restarted code server) with only the stored cursor."""
    names = {tenant_id: f"{tenant_id}-http" for tenant_id in world.shops}
    with serve({names[t]: shop for t, shop in world.shops.items()}) as server:
        tenants = world.extra["tenants"]
        for tenant in tenants:
            tenant["shopify"]["shop_url"] = server.base_url(names[tenant["id"]])
        write_tenants(world.tenants_file, tenants)
        refund_at, _ = first_late_refund(world.shops[NY], ZONES[NY], after=BUILT_AT)

        world.set_clock(refund_at - timedelta(minutes=30))
        stored = world.evaluate(world.sensor(), None).cursor_raw
        assert json.loads(stored).keys() == {f"{NY}/shopify", f"{BERLIN}/shopify"}

        world.set_clock(refund_at + timedelta(minutes=30))
        restarted = world.evaluate(world.sensor(), stored)
        expected = {}
        for tenant_id in (NY, BERLIN):
            since = parse_cursor(stored)[f"{tenant_id}/shopify"]
            expected.update(world.expected(tenant_id, since, world.now)[0])
        assert restarted.restates == expected
        assert f"{refund_at.astimezone(ZONES[NY]).date().isoformat()}|{NY}" in expected
        again = world.evaluate(world.sensor(), restarted.cursor_raw)
        assert again.requests == {}


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("failure", ["wrong-token", "server-error", "connection-refused"])
def test_a_failing_tenant_does_not_stop_the_others(world, monkeypatch, capfd, failure):
    tenants = world.extra["tenants"]
    berlin = next(t for t in tenants if t["id"] == BERLIN)
    if failure == "wrong-token":
        monkeypatch.setenv(berlin["shopify"]["token_env"], "shpat_WRONG_token_SECRET")
    elif failure == "server-error":
        world.shops[BERLIN].faults.add("orders.json", "status", status=503, times=100)
    else:
        berlin["shopify"]["shop_url"] = f"http://127.0.0.1:{_closed_port()}/kaffee"
        write_tenants(world.tenants_file, tenants)
    refund_at, _ = first_late_refund(world.shops[NY], ZONES[NY], after=BUILT_AT)
    since = refund_at - timedelta(hours=3)
    world.set_clock(refund_at + timedelta(hours=1))

    result = world.evaluate(world.sensor(), dump_cursor({NY: since, BERLIN: since}))

    tags, newest = world.expected(NY, since, world.now)
    assert tags and result.restates == tags  # New York is served
    assert result.cursor == {NY: newest, BERLIN: since}  # Berlin keeps its cursor and is retried later
    first_time = world.evaluate(world.sensor(), None)
    assert BERLIN not in first_time.cursor and NY in first_time.cursor
    output = capfd.readouterr()
    log = output.out + output.err
    expected_error = {
        "wrong-token": "ShopifyAuthError",
        "server-error": "ShopifyAPIError",
        "connection-refused": "ShopifyAPIError",
    }[failure]
    assert f"late changes: {BERLIN}/shopify: {expected_error}" in log
    assert "SECRET" not in log


def test_tenant_without_a_partition_is_left_for_later(world, capfd):
    world.instance.delete_dynamic_partition("tenant", BERLIN)
    world.set_clock(BUILT_AT + timedelta(days=2))
    result = world.evaluate(world.sensor(), None)
    assert BERLIN not in result.cursor and NY in result.cursor
    assert all(key.endswith(f"|{NY}") for key in result.requests)
    assert f"late changes: {BERLIN}: no 'tenant' partition yet" in capfd.readouterr().err


# -- the planning rule, exactly, on hand-made changes ------------------------------------------------------
def _order(order_id: int, processed: str, updated: str) -> ChangedOrder:
    return ChangedOrder(order_id, datetime.fromisoformat(processed), datetime.fromisoformat(updated))


def test_plan_boundaries_and_tenant_local_days():
    tenant = Tenant(id=NY, name=NY, start_date=date(2026, 1, 1))
    zone = ZONES[NY]
    now = datetime(2026, 3, 11, 3, 30, tzinfo=UTC)  # 23:30 EDT on 2026-03-10: "today" is the 10th
    window = (now - timedelta(hours=1), now)
    orders = [
        _order(1, "2026-03-06T12:00:00-05:00", "2026-03-10T22:00:00-04:00"),  # today-4: still recent
        _order(2, "2026-03-05T23:59:59-05:00", "2026-03-10T22:10:00-04:00"),  # today-5: old
        _order(3, "2026-03-06T03:00:00+00:00", "2026-03-11T03:10:00+00:00"),  # 22:00 on the 5th in NY: old
        _order(4, "2026-02-19T10:00:00-05:00", "2026-03-11T03:20:00+00:00"),  # changed 23:20 EDT on the 10th
        _order(5, "2026-02-19T11:00:00-05:00", "2026-03-09T12:00:00-04:00"),  # an earlier change day
    ]
    runs = plan_late_change_runs(tenant, orders, zone, now, 3, window)
    assert [(r.change_day.isoformat(), [d.isoformat() for d in r.restates], r.orders) for r in runs] == [
        ("2026-03-09", ["2026-02-19"], 1),
        ("2026-03-10", ["2026-02-19", "2026-03-05"], 3),
    ]
    assert [str(r.partition_key) for r in runs] == [f"2026-03-09|{NY}", f"2026-03-10|{NY}"]
    assert runs[1].run_request().tags[RESTATES_TAG] == "2026-02-19,2026-03-05"
    assert (
        runs[1].run_key == f"late-change:{NY}:2026-03-10:2026-03-11T02:30:00+00:00..2026-03-11T03:30:00+00:00"
    )


def test_changes_before_the_start_date_request_the_start_date():
    tenant = Tenant(id=NY, name=NY, start_date=date(2026, 3, 10), timezone="America/New_York")
    now = datetime(2026, 3, 20, 12, tzinfo=UTC)
    orders = [_order(1, "2026-02-01T10:00:00-05:00", "2026-03-09T10:00:00-04:00")]
    runs = plan_late_change_runs(tenant, orders, ZONES[NY], now, 3, (now - timedelta(days=20), now))
    assert [(r.change_day, r.restates) for r in runs] == [(date(2026, 3, 10), (date(2026, 2, 1),))]


def test_cursor_round_trip():
    cursor = {NY: datetime(2026, 3, 11, 12, 9, 2, tzinfo=ZONES[NY]), BERLIN: datetime(2026, 3, 1, tzinfo=UTC)}
    raw = dump_cursor(cursor)
    assert json.loads(raw) == {BERLIN: "2026-03-01T00:00:00+00:00", NY: "2026-03-11T16:09:02+00:00"}
    assert parse_cursor(raw) == cursor
    assert parse_cursor(None) == {}


def test_exported_sensor_is_running_and_configurable(monkeypatch):
    assert [s.name for s in LATE_CHANGE_SENSORS] == ["storehouse_late_change_sensor"]
    sensor = LATE_CHANGE_SENSORS[0]
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    assert sensor.minimum_interval_seconds == 300
    assert sensor.job_name == "storehouse_job"
    monkeypatch.setenv("STOREHOUSE_LATE_CHANGES_INTERVAL_SECONDS", "60")
    assert build_late_change_sensor().minimum_interval_seconds == 60
    monkeypatch.setenv("STOREHOUSE_LATE_CHANGES_LOOKBACK_HOURS", "-1")
    with pytest.raises(ValueError, match="STOREHOUSE_LATE_CHANGES_LOOKBACK_HOURS must be > 0"):
        build_late_change_sensor()
