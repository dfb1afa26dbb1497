"""``python -m sandbox.woocommerce.server`` serves the presets on 127.0.0.1 until stopped."""

from __future__ import annotations

import requests

from sandbox.woocommerce.auth import sign_oauth1
from sandbox.woocommerce.presets import PRESETS
from tests.sandbox.server_cli import server_cli


def test_the_cli_serves_presets_over_http():
    clock = {"STOREHOUSE_SANDBOX_CLOCK": "2026-03-01T00:00:00-05:00"}
    with server_cli("sandbox.woocommerce.server", "--port", "0", "--sites", "woo-ny", env=clock) as cli:
        stdout = cli.process.stdout
        banner = stdout.readline()  # type: ignore[union-attr]
        assert banner.startswith("Sandbox WooCommerce on http://127.0.0.1:")
        origin = banner.split()[3]
        spec = PRESETS["woo-ny"]
        assert spec.consumer_secret not in stdout.readline() + stdout.readline()  # type: ignore[union-attr]
        index = requests.get(f"{origin}/woo-ny/wp-json/", timeout=10).json()
        assert index["timezone_string"] == "America/New_York"
        url = f"{origin}/woo-ny/wp-json/wc/v3/orders"
        signed = sign_oauth1("GET", url, {"per_page": "2"}, spec.consumer_key, spec.consumer_secret)
        response = requests.get(url, params=signed, timeout=10)
        assert response.status_code == 200 and len(response.json()) == 2
        assert response.headers["Link"].startswith(f"<{url}?")
    assert cli.out.rstrip().endswith("stopping")
