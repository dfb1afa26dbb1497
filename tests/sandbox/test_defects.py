"""Planted defects on the wire: a corrupt order, a drift field, a conflicting duplicate and a silently missing
page come out of ``orders.json`` exactly as configured, while ``orders/count.json`` and the ground truth
stay the store's truth, and clearing the defects makes the API truthful again."""

from __future__ import annotations

import json
from datetime import date
from urllib.parse import urlsplit

import pytest

from sandbox.shopify.defects import DEFECTS_ENV, Defect, defects_from_env, parse_defect, parse_defects
from sandbox.shopify.model import SandboxShop
from sandbox.shopify.presets import preset

from .conftest import API, NY, call, next_url, tiny_shop

DAY = date(2026, 3, 5)  # 8 orders of the tiny shop were last updated on this New York day
OTHER_DAY = date(2026, 3, 4)  # 7 orders
LIMIT = 3  # pages of 3, 3 and 2 orders


def window(day: date) -> str:
    return f"status=any&updated_at_min={day}T00:00:00-05:00&updated_at_max={day}T23:59:59-05:00&limit={LIMIT}"


def walk(shop: SandboxShop, day: date = DAY) -> list[list[dict]]:
    """The pages of a per-day sync of ``day`` (Link headers followed, as the pipeline's client does)."""
    pages, path, query = [], f"{API}/orders.json", window(day)
    while True:
        status, headers, body = call(shop, path, query)
        assert status == 200, body
        pages.append(json.loads(body)["orders"])
        url = next_url(headers)
        if url is None:
            return pages
        path, query = urlsplit(url).path, urlsplit(url).query


def ids(pages: list[list[dict]]) -> list[int]:
    return [order["id"] for page in pages for order in page]


def count(shop: SandboxShop, day: date = DAY) -> int:
    status, _, body = call(shop, f"{API}/orders/count.json", window(day).rsplit("&limit", 1)[0])
    assert status == 200
    return json.loads(body)["count"]


def updated_on(shop: SandboxShop, day: date) -> list[int]:
    """The store's truth: ids of the orders whose updated_at (as of the clock) is on ``day``."""
    return sorted(o.id for o in shop.orders() if o.updated_at(shop.clock).astimezone(NY).date() == day)


@pytest.fixture
def shop() -> SandboxShop:
    return tiny_shop()


def test_truthful_walk_is_three_pages_of_the_days_orders(shop):
    pages = walk(shop)
    assert [len(page) for page in pages] == [3, 3, 2]
    assert ids(pages) == updated_on(shop, DAY)
    assert count(shop) == 8


def test_corrupt_order_breaks_one_field_of_the_first_order_of_the_day(shop):
    truth = walk(shop)
    target = updated_on(shop, DAY)[0]
    shop.defects = [Defect("corrupt_order", day=DAY)]

    served = walk(shop)
    assert served[0][0] == {**truth[0][0], "total_price": "12,50"}
    assert served[0][0]["id"] == target and truth[0][0]["total_price"] != "12,50"
    assert served[0][1:] + served[1] + served[2] == truth[0][1:] + truth[1] + truth[2]
    assert count(shop) == 8
    _, _, body = call(shop, f"{API}/orders/{target}.json")
    assert json.loads(body)["order"]["total_price"] == "12,50"
    assert walk(shop, OTHER_DAY)[0][0]["total_price"] != "12,50"

    shop.defects = [Defect("corrupt_order", order_id=target, remove="id")]
    first = walk(shop)[0][0]
    assert "id" not in first and first == {k: v for k, v in truth[0][0].items() if k != "id"}


def test_drift_field_adds_a_field_and_removes_one_on_every_order_of_the_day(shop):
    truth = walk(shop)
    other_day = walk(shop, OTHER_DAY)
    shop.defects = [Defect("drift_field", day=DAY, remove="created_at")]

    served = walk(shop)
    expected = [
        [{**{k: v for k, v in o.items() if k != "created_at"}, "loyalty_tier": "gold"} for o in page]
        for page in truth
    ]
    assert served == expected
    assert list(served[0][0])[-1] == "loyalty_tier"  # a new field comes last
    assert walk(shop, OTHER_DAY) == other_day
    assert count(shop) == 8


