"""Reassembling a bulk operation's JSONL (resources/shopify/bulk_jsonl.py): children placed by
``__parentId`` wherever they come after their parent, grandchildren, nodes without ids, every loss or
duplicate named, and memory that does not grow with the file."""

from __future__ import annotations

import json
import random
import tracemalloc
from pathlib import Path

import pytest

from resources.shopify.bulk_jsonl import (
    BulkFileError,
    BulkShape,
    ChildOutOfPlace,
    IndexCounts,
    JsonlIndex,
    line_type,
)

SHAPE = BulkShape(
    {
        "Order": {
            "LineItem": "lineItems",
            "Refund": "refunds",
            "ManualDiscountApplication": "discountApplications",
            "AutomaticDiscountApplication": "discountApplications",
        },
        "Refund": {"RefundLineItem": "refundLineItems"},
    }
)


def _write(path: Path, lines: list[dict]) -> Path:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path


def _records(
    tmp_path: Path, lines: list[dict], shape: BulkShape = SHAPE, contiguous: bool | None = None
) -> tuple[list[dict], tuple[int, int]]:
    """The records and counts of ``lines``; ``contiguous``: which of the two ways they must be read."""
    jsonl = _write(tmp_path / "job.jsonl", lines)
    with JsonlIndex(jsonl, tmp_path / "job.sqlite", shape) as index:
        counts = index.build()
        if contiguous is not None:
            assert index.contiguous is contiguous
        return list(index.records()), (counts.objects, counts.roots)


def _order(number: int) -> dict:
    return {"id": f"gid://shopify/Order/{number}", "name": f"#{number}"}


def _child(kind: str, number: int, parent: str, **fields: object) -> dict:
    return {"id": f"gid://shopify/{kind}/{number}", **fields, "__parentId": parent}


def test_children_found_wherever_they_come_after_their_parent(tmp_path: Path) -> None:
    o1, o2, o3 = "gid://shopify/Order/1", "gid://shopify/Order/2", "gid://shopify/Order/3"
    lines = [
        _order(1),
        _order(2),
        _child("LineItem", 21, o2, sku="B"),
        _child("LineItem", 11, o1, sku="A"),  # two lines after its parent, behind another order's child
        _order(3),
        _child("Refund", 31, o1, note="late"),  # after a later root
        _child("RefundLineItem", 311, "gid://shopify/Refund/31", quantity=1),  # a grandchild
        _child("LineItem", 12, o1, sku="C"),
        {"__typename": "ManualDiscountApplication", "title": "VIP", "__parentId": o3},  # no id at all
        _child("RefundLineItem", 312, "gid://shopify/Refund/31", quantity=2),
    ]
    records, counts = _records(tmp_path, lines, contiguous=False)
    assert counts == (10, 3)
    assert records == [
        {
            "id": o1,
            "name": "#1",
            "lineItems": [
                {"id": "gid://shopify/LineItem/11", "sku": "A"},
                {"id": "gid://shopify/LineItem/12", "sku": "C"},
            ],
            "refunds": [
                {
                    "id": "gid://shopify/Refund/31",
                    "note": "late",
                    "refundLineItems": [
                        {"id": "gid://shopify/RefundLineItem/311", "quantity": 1},
                        {"id": "gid://shopify/RefundLineItem/312", "quantity": 2},
                    ],
                }
            ],
            "discountApplications": [],
        },
        {
            "id": o2,
            "name": "#2",
            "lineItems": [{"id": "gid://shopify/LineItem/21", "sku": "B"}],
            "refunds": [],
            "discountApplications": [],
        },
        {
            "id": o3,
            "name": "#3",
            "lineItems": [],
            "refunds": [],
            "discountApplications": [{"__typename": "ManualDiscountApplication", "title": "VIP"}],
        },
    ]


def test_a_connection_inside_an_object_field_and_a_single_connection_without_types(tmp_path: Path) -> None:
    shape = BulkShape(
        {"Product": {"ProductVariant": "variants"}, "Order": {"ShippingLine": "shipping.lines"}}
    )
    lines = [
        {"id": "gid://shopify/Order/1"},
        {"title": "Standard", "__parentId": "gid://shopify/Order/1"},  # no id, no type: the one place
        {"id": "gid://shopify/Product/5"},
        {"id": "gid://shopify/ProductVariant/6", "__parentId": "gid://shopify/Product/5"},
    ]
    records, counts = _records(tmp_path, lines, shape, contiguous=True)
    assert counts == (4, 2)
    assert records == [
        {"id": "gid://shopify/Order/1", "shipping": {"lines": [{"title": "Standard"}]}},
        {"id": "gid://shopify/Product/5", "variants": [{"id": "gid://shopify/ProductVariant/6"}]},
    ]


