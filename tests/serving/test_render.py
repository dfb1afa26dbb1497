"""The JSON writer (platform_assets/serving/api/render.py): orjson straight from the row dataclasses writes
the same bytes as the standard library's encoder over :func:`record`'s dicts."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cached_property

import pytest

from platform_assets.serving.api.render import Format, JsonResponse, record


@dataclass(frozen=True)
class Sample:
    day: date
    at: datetime | None
    amount: Decimal
    count: int
    note: str | None
    kind: Format


@dataclass(frozen=True)
class WithExtra:
    count: int

    @cached_property
    def doubled(self) -> int:
        return self.count * 2


def test_orjson_writes_the_standard_librarys_bytes():
    rows = [
        Sample(date(2026, 12, 7), datetime(2026, 12, 7, 9, 30, 1, 5, tzinfo=UTC), Decimal("-1234.50"), 3,
               "Crème brûlée", Format.csv),
        Sample(date(2026, 12, 8), None, Decimal("0.00"), 0, None, Format.json),
    ]  # fmt: skip
    body = {"tenant_id": "acme", "data": [record(row) for row in rows]}
    expected = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    assert JsonResponse({"tenant_id": "acme", "data": rows}).body == expected
    assert b'"amount":"-1234.50"' in expected and b'"at":"2026-12-07T09:30:01.000005+00:00"' in expected


def test_a_row_with_more_than_its_fields_is_refused():
    from platform_assets.serving.api.render import respond

    row = WithExtra(2)
    assert row.doubled == 4  # now in the instance's __dict__: orjson would write it
    with pytest.raises(TypeError, match="WithExtra rows must be plain dataclasses"):
        respond(None, Format.json, WithExtra, [row])  # type: ignore[arg-type]
