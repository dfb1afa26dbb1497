"""Serving (issue 16, item 7): how fast the reporting API, the dashboard and the reports answer on the
million-order warehouse.

**The warehouse.** At full size, the transform section's two-years store (about 1,000,000 orders over 731
days): its DuckDB warehouse under ``bench/.cache/transform/warehouses/`` is reused when it is complete (its
agg_daily_sales reaches the store's last day), else the store is built through the same code path (the raw
store generated once through the sandbox and the raw assets, then every derived partition in one Dagster
run, ``bench.transform_child``) into ``bench/.cache/serving/``. ``$STOREHOUSE_BENCH_SERVING_ORDERS_PER_DAY``
picks a smaller store over the same two years instead (the figures then say how many orders they read).
Tiny size: the smoke tests' one tiny store (``transform_stores.tiny_store``, 3 days; its raw store
shared with the transform and backfill smoke tests), whose transform-section warehouse is reused the same
way (the smoke tests run the transform section first, tests/bench/conftest.py). A warehouse this
section builds is cached under ``bench/.cache/serving/warehouses/``, named after the store and a hash of
the pipeline's code and SQL.

**The API.** A read snapshot is published from the warehouse (``publish_snapshot``, as the pipeline does
after each run), an admin key and a tenant key are created in a key file (``KeyStore``), and
``uvicorn`` serves ``create_app`` in a child process on 127.0.0.1 (a free port, the production app: access
log on, rate limit raised so the benchmark is never throttled). One ``httpx`` client with keep-alive sends
each main endpoint's request ``REQUESTS`` times after a warm-up, with the tenant key; p50 and p95 of the
wall time of each request (sent to body read) are the figures, target p95 ≤ 100 ms. The baseline, in the
same run: the same queries through the read layer in this process (``WarehouseReader`` on the same
snapshot, the functions the routes call), so the HTTP, authentication and JSON overhead is the difference.
The same on PostgreSQL when the transform section's database (``$STOREHOUSE_BENCH_POSTGRES_URL``) holds
the store whole; else the figure says why it is skipped (at tiny size it is always skipped: the transform
smoke test drops and refills that database meanwhile).

**The dashboard.** Playwright drives Debian's chromium (``/usr/bin/chromium``, headless, never a downloaded
browser) signed in with the tenant key: the time from ``page.goto`` of the tenant's dashboard to the
``body[data-ready=true]`` marker the page sets once every tile, chart and table is drawn, median of
``LOADS`` loads (target < 1 s). Outside CI, without chromium or playwright, the figure says skipped; in CI
(``CI`` set) that is an error.

**The reports.** The daily report of the store's last day and the weekly report ending it: content read
from the marts (``build_report``) and rendered to HTML, text and CSV (``RenderedReport.of``), no SMTP, on
the live warehouse as the report assets read it; median of ``REPORT_RUNS`` (target < 2 s).

The machine's load average is written in the details (2 cores shared with other jobs: wall times are noisy).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.report import Figure, Size
from bench.transform import DEFAULT_POSTGRES_URL, POSTGRES_URL_ENV
from bench.transform_child import RESULT_PREFIX
from bench.transform_stores import CACHE_DIR as TRANSFORM_CACHE
from bench.transform_stores import BenchStore, generation_lock, load_marker, serving_store, two_years

SECTION = "Serving"
ROOT = Path(__file__).resolve().parents[1]
CACHE_DIR = Path(__file__).parent / ".cache" / "serving"
CHROMIUM = Path("/usr/bin/chromium")
#: Target p95 of an endpoint on DuckDB (issue 16, item 7), the dashboard's first render, a report.
P95_TARGET_MS = 100.0
DASHBOARD_TARGET_S = 1.0
REPORT_TARGET_S = 2.0
#: Timed requests per endpoint (after WARMUP untimed ones), dashboard loads, report renderings.
REQUESTS = {"full": 40, "tiny": 3}
WARMUP = {"full": 3, "tiny": 1}
LOADS = {"full": 5, "tiny": 2}
REPORT_RUNS = {"full": 3, "tiny": 1}
#: The benchmark's own requests must never meet the API's per-key limit.
RATE_LIMIT = "1000000/minute"
SERVER_START_TIMEOUT_S = 120.0
#: The dashboard has drawn, or said why it shows nothing (tests/serving/test_dashboard_browser.py).
DRAWN = "body[data-ready=true], #not-found:not([hidden]), #load-error:not([hidden])"


def load_text() -> str:
    """The 1-, 5- and 15-minute load averages and the cores."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} cores"


