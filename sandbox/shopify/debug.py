"""Sandbox-only endpoints (not Shopify): ground truth and the clock, under ``/{shop}/_sandbox/``.

* ``GET _sandbox/ground_truth.json?start=YYYY-MM-DD&end=YYYY-MM-DD`` — daily figures (money as strings);
  defaults: the first day of the order history to the clock's date.
* ``GET _sandbox/clock.json`` — the shop clock; ``POST _sandbox/clock.json?to=ISO-8601`` moves it.

They need no token and do not count against the rate limit.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import parse_qs

from sandbox.shopify.model import SandboxShop
from sandbox.shopify.timeutil import local_date

PREFIX = "/_sandbox/"


def _json(status: int, payload: object) -> tuple[int, dict[str, str], bytes]:
    def default(value: object) -> str:
        if isinstance(value, Decimal):
            return f"{value:.2f}"
        if isinstance(value, date):
            return value.isoformat()
        raise TypeError(type(value).__name__)

    body = json.dumps(payload, default=default, ensure_ascii=False, separators=(",", ":")).encode()
    return status, {"Content-Type": "application/json; charset=utf-8"}, body


def _clock_payload(shop: SandboxShop) -> dict:
    zone = shop.spec.zone
    return {
        "shop": shop.name,
        "clock": shop.clock.astimezone(zone).isoformat(timespec="seconds"),
        "timezone": shop.spec.timezone,
        "history_start": shop.history_start.isoformat(),
    }


def handle_debug(shop: SandboxShop, method: str, path: str, query: str) -> tuple[int, dict[str, str], bytes]:
    """Answer a ``/_sandbox/...`` request for ``shop`` (``path`` relative to the shop)."""
    params = {name: values[-1] for name, values in parse_qs(query, keep_blank_values=True).items()}
    endpoint = path[len(PREFIX) :] if path.startswith(PREFIX) else ""
    try:
        if endpoint == "ground_truth.json" and method == "GET":
            start = date.fromisoformat(params["start"]) if params.get("start") else shop.history_start
            end = (
                date.fromisoformat(params["end"])
                if params.get("end")
                else local_date(shop.clock, shop.spec.zone)
            )
            rows = [asdict(figures) for figures in shop.ground_truth(start, end)]
            return _json(200, {"ground_truth": rows, **_clock_payload(shop)})
        if endpoint == "clock.json" and method == "GET":
            return _json(200, _clock_payload(shop))
        if endpoint == "clock.json" and method == "POST":
            target = datetime.fromisoformat(params["to"])
            if target.tzinfo is None:
                return _json(400, {"errors": {"to": "needs a UTC offset"}})
            shop.set_clock(target)
            return _json(200, _clock_payload(shop))
    except (KeyError, ValueError) as error:
        return _json(400, {"errors": str(error)})
    return _json(404, {"errors": "Not Found"})
