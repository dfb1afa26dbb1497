"""A run killed inside a warehouse-pool step (kill -9, as the OOM killer does) does not wedge the instance
(issue 12, parts 1 and 4): under a real `dagster-daemon` with the project's run-monitoring settings, the
killed run is marked FAILURE and alerted, its pool slot is freed, the next warehouse run succeeds on its
own within the documented bound (docs/reliability.md), and no process of the killed run is left."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster._cli.job import _create_run
from dagster._core.workspace.context import WorkspaceProcessContext
from dagster._core.workspace.load_target import ModuleTarget

from platform_assets.settings import PROJECT_ROOT
from resources import notifiers
from sensors.alerts import alert_on_run_failure
from tests.alerts.conftest import WEBHOOK_PATH, clean_alert_env, http_receiver  # noqa: F401 - fixtures
from tests.alerts.harness import SensorDriver
from tests.process_tree import command, descendants, wait_until_gone
from tests.scheduling.crash_defs import MARKER_DIR_ENV

pytestmark = [
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the process tree in /proc"),
    pytest.mark.spread,  # independent tests (tests/conftest.py)
]

LOCATION = "crash_test"
#: docs/reliability.md: after a run is killed, a waiting warehouse step proceeds within this many seconds.
RECOVERY_BOUND_SECONDS = 60
#: Starting the daemon, its code server and a run on a busy machine (a bounded wait, not a timing).
START_TIMEOUT_SECONDS = 120


def _wait_for(what: str, check: Callable[[], object], timeout: float) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"{what}: not within {timeout} s")


def _instance_yaml(home: Path, storage: str) -> dict:
    """The project's instance settings (``dagster.yaml``, or ``deploy/postgres/dagster.yaml`` for
    ``postgres``) with local files in ``home`` and the monitoring loop every second. The PostgreSQL
    deployment allows four warehouse steps at once; here one, so the killed run's slot blocks the next."""
    if storage == "postgres":
        config = yaml.safe_load((PROJECT_ROOT / "deploy" / "postgres" / "dagster.yaml").read_text())
        config["concurrency"]["pools"]["default_limit"] = 1
    else:
        config = yaml.safe_load((PROJECT_ROOT / "dagster.yaml").read_text())
        assert config["concurrency"]["pools"]["default_limit"] == 1
        config["storage"] = {"sqlite": {"base_dir": str(home / "storage")}}
        config["local_artifact_storage"]["config"]["base_dir"] = str(home / "storage")
        config["compute_logs"]["config"]["base_dir"] = str(home / "compute_logs")
    monitoring = config["run_monitoring"]
    assert (monitoring["enabled"], monitoring["free_slots_after_run_end_seconds"]) == (True, 10)
    monitoring.update(poll_interval_seconds=1, free_slots_after_run_end_seconds=1)
    return config


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def crash_home(request, tmp_path, monkeypatch) -> Iterator[Path]:
    """A DAGSTER_HOME with the project's instance settings (SQLite storage as embedded, or PostgreSQL
    storage as deployed, on a fresh database) and a workspace of the crash definitions, with
    `dagster-daemon run` serving it; the daemon (and its code server) is stopped afterwards."""
    if request.param == "postgres":
        monkeypatch.setenv("DAGSTER_PG_URL", request.getfixturevalue("pg_database"))
    home = tmp_path / "home"
    (tmp_path / "marker").mkdir()
    home.mkdir()
    (home / "dagster.yaml").write_text(yaml.safe_dump(_instance_yaml(home, request.param)))
    workspace = {
        "load_from": [
            {
                "python_module": {
                    "module_name": "tests.scheduling.crash_defs",
                    "working_directory": str(PROJECT_ROOT),
                    "location_name": LOCATION,
                }
            }
        ]
    }
    (home / "workspace.yaml").write_text(yaml.safe_dump(workspace))
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv(MARKER_DIR_ENV, str(tmp_path / "marker"))
    # Create the instance's storage here, once, before the daemon, its code server and the test open it
    # at the same moment: two processes stamping a fresh SQLite schema concurrently can leave it with two
    # migration heads ("Version table 'alembic_version' has more than one head present").
    with dg.DagsterInstance.from_config(str(home)) as instance:
        instance.get_runs(limit=1)
    with (home / "daemon.log").open("wb") as log:
        daemon = subprocess.Popen(
            [str(Path(sys.executable).parent / "dagster-daemon"), "run", "-w", str(home / "workspace.yaml")],
            cwd=PROJECT_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield home
        finally:
            # Its code server is its child: left alone once the daemon stops, with its instance's database
            # dropped next, it would never see its runs end and would outlive the test. Stopped here too.
            below = {pid for pid in descendants(daemon.pid) if "dagster" in command(pid)}
            daemon.send_signal(signal.SIGTERM)
            try:
                daemon.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(daemon.pid, signal.SIGKILL)
                daemon.wait(timeout=30)
            for pid in wait_until_gone(below, timeout=0):  # a reused pid would not name a dagster process
                if "dagster" in command(pid):
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGTERM)
            for pid in wait_until_gone(below, timeout=15):
                if "dagster" in command(pid):
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)