def test_conflicting_duplicate_serves_the_order_again_on_the_last_page_with_other_content(shop):
    truth = walk(shop)
    target = updated_on(shop, DAY)[0]
    shop.defects = [Defect("conflicting_duplicate", day=DAY)]

    served = walk(shop)
    assert [len(page) for page in served] == [3, 3, 3]
    assert ids(served) == [*ids(truth), target]
    original, copy = served[0][0], served[2][-1]
    assert original == truth[0][0]
    assert copy == {**original, "note": "changed between two pages"}
    assert copy["updated_at"] == original["updated_at"] and copy["note"] != original["note"]
    assert count(shop) == 8
    assert ids(walk(shop, OTHER_DAY)) == updated_on(shop, OTHER_DAY)


def test_missing_page_is_skipped_by_the_link_while_count_still_counts_it(shop):
    truth = walk(shop)
    shop.defects = [Defect("missing_page", day=DAY, page=2)]
    assert walk(shop) == [truth[0], truth[2]]
    assert count(shop) == 8

    shop.defects = [Defect("missing_page", day=DAY)]  # page 1: the first answer is page 2
    assert walk(shop) == [truth[1], truth[2]]
    assert ids(walk(shop, OTHER_DAY)) == updated_on(shop, OTHER_DAY)

    shop.defects = [Defect("missing_page", day=DAY, page=4)]  # the walk has 3 pages: nothing to skip
    assert walk(shop) == truth


def bounded_walk(shop: SandboxShop, requests: int, day: date = DAY) -> tuple[list[list[dict]], list[str]]:
    """The first ``requests`` pages of a per-day sync and the next URLs they linked to."""
    pages, links, path, query = [], [], f"{API}/orders.json", window(day)
    for _ in range(requests):
        status, headers, body = call(shop, path, query)
        assert status == 200, body
        pages.append(json.loads(body)["orders"])
        url = next_url(headers)
        if url is None:
            break
        links.append(url)
        path, query = urlsplit(url).path, urlsplit(url).query
    return pages, links


def test_looping_cursor_serves_the_same_page_with_a_fresh_cursor_forever(shop):
    truth = walk(shop)
    shop.defects = [Defect("looping_cursor", day=DAY, page=2)]

    pages, links = bounded_walk(shop, 6)
    assert pages == [truth[0], truth[1], truth[1], truth[1], truth[1], truth[1]]
    assert len(links) == 6 and len(set(links)) == 6  # a new page_info every time
    assert count(shop) == 8
    assert ids(walk(shop, OTHER_DAY)) == updated_on(shop, OTHER_DAY)

    shop.defects = []  # the fix: a looping cursor goes on truthfully from its page
    path, query = urlsplit(links[-1]).path, urlsplit(links[-1]).query
    status, headers, body = call(shop, path, query)
    assert status == 200 and json.loads(body)["orders"] == truth[1]
    assert json.loads(call(shop, urlsplit(next_url(headers)).path, urlsplit(next_url(headers)).query)[2]) == {
        "orders": truth[2]
    }


def test_repeated_cursor_links_a_page_to_itself(shop):
    truth = walk(shop)
    shop.defects = [Defect("repeated_cursor", day=DAY)]  # page 1

    pages, links = bounded_walk(shop, 4)
    assert pages == [truth[0]] * 4
    assert len(links) == 4 and len(set(links)) == 1


