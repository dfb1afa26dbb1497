"""Raw partitions and the tenant's own calendar: a day that has not begun in the tenant's timezone is
skipped with a reason, and a day's file holds exactly the orders updated during that local day."""

import gzip
import json
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import dagster as dg

from platform_assets.sources.shopify import raw_assets
from tests.pipeline.harness import make_pipeline, make_spec
from tests.pipeline.test_whole_graph import CLOCK, START

RAW = dg.AssetSelection.assets("raw_shopify_shop", "raw_shopify_orders")


def test_days_not_begun_locally_are_skipped_and_windows_follow_local_days(tmp_path, monkeypatch):
    # 02:30 UTC on 21 May is still 20 May in New York.
    monkeypatch.setattr(raw_assets, "utc_now", lambda: datetime(2026, 5, 21, 2, 30, tzinfo=UTC))
    pipeline = make_pipeline(tmp_path, monkeypatch, make_spec(), CLOCK, START)
    result = pipeline.materialise(date(2026, 5, 20), date(2026, 5, 21), selection=RAW)

    orders = [
        e.materialization
        for e in result.get_asset_materialization_events()
        if e.asset_key.to_user_string() == "raw_shopify_orders"
    ][0]
    assert orders.metadata["warnings"].value == {
        "test-ny/2026-05-21": "has not begun in America/New_York (today is 2026-05-20)"
    }
    assert orders.metadata["dates_covered"].value == "2026-05-20"

    path = tmp_path / "raw" / "shopify" / "orders" / "test-ny" / "2026-05-20.jsonl.gz"
    with gzip.open(path, "rt") as lines:
        records = [json.loads(line) for line in lines]
    assert records, "the sandbox has orders updated on 20 May"
    local_days = {
        datetime.fromisoformat(r["updated_at"]).astimezone(ZoneInfo("America/New_York")).date()
        for r in records
    }
    assert local_days == {date(2026, 5, 20)}
    assert not (tmp_path / "raw" / "shopify" / "orders" / "test-ny" / "2026-05-21.jsonl.gz").exists()
