"""The command line server: prints base URLs and token hints, serves, stops on Ctrl-C."""

from __future__ import annotations

import requests

from .conftest import API
from .server_cli import server_cli


def test_cli_serves_presets_until_interrupted():
    with server_cli(
        "sandbox.shopify.server", "--port", "0", "--shops", "demo-ny", "--clock", "2026-02-01T00:00:00-05:00"
    ) as cli:
        lines = [cli.process.stdout.readline() for _ in range(3)]
        assert lines[0].startswith("Sandbox Shopify on http://127.0.0.1:"), lines
        base = lines[1].split()[1]
        assert base.endswith("/demo-ny") and "clock 2026-02-01T00:00:00-05:00" in lines[1]
        assert lines[2].split() == ["export", "DEMO_NY_SHOPIFY_TOKEN=shpat_sandbox_demo_ny"]
        response = requests.get(
            base + f"{API}/orders/count.json",
            params={"status": "any"},
            headers={"X-Shopify-Access-Token": "shpat_sandbox_demo_ny"},
            timeout=10,
        )
        assert response.status_code == 200 and response.json()["count"] > 1000
        truth = requests.get(base + "/_sandbox/ground_truth.json", params={"start": "2026-01-20"}, timeout=10)
        rows = truth.json()["ground_truth"]
        assert [row["date"] for row in rows][:1] == ["2026-01-20"] and rows[-1]["date"] <= "2026-02-01"
        assert isinstance(rows[0]["net_sales"], str)
    assert cli.out.rstrip().endswith("stopping")