def percentile(values: list[float], share: float) -> float:
    """The ``share`` percentile of ``values`` (nearest rank: p95 of 40 requests is the 38th fastest)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))
    return ordered[int(rank) - 1]


# ---------------------------------------------------------------------------------------------------------
# The warehouse
# ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Warehouse:
    """The DuckDB warehouse file served, its store, and how it was obtained (for the figures' details)."""

    path: Path
    store: BenchStore
    how: str
    orders: int


def _complete_orders(path: Path, store: BenchStore) -> int | None:
    """Orders of the store in the warehouse at ``path`` when its agg_daily_sales reaches the store's last
    day (a whole build), else None."""
    if not path.exists():
        return None
    from platform_assets.warehouse import tables as t

    sales, orders = t.AGG_DAILY_SALES.sqlalchemy_table(), t.FACT_ORDERS.sqlalchemy_table()
    engine = sa.create_engine(f"duckdb:///{path}", connect_args={"read_only": True})
    try:
        with engine.connect() as conn:
            newest = conn.execute(
                sa.select(sa.func.max(sales.c.date)).where(sales.c.tenant_id == store.tenant_id)
            ).scalar_one()
            if newest is None or newest < store.end:
                return None
            count = (
                sa.select(sa.func.count()).select_from(orders).where(orders.c.tenant_id == store.tenant_id)
            )
            return int(conn.execute(count).scalar_one())
    except (sa.exc.DBAPIError, sa.exc.NoSuchTableError):
        return None
    finally:
        engine.dispose()


def _child(size: Size, *args: str) -> None:
    """``bench.transform_child`` on the serving store (``--store serving``), raising if it fails."""
    command = [sys.executable, "-m", "bench.transform_child", *args[:1], "--store", "serving"]
    completed = subprocess.run([*command, "--size", size.name, *args[1:]], capture_output=True, text=True)
    lines = [line for line in completed.stdout.splitlines() if line.startswith(RESULT_PREFIX)]
    if completed.returncode != 0 or not lines:
        raise RuntimeError(f"bench.transform_child {args[0]} failed: {completed.stderr[-2000:]}")
    if args[0] == "transform" and '"success": true' not in lines[-1]:
        raise RuntimeError(f"building the serving warehouse failed: {completed.stderr[-2000:]}")


def ensure_generated(store: BenchStore, size: Size) -> tuple[dict, bool]:
    """The store's generation record (and whether it was cached), generating its raw store first if the
    cache lacks it (the transform section's cache: the two-years store's raw files are shared; under the
    store's generation lock, so a section generating it meanwhile is waited for, not repeated)."""
    with generation_lock(store):
        marker = load_marker(store)
        if marker is not None:
            return marker, True
        _child(size, "generate")
    marker = load_marker(store)
    assert marker is not None
    return marker, False


def _build(store: BenchStore, size: Size, path: Path) -> None:
    """Every derived partition of ``store`` into a new DuckDB file at ``path`` (one Dagster run, the
    transform section's child), raising if the run fails."""
    for stale in (path, path.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    _child(size, "transform", "--warehouse", f"duckdb:///{path}")


#: What a built warehouse depends on: its cache file is named after a hash of these files' contents, so a
#: change to the pipeline's code or SQL builds a new one instead of serving a stale schema.
BUILD_INPUTS = ("platform_assets", "resources", "bench/transform_child.py")


def code_fingerprint(root: Path = ROOT) -> str:
    """A short hash of the code and SQL that build a warehouse (:data:`BUILD_INPUTS`)."""
    digest = hashlib.sha256()
    for name in BUILD_INPUTS:
        top = root / name
        files = [top] if top.is_file() else sorted(top.rglob("*"))
        for path in files:
            if path.is_file() and path.suffix in {".py", ".sql", ".yaml"}:
                digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def warehouse(size: Size) -> Warehouse:
    """The warehouse to serve: the transform section's two-years warehouse when whole (at the tiny size
    the same store: the smoke tests run the transform section first and serve what it built), else one
    built for this section and cached under bench/.cache/serving/warehouses/, named after the store and
    :func:`code_fingerprint` (the tiny one too: building it is most of the smoke test's cost)."""
    store = serving_store(size)
    marker, cached = ensure_generated(store, size)
    raw = f"raw store {'cached' if cached else 'generated in this run'} ({marker['raw_bytes'] / 1e6:,.0f} MB)"
    if store == two_years(size):
        shared = TRANSFORM_CACHE / "warehouses" / f"{store.key()}.duckdb"
        orders = _complete_orders(shared, store)
        if orders is not None:
            return Warehouse(shared, store, "the transform section's warehouse, reused", orders)
    path = CACHE_DIR / "warehouses" / f"{store.key()}-{code_fingerprint()}.duckdb"
    orders = _complete_orders(path, store)
    if orders is not None:
        return Warehouse(path, store, "built by an earlier serving run of the same code, reused", orders)
    started = time.perf_counter()
    partial = path.with_name(f"{path.stem}.{os.getpid()}.partial.duckdb")
    try:
        _build(store, size, partial)
        os.replace(partial, path)
    finally:
        for leftover in (partial, partial.with_suffix(".duckdb.wal")):
            leftover.unlink(missing_ok=True)
    for older in path.parent.glob(f"{store.key()}-*.duckdb"):
        if older != path:
            older.unlink(missing_ok=True)
    orders = _complete_orders(path, store)
    if orders is None:
        raise RuntimeError(f"the warehouse built for {store.label} does not reach {store.end}")
    how = f"built in this run ({time.perf_counter() - started:.0f} s, not counted; {raw})"
    return Warehouse(path, store, how, orders)


# ---------------------------------------------------------------------------------------------------------
# The endpoints, over HTTP and through the read layer
# ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Endpoint:
    """One main endpoint: its label, path and query under /api/v1/tenants/{tenant}, and the same read
    through the read layer (``direct(conn)``, what the route calls)."""

    label: str
    path: str
    params: dict[str, str | int]
    direct: Callable[[sa.Connection], Any]


def endpoints(tenant_id: str, end: date) -> list[Endpoint]:
    """The main endpoints, each over the periods the dashboard and the issue ask for, ending ``end``."""
    from platform_assets.serving import kpis
    from platform_assets.serving.queries import customers, products, refunds, sales, status
    from platform_assets.warehouse.tables import ALL_PLATFORMS

    def days(count: int) -> tuple[date, date]:
        return end - timedelta(days=count - 1), end

    d30, d365, d84 = days(30), days(365), days(84)
    cohort_start = (end - timedelta(days=364)).replace(day=1)

    def span(period: tuple[date, date], **more: str | int) -> dict[str, str | int]:
        return {"start": period[0].isoformat(), "end": period[1].isoformat(), **more}

    cohorts = {"start": cohort_start.isoformat(), "end": end.isoformat()}
    product_grain, measure = products.Grain.product, products.Measure.net_sales
    return [
        Endpoint(
            "daily sales, 30 days",
            "/sales/daily",
            span(d30),
            lambda c: sales.daily_sales(c, tenant_id, *d30, ALL_PLATFORMS, None, 0, 100),
        ),
        Endpoint(
            "daily sales, 365 days",
            "/sales/daily",
            span(d365, limit=1000),
            lambda c: sales.daily_sales(c, tenant_id, *d365, ALL_PLATFORMS, None, 0, 1000),
        ),
        Endpoint(
            "weekly trends, 84 days",
            "/sales/weekly",
            span(d84, limit=1000),
            lambda c: sales.weekly_trends(c, tenant_id, *d84, ALL_PLATFORMS, None, 0, 1000),
        ),
        Endpoint(
            "top products, 30 days",
            "/products/top",
            span(d30, limit=10),
            lambda c: products.top_products(c, tenant_id, *d30, None, product_grain, measure, 0, 10),
        ),
        Endpoint(
            "top products, 365 days",
            "/products/top",
            span(d365, limit=10),
            lambda c: products.top_products(c, tenant_id, *d365, None, product_grain, measure, 0, 10),
        ),
        Endpoint(
            "refunds, 30 days",
            "/refunds",
            span(d30),
            lambda c: refunds.daily_refunds(c, tenant_id, *d30, None, 0, 100),
        ),
        Endpoint("customer segments", "/customers/segments", {}, lambda c: customers.segments(c, tenant_id)),
        Endpoint(
            "customer cohorts, 12 months",
            "/customers/cohorts",
            {**cohorts, "limit": 1000},
            lambda c: customers.cohort_retention(c, tenant_id, cohort_start, end, 0, 1000),
        ),
        Endpoint(
            "customer lifetime value, 12 months",
            "/customers/lifetime-value",
            cohorts,
            lambda c: customers.lifetime_value(c, tenant_id, cohort_start, end),
        ),
        Endpoint(
            "KPIs, 30 days",
            "/kpis",
            span(d30),
            lambda c: kpis.kpi_boards(c, tenant_id, kpis.Period(*d30), ALL_PLATFORMS),
        ),
        Endpoint("data status", "/status", {}, lambda c: status.data_status(c, tenant_id, ALL_PLATFORMS)),
    ]


@dataclass
class Timings:
    """Milliseconds of one endpoint's timed requests over HTTP and through the read layer alone."""

    http_ms: list[float]
    direct_ms: list[float]
    response_bytes: int


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Served:
    """The API child's base URL and the two keys."""

    base: str
    admin_key: str
    tenant_key: str


@contextlib.contextmanager
def serve_api(
    warehouse_url: str, snapshot: Path | None, tenants_file: Path, folder: Path
) -> Iterator[Served]:
    """``uvicorn`` serving the reporting API in a child process on a free loopback port, over
    ``warehouse_url`` (its ``snapshot`` on DuckDB), with an admin key and a key for the store's tenant."""
    import httpx

    from platform_assets.serving.keys import KeyStore
    from platform_assets.tenants import load_tenants

    tenant_id = next(iter(load_tenants(tenants_file)))
    folder.mkdir(parents=True, exist_ok=True)
    keys = KeyStore(folder / "api_keys.json")
    admin_key, _ = keys.create(None, "bench admin")
    tenant_key, _ = keys.create(tenant_id, "bench tenant")
    dagster_home = folder / "dagster_home"
    dagster_home.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "STOREHOUSE_WAREHOUSE_URL": warehouse_url,
        "STOREHOUSE_API_KEYS_FILE": str(keys.path),
        "STOREHOUSE_API_RATE_LIMIT": RATE_LIMIT,
        "STOREHOUSE_TENANTS_FILE": str(tenants_file),
        "DAGSTER_HOME": str(dagster_home),
    }
    if snapshot is not None:
        env["STOREHOUSE_WAREHOUSE_SNAPSHOT_PATH"] = str(snapshot)
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "platform_assets.serving.api.app:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "info",
    ]
    log_path = folder / "uvicorn.log"
    with open(log_path, "w") as log:
        child = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while True:
            if child.poll() is not None:
                raise RuntimeError(f"the API exited ({child.returncode}): {log_path.read_text()[-2000:]}")
            with contextlib.suppress(httpx.TransportError):
                answer = httpx.get(f"{base}/api/v1/tenants", headers={"X-API-Key": admin_key}, timeout=5)
                if answer.status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise TimeoutError(f"the API did not answer in {SERVER_START_TIMEOUT_S:.0f} s")
            time.sleep(0.2)
        yield Served(base, admin_key, tenant_key)
    finally:
        child.terminate()
        try:
            child.wait(timeout=20)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def time_endpoints(
    served: Served, tenant_id: str, wanted: list[Endpoint], read: Callable[[], Any], size: Size
) -> dict[str, Timings]:
    """Each endpoint's timed requests over HTTP (one keep-alive client, the tenant key) and the same
    queries through the read layer (``read()``: a connection of the read layer), after a warm-up each."""
    import httpx

    requests, warmup = REQUESTS[size.name], WARMUP[size.name]
    timings: dict[str, Timings] = {}
    headers = {"Authorization": f"Bearer {served.tenant_key}"}
    with httpx.Client(
        base_url=f"{served.base}/api/v1/tenants/{tenant_id}", headers=headers, timeout=60
    ) as client:
        for endpoint in wanted:
            http_ms: list[float] = []
            size_bytes = 0
            for attempt in range(warmup + requests):
                started = time.perf_counter()
                answer = client.get(endpoint.path, params=endpoint.params)
                body = answer.content
                elapsed = (time.perf_counter() - started) * 1000
                if answer.status_code != 200:
                    raise RuntimeError(f"{endpoint.label}: HTTP {answer.status_code} {body[:300]!r}")
                if attempt >= warmup:
                    http_ms.append(elapsed)
                size_bytes = len(body)
            direct_ms: list[float] = []
            for attempt in range(warmup + requests):
                started = time.perf_counter()
                with read() as conn:
                    endpoint.direct(conn)
                if attempt >= warmup:
                    direct_ms.append((time.perf_counter() - started) * 1000)
            timings[endpoint.label] = Timings(http_ms, direct_ms, size_bytes)
    return timings


