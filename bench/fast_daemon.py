"""``dagster-daemon`` with a shorter loop interval and only a backfill's daemons: the smoke test's tiny
backfills only.

Dagster's daemons (the backfill daemon among them) loop every 30 s, a constant with no setting: a tiny
backfill then spends a minute waiting (30 s for the daemon to pick it up, up to 30 s more for it to mark the
backfill complete) for a few seconds of work. At full size the real ``dagster-daemon`` runs unchanged; at
tiny size the same daemon runs through this module with ``DEFAULT_DAEMON_INTERVAL_SECONDS`` set lower, so
the same code path (launch, pickup, run, completion) is exercised in seconds.

It also runs only the daemons that path goes through (:func:`_backfill_path`: the backfill daemon, which
submits the runs, and the queued run coordinator, which launches them). The others (the project's sensors
and schedules, run monitoring) would tick against the code server throughout a backfill the smoke test
does not measure them on, paying CPU on a shared 2-core machine for nothing the test looks at. And it
never reloads its workspace: Dagster's controller drops its code server every 60 s and starts another
(loading the whole Definitions again, seconds of CPU) so that a deployment picks up new code; the code does
not change during a smoke test's backfill.

    python -m bench.fast_daemon SECONDS run -w workspace.yaml
"""

from __future__ import annotations

import sys


def _backfill_path() -> tuple[str, ...]:
    from dagster._daemon.daemon import BackfillDaemon
    from dagster._daemon.run_coordinator.queued_run_coordinator_daemon import QueuedRunCoordinatorDaemon

    return (BackfillDaemon.daemon_type(), QueuedRunCoordinatorDaemon.daemon_type())


def only_backfill_daemons() -> None:
    """Make this process's instance require (so its controller start) only :func:`_backfill_path`'s
    daemons; Dagster's own list, filtered, so a daemon the instance does not enable stays off."""
    from dagster._core.instance.methods.daemon_methods import DaemonMethods

    wanted = _backfill_path()
    required = DaemonMethods.get_required_daemon_types

    def backfill_daemons_only(self) -> list[str]:
        return [daemon for daemon in required(self) if daemon in wanted]

    DaemonMethods.get_required_daemon_types = backfill_daemons_only  # type: ignore[method-assign]


def main() -> None:
    seconds = float(sys.argv[1])
    import dagster._daemon.controller as controller
    from dagster._daemon.cli import main as daemon_main

    if not hasattr(controller, "DEFAULT_DAEMON_INTERVAL_SECONDS"):  # a Dagster without it: unchanged
        print("bench.fast_daemon: DEFAULT_DAEMON_INTERVAL_SECONDS not found; 30 s loops", flush=True)
    controller.DEFAULT_DAEMON_INTERVAL_SECONDS = seconds
    controller.RELOAD_WORKSPACE_INTERVAL = float("inf")
    only_backfill_daemons()
    sys.argv = ["dagster-daemon", *sys.argv[2:]]
    daemon_main()


if __name__ == "__main__":
    main()