def test_children_without_their_parent_are_named_never_dropped(tmp_path: Path) -> None:
    lines = [_order(1), _child("LineItem", 11, "gid://shopify/Order/1")]
    lines += [_child("LineItem", 100 + n, "gid://shopify/Order/9") for n in range(12)]
    lines.append(_child("RefundLineItem", 7, "gid://shopify/Refund/404"))
    with pytest.raises(BulkFileError) as caught:
        _records(tmp_path, lines)
    assert str(caught.value) == (
        "13 child lines of the bulk file have no parent in it: "
        + ", ".join(f"gid://shopify/LineItem/{100 + n} (parent gid://shopify/Order/9)" for n in range(10))
        + " and 3 more"
    )


def test_repeated_ids_unplaceable_children_and_broken_lines_are_errors(tmp_path: Path) -> None:
    repeated = [_order(1), _order(2), _order(1), _child("LineItem", 5, "gid://shopify/Order/2")]
    repeated.append(_child("LineItem", 5, "gid://shopify/Order/1"))
    with pytest.raises(BulkFileError, match=r"^ids that appear more than once in the bulk file: "):
        _records(tmp_path, repeated)
    with pytest.raises(BulkFileError) as caught:
        _records(tmp_path, repeated)
    assert str(caught.value).endswith(": gid://shopify/LineItem/5, gid://shopify/Order/1")

    in_place = [_order(1), _child("LineItem", 5, "gid://shopify/Order/1"), _order(1)]  # read from the file
    with pytest.raises(BulkFileError) as caught:
        _records(tmp_path, in_place)
    assert str(caught.value) == "ids that appear more than once in the bulk file: gid://shopify/Order/1"

    stray = [_order(1), _child("Fulfillment", 8, "gid://shopify/Order/1")]
    with pytest.raises(BulkFileError) as caught:
        _records(tmp_path, stray, contiguous=True)
    assert str(caught.value) == (
        "line 2: a Fulfillment (gid://shopify/Fulfillment/8) under Order gid://shopify/Order/1, "
        "for which the bulk shape names no connection"
    )

    jsonl = tmp_path / "broken.jsonl"
    jsonl.write_text('{"id": "gid://shopify/Order/1"}\n{"id": \n', encoding="utf-8")
    with JsonlIndex(jsonl, tmp_path / "b.sqlite", SHAPE) as index, pytest.raises(BulkFileError) as caught:
        index.build()
    assert str(caught.value) == "line 2 of the bulk file is not JSON"
    assert not (tmp_path / "b.sqlite").exists()  # the scratch index goes with the with-block


def test_line_type() -> None:
    assert line_type({"id": "gid://shopify/InventoryLevel/3?inventory_item_id=4"}) == "InventoryLevel"
    assert line_type({"id": "gid://shopify/LineItem/1", "__typename": "LineItem"}) == "LineItem"
    assert line_type({"id": "42"}) is None


def _big_file(path: Path, orders: int, rng: random.Random, delay: int) -> int:
    """``orders`` orders of 3 line items each, every child delayed by up to ``delay`` - 1 roots: the bytes
    written."""
    pending: list[tuple[int, str]] = []
    with path.open("w", encoding="utf-8") as out:
        for number in range(1, orders + 1):
            order = {"id": f"gid://shopify/Order/{number}", "note": "x" * 900}
            out.write(json.dumps(order) + "\n")
            for item in range(3):
                child = _child("LineItem", number * 10 + item, order["id"], sku=f"SKU-{item}", title="y" * 60)
                pending.append((number + rng.randrange(delay), json.dumps(child) + "\n"))
            ready = [line for due, line in pending if due <= number]
            pending = [(due, line) for due, line in pending if due > number]
            out.writelines(ready)
        out.writelines(line for _due, line in pending)
    return path.stat().st_size


@pytest.mark.parametrize("delay", [1, 50], ids=["children-in-place", "children-up-to-49-orders-late"])
def test_memory_stays_bounded(tmp_path: Path, delay: int) -> None:
    """Python's allocations while indexing and reassembling 3,000 orders, their line items right after
    them (read again from the file) or up to 49 orders late (through the index), stay under half the
    file's size, where holding the records would take several times it. SQLite's page cache, outside
    Python's heap, is capped at 16 MiB by sql/bulk_index.sql."""
    orders = 3_000
    jsonl = tmp_path / "big.jsonl"
    size = _big_file(jsonl, orders, random.Random(3), delay)
    assert size > 4_000_000
    tracemalloc.start()
    try:
        with JsonlIndex(jsonl, tmp_path / "big.sqlite", SHAPE) as index:
            counts = index.build()
            assert index.contiguous is (delay == 1)
            seen = items = 0
            for record in index.records():
                seen += 1
                items += len(record["lineItems"])
                # in file order, which the random delays shuffled
                assert sorted(line["sku"] for line in record["lineItems"]) == ["SKU-0", "SKU-1", "SKU-2"]
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (counts.objects, counts.roots, seen, items) == (4 * orders, orders, orders, 3 * orders)
    print(f"peak {peak:,} bytes of Python memory for a {size:,}-byte file")
    assert peak < size / 2, f"peak {peak:,} bytes of Python memory for a {size:,}-byte file"