def _launch(instance: dg.DagsterInstance, workspace_context: WorkspaceProcessContext, job_name: str) -> str:
    workspace = workspace_context.create_request_context()
    location = workspace.get_code_location(LOCATION)
    repo = location.get_repository("__repository__")
    run = _create_run(
        instance=instance,
        code_location=location,
        remote_repo=repo,
        remote_job=repo.get_full_job(job_name),
        run_config={},
        tags={},
        op_selection=None,
        run_id=None,
    )
    instance.submit_run(run.run_id, workspace)
    return run.run_id


def _status(instance: dg.DagsterInstance, run_id: str) -> dg.DagsterRunStatus:
    return instance.get_run_by_id(run_id).status


def test_a_killed_run_frees_its_warehouse_slot_and_the_next_run_goes_on(
    crash_home,
    tmp_path,
    clean_alert_env,  # noqa: F811 - a fixture
    http_receiver,  # noqa: F811 - a fixture
):
    clean_alert_env.setenv(notifiers.WEBHOOK_URL_ENV, http_receiver.url(WEBHOOK_PATH))
    target = ModuleTarget(
        module_name="tests.scheduling.crash_defs",
        attribute=None,
        working_directory=str(PROJECT_ROOT),
        location_name=LOCATION,
    )
    with (
        dg.DagsterInstance.from_config(str(crash_home)) as instance,
        WorkspaceProcessContext(instance, target) as workspace_context,
    ):
        alerts = SensorDriver(alert_on_run_failure, instance)
        killed = _launch(instance, workspace_context, "hold_warehouse")
        marker = tmp_path / "marker" / "holding"
        _wait_for("the held step has the warehouse slot", marker.exists, START_TIMEOUT_SECONDS)
        run_pid = int(marker.read_text())
        claimed = instance.event_log_storage.get_concurrency_info("warehouse").claimed_slots
        assert [(slot.run_id, slot.step_key) for slot in claimed] == [(killed, "held_warehouse_write")]
        following = _launch(instance, workspace_context, "quick_warehouse")
        processes = descendants(run_pid) | {run_pid}
        assert len(processes) >= 4, [command(pid) for pid in processes]  # forkserver, tracker, page worker

        os.kill(run_pid, signal.SIGKILL)
        killed_at = time.monotonic()
        _wait_for(
            "the next warehouse run succeeds",
            lambda: _status(instance, following) == dg.DagsterRunStatus.SUCCESS,
            RECOVERY_BOUND_SECONDS,
        )
        print(f"recovered {time.monotonic() - killed_at:.1f} s after the kill")

        assert _status(instance, killed) == dg.DagsterRunStatus.FAILURE
        info = instance.event_log_storage.get_concurrency_info("warehouse")
        assert (info.claimed_slots, info.pending_steps) == ([], [])
        left = wait_until_gone(processes, 10)
        assert {pid: command(pid) for pid in left} == {}

        alerts.tick()
        [alert] = http_receiver.bodies(WEBHOOK_PATH)
        assert (alert["kind"], alert["run_id"]) == ("run_failure", killed)
        assert alert["job_name"] == "hold_warehouse"
        assert alert["assets"] == ["held_warehouse_write"]
        assert alert["summary"] == (
            "Run execution process was terminated by signal 9 (SIGKILL).\n"
            "Unfinished step: held_warehouse_write"
        )


def test_both_instance_configurations_monitor_runs_the_same_way():
    embedded = yaml.safe_load((PROJECT_ROOT / "dagster.yaml").read_text())
    postgres = yaml.safe_load((PROJECT_ROOT / "deploy" / "postgres" / "dagster.yaml").read_text())
    assert (
        embedded["run_monitoring"]
        == postgres["run_monitoring"]
        == {
            "enabled": True,
            "poll_interval_seconds": 10,
            "free_slots_after_run_end_seconds": 10,
            "start_timeout_seconds": 180,
        }
    )
