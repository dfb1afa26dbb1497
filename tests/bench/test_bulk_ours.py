"""bench/bulk_ours.py at a tiny size: the file it writes is Shopify's layout (late children where asked),
and a measured child downloads and reassembles every order. No timing is asserted."""

from __future__ import annotations

import json
from pathlib import Path

from bench.bulk_ours import SECTION, run, write_jsonl
from bench.report import Size


def test_the_file_puts_every_tenth_orders_children_ten_orders_later(tmp_path: Path) -> None:
    path = tmp_path / "f.jsonl"
    write_jsonl(path, 30, items=2, late_every=10)
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 90 and sum("__parentId" not in line for line in lines) == 30
    position = {line["id"]: index for index, line in enumerate(lines)}
    order_10 = position["gid://shopify/Order/10"]
    children_10 = [i for i, line in enumerate(lines) if line.get("__parentId") == "gid://shopify/Order/10"]
    assert children_10 == [position["gid://shopify/LineItem/1000"], position["gid://shopify/LineItem/1001"]]
    assert children_10[0] > position["gid://shopify/Order/20"] > order_10  # came ten orders late
    assert [
        i - position["gid://shopify/Order/3"]
        for i, line in enumerate(lines)
        if line.get("__parentId") == "gid://shopify/Order/3"
    ] == [1, 2]


def test_the_tiny_run_reassembles_every_order() -> None:
    figures = {figure.name: figure for figure in run(Size("tiny"))}
    assert set(figures) == {
        "orders per CPU second (children right after their order)",
        "peak memory (children right after their order)",
        "orders per CPU second (1 order in 10 with late children)",
        "peak memory (1 order in 10 with late children)",
    }
    assert all(figure.section == SECTION and figure.value > 0 for figure in figures.values())
    assert (
        "2,000 orders, 3 line items each" in figures["peak memory (children right after their order)"].detail
    )