def latency_figures(backend: str, timings: dict[str, Timings], context: str) -> list[Figure]:
    """One figure per endpoint (its p95, target on DuckDB only) and one over all of them."""
    target = P95_TARGET_MS if backend == "DuckDB" else None
    figures = []
    for label, timing in timings.items():
        p50, p95 = percentile(timing.http_ms, 0.5), percentile(timing.http_ms, 0.95)
        d50, d95 = percentile(timing.direct_ms, 0.5), percentile(timing.direct_ms, 0.95)
        figures.append(
            Figure(
                SECTION,
                f"{backend}: {label}: p95",
                p95,
                "ms",
                target=target,
                ratio=p50 / d50 if d50 > 0 else None,
                ratio_to="the read layer alone (p50 against p50)",
                detail=f"p50 {p50:.1f} ms; read layer alone (no HTTP) p50 {d50:.1f} ms, p95 {d95:.1f} ms; "
                f"{len(timing.http_ms)} requests, {timing.response_bytes:,} B of JSON",
                extra={
                    "p50_ms": round(p50, 2),
                    "p95_ms": round(p95, 2),
                    "max_ms": round(max(timing.http_ms), 2),
                    "direct_p50_ms": round(d50, 2),
                    "direct_p95_ms": round(d95, 2),
                    "requests": len(timing.http_ms),
                    "response_bytes": timing.response_bytes,
                },
            )
        )
    every = [ms for timing in timings.values() for ms in timing.http_ms]
    direct = [ms for timing in timings.values() for ms in timing.direct_ms]
    worst = max(timings, key=lambda label: percentile(timings[label].http_ms, 0.95))
    figures.append(
        Figure(
            SECTION,
            f"{backend}: every main endpoint: p95",
            percentile(every, 0.95),
            "ms",
            target=target,
            ratio=statistics.median(every) / max(statistics.median(direct), 1e-9),
            ratio_to="the read layer alone (p50 against p50)",
            detail=f"p50 {statistics.median(every):.1f} ms over {len(every)} requests to "
            f"{len(timings)} endpoints (read layer alone: p50 {statistics.median(direct):.1f} ms, p95 "
            f"{percentile(direct, 0.95):.1f} ms); slowest endpoint at p95: {worst}; {context}",
            extra={"p50_ms": round(statistics.median(every), 2), "requests": len(every)},
        )
    )
    return figures


