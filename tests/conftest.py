"""Shared test fixtures: paths to the real Shopify payloads, a PostgreSQL URL when CI provides one."""

import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from filelock import FileLock

SHARED = Path(__file__).resolve().parents[2] / "shared"
FIXTURES = Path(os.environ.get("STOREHOUSE_FIXTURES", SHARED / "fixtures" / "shopify"))
POSTGRES_ENV = "STOREHOUSE_TEST_POSTGRES_URL"
#: Folders whose tests run whole Dagster graphs, daemons or benchmark sections (a minute or more each):
#: handed out first (pyproject: --no-loadscope-reorder), so that the quick tests fill the gaps at the end
#: instead of one long test running alone after them.
SLOW_FIRST = ("tests/bench/", "tests/chaos/", "tests/pipeline/", "tests/regression/", "tests/sources/")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under xdist's ``--dist loadgroup`` (pyproject.toml), a module's tests run on one worker, so that its
    module-scoped fixtures (a materialised warehouse, say) are built once; a module marked ``spread``
    (independent tests, each paying for its own runs) has its tests spread over the workers. Runs before
    xdist's own hook, which reads the groups. The slow folders go first (:data:`SLOW_FIRST`)."""
    items.sort(key=lambda item: not item.nodeid.startswith(SLOW_FIRST))
    for item in items:
        if item.get_closest_marker("spread") is None and item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(item.module.__name__ if item.module else item.nodeid))


@pytest.fixture(scope="session", autouse=True)
def _held_ephemeral_instances() -> Iterator[None]:
    """Every ``DagsterInstance.ephemeral()`` of the tests keeps its in-memory SQLite connections open
    instead of opening one per statement (tests/ephemeral_instance.py: a fifth of an in-process run's CPU);
    what the instance records is the same."""
    from tests import ephemeral_instance

    ephemeral_instance.install()
    yield
    ephemeral_instance.uninstall()


def load_fixture(name: str):
    path = FIXTURES / name
    if not path.exists():
        pytest.fail(f"fixture {path} is missing (set STOREHOUSE_FIXTURES to the folder of Shopify payloads)")
    return json.loads(path.read_text())


def postgres_url() -> str:
    """The PostgreSQL server URL for tests; skip with a visible reason outside CI, fail inside CI."""
    url = os.environ.get(POSTGRES_ENV)
    if url:
        return url
    if os.environ.get("CI"):
        pytest.fail(f"{POSTGRES_ENV} is not set in CI: .ci/run must start PostgreSQL and set it")
    pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV} (set by .ci/run); skipped outside CI")


@contextmanager
def fresh_pg_database(prefix: str = "storehouse") -> Iterator[str]:
    """A database of its own on the test server (``<prefix>_<random>``, so concurrent sessions sharing
    the server never meet), yielding its URL; dropped afterwards."""
    server = postgres_url()
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.engine.make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def pg_database():
    """A fresh database on the test server, dropped afterwards."""
    with fresh_pg_database() as url:
        yield url


#: The warehouse backends a test runs on: DuckDB always, PostgreSQL where the server is (marked postgres).
WAREHOUSE_BACKENDS = ["duckdb", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=WAREHOUSE_BACKENDS)
def warehouse_url(request, tmp_path) -> str:
    """An empty warehouse on each backend: a DuckDB file under tmp_path, a fresh PostgreSQL database."""
    if request.param == "duckdb":
        return f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    return request.getfixturevalue("pg_database")


@pytest.fixture(params=WAREHOUSE_BACKENDS)
def new_warehouse_url(request, tmp_path) -> Iterator[Callable[[str], str]]:
    """``new(name)``: the URL of another empty warehouse on each backend, a DuckDB file tmp_path/<name>
    or a fresh PostgreSQL database (all dropped afterwards)."""
    with ExitStack() as databases:

        def new(name: str) -> str:
            if request.param == "duckdb":
                return f"duckdb:///{tmp_path / f'{name}.duckdb'}"
            return databases.enter_context(fresh_pg_database())

        yield new


@pytest.fixture(scope="session")
def demo_warehouse(tmp_path_factory):
    """The demo's warehouse (both demo tenants, the whole graph, 30 days, pinned clock), materialised once
    per test process and shared: tests/regression/demo_warehouse.py says how it is built. Yields its
    DemoWarehouse (URL, each tenant's harness Pipeline, ground-truth differences). Read it, never write."""
    from tests.regression.demo_warehouse import build_demo_warehouse

    monkeypatch = pytest.MonkeyPatch()
    try:
        built = build_demo_warehouse(tmp_path_factory.mktemp("demo-warehouse"), monkeypatch)
    finally:
        # Undone once built, not at the session's end: the harness points STOREHOUSE_TENANTS_FILE and the
        # pipeline clock at its last tenant, which must not leak into the worker's other tests.
        monkeypatch.undo()
    yield built


def built_once(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]) -> Path:
    """A folder built once per test session and shared by every xdist worker: the first worker to ask for
    ``name`` calls ``build(folder)`` under a file lock in the session's shared temporary folder (the one each
    worker's own folder is in); the others wait for it. Returns the finished folder. Read it, or copy it
    before writing (a DuckDB file is locked by the process that opens it)."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder = shared / name
    folder.mkdir(exist_ok=True)
    with FileLock(str(shared / f"{name}.lock")):
        if not (folder / "done").exists():
            shutil.rmtree(folder / "build", ignore_errors=True)
            (folder / "build").mkdir()
            build(folder / "build")
            (folder / "build").rename(folder / "done")
    return folder / "done"