def _in_place_lines() -> list[dict]:
    o1, o2 = "gid://shopify/Order/1", "gid://shopify/Order/2"
    return [
        _order(1),
        _child("LineItem", 11, o1, sku="A"),
        _child("Refund", 12, o1, note="n"),
        _child("RefundLineItem", 121, "gid://shopify/Refund/12", quantity=1),  # a grandchild in the run
        _order(2),
        {"__typename": "AutomaticDiscountApplication", "title": "Sale", "__parentId": o2},
        _order(3),
    ]


def test_one_pass_gives_what_build_then_records_give_each_line_parsed_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """stream(): the records of a file whose children come in their root's run, in ONE pass (each line
    parsed once: 7 loads for 7 lines, against 14 for build() then records()), checked at its end."""
    import resources.shopify.bulk_jsonl as bulk_jsonl

    lines = _in_place_lines()
    expected, counts = _records(tmp_path, lines, contiguous=True)
    assert counts == (7, 3)
    jsonl = _write(tmp_path / "one.jsonl", lines)
    parsed = []
    real_loads = bulk_jsonl.orjson.loads
    monkeypatch.setattr(bulk_jsonl.orjson, "loads", lambda line: parsed.append(line) or real_loads(line))
    checked: list[tuple[IndexCounts, int]] = []
    given: list[dict] = []
    with JsonlIndex(jsonl, tmp_path / "one.sqlite", SHAPE) as index:
        for record in index.stream(lambda counts: checked.append((counts, len(given)))):
            given.append(record)
        assert index.counts == IndexCounts(7, 3) and index.contiguous is True
    assert given == expected
    assert given[0]["refunds"] == [
        {
            "id": "gid://shopify/Refund/12",
            "note": "n",
            "refundLineItems": [{"id": "gid://shopify/RefundLineItem/121", "quantity": 1}],
        }
    ]
    assert len(parsed) == 7
    assert checked == [(IndexCounts(7, 3), 2)]  # the check ran before the last record was given


def test_one_pass_stops_at_a_late_child_and_leaves_the_index_to_build(tmp_path: Path) -> None:
    """A child after another root than its own: ChildOutOfPlace, the ids it had put in the index rolled
    back, so build() and records() of the same index read the file whole."""
    lines = [
        _order(1),
        _order(2),
        _child("LineItem", 11, "gid://shopify/Order/1", sku="A"),  # Order/1's line after Order/2
    ]
    jsonl = _write(tmp_path / "late.jsonl", lines)
    with JsonlIndex(jsonl, tmp_path / "late.sqlite", SHAPE) as index:
        given = []
        with pytest.raises(ChildOutOfPlace) as caught:
            for record in index.stream():
                given.append(record["id"])
        assert str(caught.value) == "line 3: a child of gid://shopify/Order/1 after another root's lines"
        assert given == ["gid://shopify/Order/1"]  # given, then to be dropped by the caller
        assert index.build() == IndexCounts(3, 2) and index.contiguous is False
        records = list(index.records())
    assert [record["lineItems"] for record in records] == [
        [{"id": "gid://shopify/LineItem/11", "sku": "A"}],
        [],
    ]


def test_one_pass_names_repeated_ids_and_a_failed_check_before_the_last_record(tmp_path: Path) -> None:
    repeated = _write(tmp_path / "r.jsonl", [_order(1), _order(2), _order(1)])
    given = []
    with JsonlIndex(repeated, tmp_path / "r.sqlite", SHAPE) as index, pytest.raises(BulkFileError) as caught:
        for record in index.stream():
            given.append(record["id"])
    assert str(caught.value) == "ids that appear more than once in the bulk file: gid://shopify/Order/1"
    assert given == ["gid://shopify/Order/1", "gid://shopify/Order/2"]  # raised before the last one

    def refuse(counts: IndexCounts) -> None:
        raise ValueError(f"the job said 4 lines, the file has {counts.objects}")

    seen = []
    jsonl = _write(tmp_path / "c.jsonl", _in_place_lines())
    with JsonlIndex(jsonl, tmp_path / "c.sqlite", SHAPE) as index, pytest.raises(ValueError) as caught_check:
        for record in index.stream(refuse):
            seen.append(record["id"])
    assert str(caught_check.value) == "the job said 4 lines, the file has 7"
    assert seen == ["gid://shopify/Order/1", "gid://shopify/Order/2"]  # the last one never given