def _reader_of(warehouse_url: str, snapshot: Path | None) -> Any:
    from platform_assets.serving.reader import WarehouseReader

    return WarehouseReader(warehouse_url, snapshot)


# ---------------------------------------------------------------------------------------------------------
# PostgreSQL
# ---------------------------------------------------------------------------------------------------------
def postgres_url(store: BenchStore) -> tuple[str | None, str]:
    """The transform section's PostgreSQL database when it holds ``store`` whole (its URL), else None and
    why not."""
    url = os.environ.get(POSTGRES_URL_ENV, DEFAULT_POSTGRES_URL)
    from platform_assets.warehouse import tables as t

    sales = t.AGG_DAILY_SALES.sqlalchemy_table()
    newest_day = sa.select(sa.func.max(sales.c.date)).where(sales.c.tenant_id == store.tenant_id)
    engine = sa.create_engine(url, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as conn:
            newest = conn.execute(newest_day).scalar_one()
    except sa.exc.ProgrammingError:
        return None, "the benchmark database has no marts (the transform section did not load it)"
    except sa.exc.DBAPIError:
        return None, "no PostgreSQL server answered (or no benchmark database)"
    finally:
        engine.dispose()
    if newest is None or newest < store.end:
        return None, f"the benchmark database does not hold {store.label} up to {store.end}"
    return url, ""


# ---------------------------------------------------------------------------------------------------------
# The dashboard
# ---------------------------------------------------------------------------------------------------------
def browser_missing() -> str | None:
    """Why the dashboard cannot be timed here (no playwright package, no Debian chromium), or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[dev]')"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    return None


def time_dashboard(served: Served, tenant_id: str, loads: int) -> list[float]:
    """Seconds from navigating to the tenant's dashboard to its ``data-ready`` marker, for each of
    ``loads`` loads in one tab signed in with the tenant key (the first load after sign-in not counted)."""
    from playwright.sync_api import sync_playwright

    seconds = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(f"{served.base}/dashboard")
            page.fill("#key", served.tenant_key)
            page.click("#login button[type=submit]")
            page.wait_for_selector(DRAWN, timeout=60_000)
            for _ in range(loads):
                started = time.perf_counter()
                page.goto(f"{served.base}/dashboard/{tenant_id}", wait_until="commit")
                page.wait_for_selector(DRAWN, timeout=60_000)
                seconds.append(time.perf_counter() - started)
                if page.get_attribute("body", "data-ready") != "true":
                    raise RuntimeError(f"the dashboard did not draw: {page.inner_text('body')[:300]}")
                if page.eval_on_selector_all("canvas", "nodes => nodes.length") < 3:
                    raise RuntimeError("the dashboard drew fewer than its 3 charts")
            if errors:
                raise RuntimeError(f"the dashboard raised: {errors[:3]}")
        finally:
            browser.close()
    return seconds


def dashboard_figure(served: Served, tenant_id: str, size: Size, context: str) -> Figure:
    """The dashboard's first render (median of the loads), or a figure saying why it was skipped."""
    name = "dashboard: first render (navigation to charts drawn), median"
    missing = browser_missing()
    if missing is not None:
        if os.environ.get("CI"):
            raise RuntimeError(f"the dashboard cannot be timed in CI: {missing}")
        return Figure(SECTION, name, 0.0, "s", detail=f"skipped: {missing}")
    seconds = time_dashboard(served, tenant_id, LOADS[size.name])
    return Figure(
        SECTION,
        name,
        statistics.median(seconds),
        "s",
        target=DASHBOARD_TARGET_S,
        detail=f"{len(seconds)} loads of /dashboard/{tenant_id} (headless Debian chromium, 1280×900, the "
        f"tenant key signed in): {', '.join(f'{s:.2f}' for s in seconds)} s; from page.goto to "
        "body[data-ready=true] (every tile, the 3 charts, products and cohorts drawn from the API's JSON); "
        f"{context}",
        extra={"loads": len(seconds), "max_s": round(max(seconds), 3), "min_s": round(min(seconds), 3)},
    )


# ---------------------------------------------------------------------------------------------------------
# The reports
# ---------------------------------------------------------------------------------------------------------
def report_figures(
    warehouse_url: str, tenants_file: Path, day: date, size: Size, context: str
) -> list[Figure]:
    """The daily report of ``day`` and the weekly report ending it: read, rendered (HTML, text, CSV)."""
    from platform_assets.serving.reports.content import build_report
    from platform_assets.serving.reports.delivery import RenderedReport
    from platform_assets.tenants import load_tenants

    tenant = next(iter(load_tenants(tenants_file).values()))
    engine = sa.create_engine(warehouse_url)
    figures = []
    try:
        for kind in ("daily", "weekly"):
            runs: list[tuple[float, float]] = []
            for _ in range(REPORT_RUNS[size.name] + 1):  # the first one warms the connection up
                started = time.perf_counter()
                with engine.connect() as conn:
                    report = build_report(conn, kind, tenant, day)
                read = time.perf_counter() - started
                rendered = RenderedReport.of(report)
                runs.append((time.perf_counter() - started, read))
            timed = runs[1:]
            total = statistics.median(seconds for seconds, _ in timed)
            figures.append(
                Figure(
                    SECTION,
                    f"{kind} report: read and rendered (HTML, text, CSV), median",
                    total,
                    "s",
                    target=REPORT_TARGET_S,
                    detail=f"{report.period.label()}, {len(timed)} runs after a warm-up; reading the marts "
                    f"{statistics.median(r for _, r in timed):.3f} s of it; {len(rendered.html):,} B of "
                    f"HTML, {len(rendered.csv):,} B of CSV; no SMTP; {context}",
                    extra={
                        "runs": len(timed),
                        "html_bytes": len(rendered.html),
                        "csv_bytes": len(rendered.csv),
                    },
                )
            )
    finally:
        engine.dispose()
    return figures


# ---------------------------------------------------------------------------------------------------------
# The section
# ---------------------------------------------------------------------------------------------------------
def api_figures(
    backend: str,
    url: str,
    snapshot: Path | None,
    built: Warehouse,
    folder: Path,
    size: Size,
    also: Callable[[Served], list[Figure]] | None = None,
) -> list[Figure]:
    """The endpoints' latency figures on one backend (the API serving ``url``, its ``snapshot`` on DuckDB),
    then ``also(served)``'s figures while the API still runs."""
    store = built.store
    note = "" if size.tiny or store == two_years(size) else f"; not the 1M-order store: {store.label}"
    reader = _reader_of(url, snapshot)
    try:
        with serve_api(url, snapshot, store.tenants_file, folder / backend.lower()) as served:
            before = load_text()
            wanted = endpoints(store.tenant_id, store.end)
            timings = time_endpoints(served, store.tenant_id, wanted, reader.read, size)
            context = (
                f"{built.orders:,} orders over {store.days()} days{note}; one keep-alive client on "
                f"127.0.0.1, uvicorn in a child process (1 worker, access log on); {before} before, "
                f"{load_text()} after"
            )
            figures = latency_figures(backend, timings, context)
            if also is not None:
                figures += also(served)
            return figures
    finally:
        reader.dispose()


def run(size: Size) -> list[Figure]:
    """The section's figures (see the module's docstring); raises if an endpoint answers other than 200 or
    the dashboard does not draw."""
    from platform_assets.serving.snapshot import publish_snapshot

    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-serving-", dir=CACHE_DIR) as work:
        folder = Path(work)
        built = warehouse(size)
        store = built.store
        note = "" if size.tiny or store == two_years(size) else f"; not the 1M-order store: {store.label}"
        duck_url = f"duckdb:///{built.path}"
        link = folder / "warehouse.snapshot.duckdb"
        started = time.perf_counter()
        published = publish_snapshot(duck_url, link)
        publish_seconds = time.perf_counter() - started
        figures = [
            Figure(
                SECTION,
                "the warehouse served",
                built.orders,
                "orders",
                detail=f"{store.tenant_id}, {store.start} … {store.end} ({store.days()} days); {built.how}"
                f"{note}",
                extra={"store": store.key(), "file_mb": round(built.path.stat().st_size / 1e6)},
            ),
            Figure(
                SECTION,
                "publishing the read snapshot (checkpoint, copy, fsync, atomic rename)",
                publish_seconds,
                "s",
                detail=f"{published.stat().st_size / 1e6:,.0f} MB copied; what the pipeline does after a run",
            ),
        ]
        figures += api_figures(
            "DuckDB",
            duck_url,
            link,
            built,
            folder,
            size,
            also=lambda served: [dashboard_figure(served, store.tenant_id, size, load_text())],
        )
        figures += report_figures(duck_url, store.tenants_file, store.end, size, load_text())
        figures += postgres_figures(built, folder, size)
        for leftover in folder.glob("warehouse.snapshot.duckdb*"):
            leftover.unlink(missing_ok=True)
    return figures


def postgres_figures(built: Warehouse, folder: Path, size: Size) -> list[Figure]:
    """The endpoints on PostgreSQL (the transform section's database, read live), or why skipped."""
    name = "PostgreSQL: every main endpoint: p95"
    if size.tiny:
        why = "skipped at tiny size (the transform smoke test drops and refills the benchmark database)"
        return [Figure(SECTION, name, 0.0, "ms", detail=why)]
    url, why = postgres_url(built.store)
    if url is None:
        return [Figure(SECTION, name, 0.0, "ms", detail=f"skipped: {why}")]
    return api_figures("PostgreSQL", url, None, built, folder, size)


def main() -> None:
    """``python -m bench.serving [tiny|full]``: the section alone, its figures printed."""
    for figure in run(Size(sys.argv[1] if len(sys.argv) > 1 else "tiny")):
        print(f"{figure.name}: {figure.value:,.2f} {figure.unit}  {figure.detail}")


if __name__ == "__main__":
    main()
