"""``python -m sandbox.woocommerce.server`` serves the presets on 127.0.0.1 until stopped."""

from __future__ import annotations

import os
import subprocess
import sys

import requests

from sandbox.woocommerce.auth import sign_oauth1
from sandbox.woocommerce.presets import PRESETS


def test_the_cli_serves_presets_over_http():
    env = {**os.environ, "STOREHOUSE_SANDBOX_CLOCK": "2026-03-01T00:00:00-05:00", "PYTHONUNBUFFERED": "1"}
    child = subprocess.Popen(
        [sys.executable, "-m", "sandbox.woocommerce.server", "--port", "0", "--sites", "woo-ny"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        banner = child.stdout.readline()  # type: ignore[union-attr]
        assert banner.startswith("Sandbox WooCommerce on http://127.0.0.1:")
        origin = banner.split()[3]
        spec = PRESETS["woo-ny"]
        assert spec.consumer_secret not in child.stdout.readline() + child.stdout.readline()  # type: ignore[union-attr]
        index = requests.get(f"{origin}/woo-ny/wp-json/", timeout=10).json()
        assert index["timezone_string"] == "America/New_York"
        url = f"{origin}/woo-ny/wp-json/wc/v3/orders"
        signed = sign_oauth1("GET", url, {"per_page": "2"}, spec.consumer_key, spec.consumer_secret)
        response = requests.get(url, params=signed, timeout=10)
        assert response.status_code == 200 and len(response.json()) == 2
        assert response.headers["Link"].startswith(f"<{url}?")
    finally:
        child.terminate()
        child.wait(timeout=10)
