"""Rows to JSON or CSV, one serialisation for every endpoint.

Money and percentages are exact decimals with two places, serialised as **strings** (``"1234.50"``) in JSON
and as plain text in CSV, so no client reads them through a binary float. Counts are JSON integers, dates
ISO 8601 (``2026-12-07``), timestamps ISO 8601 in UTC, a missing figure ``null`` (JSON) or an empty field
(CSV)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import fields, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from platform_assets.serving.queries.common import Page

CSV_MEDIA_TYPE = "text/csv"


class Format(StrEnum):
    """How a response is written: ``json`` (default) or ``csv`` (also chosen by ``Accept: text/csv``)."""

    json = "json"
    csv = "csv"


def value(item: Any) -> Any:
    """A field's JSON value: Decimal → fixed-point string, date/datetime → ISO 8601, others as they are."""
    if isinstance(item, Decimal):
        return format(item, "f")
    if isinstance(item, datetime):
        return item.isoformat()
    if isinstance(item, date):
        return item.isoformat()
    return item


def record(row: Any) -> dict[str, Any]:
    """A dataclass row as a dict of JSON values, in field order."""
    assert is_dataclass(row)
    return {field.name: value(getattr(row, field.name)) for field in fields(row)}


def wants_csv(request: Request, chosen: Format | None) -> bool:
    """``?format=`` decides; without it, an Accept header naming text/csv asks for CSV."""
    if chosen is not None:
        return chosen is Format.csv
    return CSV_MEDIA_TYPE in request.headers.get("accept", "")


def csv_text(columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> str:
    """A header line and one line per row (CRLF line ends, RFC 4180); None is an empty field."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row[column] is None else row[column] for column in columns])
    return buffer.getvalue()


def respond(
    request: Request,
    chosen: Format | None,
    row_type: type,
    rows: Sequence[Any],
    page: Page | None = None,
    extra: dict[str, Any] | None = None,
    extra_headers: dict[str, str] | None = None,
) -> Response:
    """The rows as JSON (``{"data": [...], "page": {...}}`` and ``extra``) or CSV (the rows alone; the
    page in the ``X-Total-Count`` and ``X-Next-Offset`` headers); ``extra_headers`` go with either."""
    records = [record(row) for row in rows]
    headers = dict(extra_headers or {})
    if page is not None:
        headers["X-Total-Count"] = str(page.total)
        if page.next_offset is not None:
            headers["X-Next-Offset"] = str(page.next_offset)
    if wants_csv(request, chosen):
        columns = [field.name for field in fields(row_type)]
        return Response(csv_text(columns, records), media_type=CSV_MEDIA_TYPE, headers=headers)
    body: dict[str, Any] = dict(extra or {})
    body["data"] = records
    if page is not None:
        body["page"] = {
            "offset": page.offset,
            "limit": page.limit,
            "total": page.total,
            "next_offset": page.next_offset,
        }
    return JSONResponse(body, headers=headers)
