"""Planted defects (corrupt order, missing page, duplicate order) and host-firewall faults and latency."""

from __future__ import annotations

import time
from datetime import date

import pytest
import requests

from sandbox.woocommerce.defects import DEFECTS_ENV, Defect, parse_defect
from sandbox.woocommerce.presets import preset
from tests.sandbox.woocommerce.conftest import BASE, walk

DAY = date(2026, 2, 20)


def _first_of_day(site, day=DAY):
    return min(o.id for o in site.day_orders(day))


def test_corrupt_order(site, session):
    site.defects = [parse_defect("corrupt_order@2026-02-20")]
    target = _first_of_day(site)
    listed = {o["id"]: o for o in walk(session, f"{BASE}/orders", status="any")}
    assert listed[target]["total"] == "12,50"
    assert session.get(f"{BASE}/orders/{target}").json()["total"] == "12,50"
    assert all(o["total"] != "12,50" for i, o in listed.items() if i != target)
    site.defects = [
        Defect("corrupt_order", order_id=target, field="date_created_gmt", value="0000-00-00T00:00:00")
    ]
    assert session.get(f"{BASE}/orders/{target}").json()["date_created_gmt"] == "0000-00-00T00:00:00"
    truth = site.ground_truth(DAY, DAY)  # the store stays the truth
    site.defects = []
    assert site.ground_truth(DAY, DAY) == truth


def test_missing_page_fails_once_with_a_500(site, session):
    site.defects = [parse_defect("missing_page@2026-02-20?page=1")]
    params = {"after": "2026-02-20T00:00:00", "before": "2026-02-21T00:00:00"}
    failed = session.get(f"{BASE}/orders", params=params)
    assert failed.status_code == 500 and failed.json()["code"] == "internal_server_error"
    retried = session.get(f"{BASE}/orders", params=params)
    assert retried.status_code == 200 and retried.json()


def test_missing_page_short_keeps_the_totals(site, session):
    params = {"after": "2026-02-20T00:00:00", "before": "2026-02-21T00:00:00", "per_page": 100}
    honest = session.get(f"{BASE}/orders", params=params)
    site.defects = [parse_defect("missing_page@2026-02-20?page=1&mode=short")]
    short = session.get(f"{BASE}/orders", params=params)
    assert short.headers["X-WP-Total"] == honest.headers["X-WP-Total"] != "0"
    assert len(short.json()) < len(honest.json())


def test_duplicate_order_across_pages(site, session):
    target = _first_of_day(site)
    site.defects = [Defect("duplicate_order", order_id=target)]
    pages: list[list[int]] = []
    response = session.get(f"{BASE}/orders", params={"per_page": 20, "status": "any"})
    total = int(response.headers["X-WP-Total"])
    while True:
        pages.append([o["id"] for o in response.json()])
        if "next" not in response.links:
            break
        response = session.get(response.links["next"]["url"])
    ids = [i for page in pages for i in page]
    assert ids.count(target) == 2 and len(ids) == total + 1 and len(set(ids)) == total
    assert sum(target in page for page in pages) == 2


def test_defects_from_the_environment(monkeypatch):
    monkeypatch.setenv(
        DEFECTS_ENV, "woo-ny:corrupt_order@2026-02-20; woo-london:missing_page?page=2&mode=short"
    )
    (ny,) = preset("woo-ny").defects
    assert ny.kind == "corrupt_order" and ny.day == DAY
    (london,) = preset("woo-london").defects
    assert (london.kind, london.page, london.mode, london.day) == ("missing_page", 2, "short", None)
    with pytest.raises(ValueError):
        parse_defect("eat_orders@2026-02-20")


def test_firewall_faults_and_latency(site, session):
    site.faults.add("/orders", status=429, retry_after=7)
    blocked = session.get(f"{BASE}/orders")
    assert blocked.status_code == 429 and blocked.headers["Retry-After"] == "7"
    assert blocked.headers["Content-Type"].startswith("text/html")
    site.faults.add("/orders", status=503, times=2)
    assert [session.get(f"{BASE}/orders").status_code for _ in range(3)] == [503, 503, 200]
    assert "Retry-After" not in session.get(f"{BASE}/orders").headers
    site.faults.add("/orders", kind="drop")
    with pytest.raises(requests.ConnectionError):
        session.get(f"{BASE}/orders")
    site.faults.add("/orders", kind="delay", delay=0.5)
    with pytest.raises(requests.ReadTimeout):
        session.get(f"{BASE}/orders", timeout=0.1)
    site.spec.latency_seconds = 0.2
    started = time.perf_counter()
    assert session.get(f"{BASE}/orders").status_code == 200
    assert time.perf_counter() - started >= 0.2


def test_a_flaky_firewall_refuses_a_deterministic_share_of_requests(site, session):
    site.spec.firewall_rate = 0.3
    codes = [session.get(f"{BASE}/coupons") for _ in range(60)]
    refused = [r for r in codes if r.status_code != 200]
    assert {r.status_code for r in refused} == {429, 503}
    assert 5 < len(refused) < 35
    with_retry = [r for r in refused if "Retry-After" in r.headers]
    assert with_retry and len(with_retry) < len(refused)
    from sandbox.woocommerce.generator import build_site
    from tests.sandbox.woocommerce.conftest import CLOCK, small_spec

    twin = build_site(small_spec(firewall_rate=0.3), CLOCK)
    again = [twin.api.handle("GET", "/wp-json/wc/v3/coupons", "", {}, "x")[0] for _ in range(60)]
    # the same seed refuses the same requests (the twin is asked anonymously: 401 where the site said 200)
    assert [401 if r.status_code == 200 else r.status_code for r in codes] == again
