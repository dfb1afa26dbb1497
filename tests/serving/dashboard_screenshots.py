"""Screenshots of the dashboard for docs/img/: ``python -m tests.serving.dashboard_screenshots [tenant]``
after ``make demo``. Serves the configured warehouse (its read snapshot) and tenants on a free loopback
port with a throwaway admin key (a key file of its own, not data/api_keys.json), and photographs the
tenant's dashboard (default demo-ny) at a laptop's width and a phone's, with Debian's chromium."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from platform_assets.serving.api.app import create_app
from platform_assets.serving.keys import KeyStore
from platform_assets.settings import PROJECT_ROOT, use_default_dagster_home
from tests.serving.test_dashboard_browser import CHROMIUM, DRAWN, _serve

OUT = PROJECT_ROOT / "docs" / "img"
#: name -> (viewport width, height, device scale factor)
SIZES = {"laptop": (1366, 900, 1), "phone": (390, 844, 1)}


def photograph(tenant_id: str = "demo-ny") -> list[Path]:
    """docs/img/dashboard-<size>.png for each of :data:`SIZES`; returns the files written."""
    written = []
    use_default_dagster_home(PROJECT_ROOT)  # as `storehouse serve`: the demo's instance, for failing checks
    with tempfile.TemporaryDirectory() as folder:
        keys = KeyStore(Path(folder) / "api_keys.json")
        admin, _ = keys.create(None)
        app = create_app(keys=keys)
        server, thread, base = _serve(app)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
                for name, (width, height, scale) in SIZES.items():
                    page = browser.new_page(
                        viewport={"width": width, "height": height}, device_scale_factor=scale
                    )
                    page.goto(f"{base}/dashboard")
                    page.fill("#key", admin)
                    page.click("#login button[type=submit]")
                    page.wait_for_selector(DRAWN)
                    page.goto(f"{base}/dashboard/{tenant_id}")
                    page.wait_for_selector(DRAWN)
                    OUT.mkdir(parents=True, exist_ok=True)
                    path = OUT / f"dashboard-{name}.png"
                    page.screenshot(path=str(path), full_page=True)
                    written.append(path)
                    page.close()
                browser.close()
        finally:
            server.should_exit = True
            thread.join(10)
    return written


if __name__ == "__main__":
    for path in photograph(*sys.argv[1:2]):
        print(path.relative_to(PROJECT_ROOT))