def test_walk_defects_take_a_day_or_nothing_and_parse_from_text():
    assert parse_defect("demo-ny:looping_cursor@2026-03-05?page=2") == (
        "demo-ny",
        Defect("looping_cursor", day=DAY, page=2),
    )
    assert parse_defect("demo-ny:repeated_cursor")[1] == Defect("repeated_cursor")
    with pytest.raises(ValueError, match="^looping_cursor targets a day's walk, not an order id$"):
        parse_defect("demo-ny:looping_cursor@7397630000002")
    assert not Defect("looping_cursor").changes and Defect("repeated_cursor").field is None


def test_clearing_the_defects_is_the_fix_and_the_ground_truth_never_changes(shop):
    truth_pages = [call(shop, f"{API}/orders.json", window(DAY))[2]]
    figures = shop.ground_truth(date(2026, 3, 1), date(2026, 3, 9))
    shop.defects = [
        Defect("corrupt_order", day=DAY),
        Defect("drift_field", day=DAY),
        Defect("conflicting_duplicate", day=DAY),
        Defect("missing_page", day=DAY, page=2),
    ]
    assert call(shop, f"{API}/orders.json", window(DAY))[2] != truth_pages[0]
    assert shop.ground_truth(date(2026, 3, 1), date(2026, 3, 9)) == figures
    assert shop.spec.defects is shop.defects

    shop.defects = []
    assert call(shop, f"{API}/orders.json", window(DAY))[2] == truth_pages[0]  # byte for byte


def test_fields_projection_keeps_the_broken_field_only_when_asked(shop):
    target = updated_on(shop, DAY)[0]
    shop.defects = [Defect("corrupt_order", order_id=target), Defect("drift_field", order_id=target)]
    _, _, body = call(shop, f"{API}/orders.json", f"ids={target}&status=any&fields=id,total_price")
    assert json.loads(body) == {"orders": [{"id": target, "total_price": "12,50"}]}


def test_defects_from_text_and_from_the_environment(monkeypatch):
    assert parse_defects(
        "demo-ny:corrupt_order@2026-05-13; demo-ny:missing_page@2026-05-14?page=2\n"
        "demo-berlin:drift_field?field=channel&value=tiktok&remove=created_at;"
        "demo-berlin:conflicting_duplicate@7397630000002"
    ) == {
        "demo-ny": [
            Defect("corrupt_order", day=date(2026, 5, 13), field="total_price", value="12,50"),
            Defect("missing_page", day=date(2026, 5, 14), page=2),
        ],
        "demo-berlin": [
            Defect("drift_field", field="channel", value="tiktok", remove="created_at"),
            Defect(
                "conflicting_duplicate",
                order_id=7397630000002,
                field="note",
                value="changed between two pages",
            ),
        ],
    }
    assert parse_defect("s:corrupt_order@2026-05-13?remove=id") == (
        "s",
        Defect("corrupt_order", day=date(2026, 5, 13), remove="id"),
    )
    for text, message in [
        ("demo-ny:typo@2026-05-13", "defect kind must be one of"),
        ("demo-ny:corrupt_order@yesterday", "is neither a date nor an order id"),
        ("demo-ny:corrupt_order", "corrupt_order needs a day or an order id"),
        ("demo-ny:missing_page@2026-05-13?size=3", "unknown option 'size'"),
        ("corrupt_order@2026-05-13", "expected shop:kind"),
    ]:
        with pytest.raises(ValueError, match=message):
            parse_defects(text)

    monkeypatch.setenv(DEFECTS_ENV, "demo-ny:missing_page@2026-05-14")
    assert defects_from_env("demo-ny") == [Defect("missing_page", day=date(2026, 5, 14))]
    assert defects_from_env("demo-berlin") == []
    assert preset("demo-ny").defects == [Defect("missing_page", day=date(2026, 5, 14))]
    assert preset("demo-berlin").defects == []
    monkeypatch.setenv(DEFECTS_ENV, "demo-ny:missing_page@someday")
    with pytest.raises(ValueError, match=f"^{DEFECTS_ENV}: defect"):
        preset("demo-ny")
    monkeypatch.delenv(DEFECTS_ENV)
    assert preset("demo-ny").defects == []
