"""``dagster-daemon`` with a shorter loop interval: the smoke test's tiny backfills only.

Dagster's daemons (the backfill daemon among them) loop every 30 s, a constant with no setting: a tiny
backfill then spends a minute waiting (30 s for the daemon to pick it up, up to 30 s more for it to mark the
backfill complete) for a few seconds of work. At full size the real ``dagster-daemon`` runs unchanged; at
tiny size the same daemon runs through this module with ``DEFAULT_DAEMON_INTERVAL_SECONDS`` set lower, so
the same code path (launch, pickup, run, completion) is exercised in seconds.

    python -m bench.fast_daemon SECONDS run -w workspace.yaml
"""

from __future__ import annotations

import sys


def main() -> None:
    seconds = float(sys.argv[1])
    import dagster._daemon.controller as controller
    from dagster._daemon.cli import main as daemon_main

    if not hasattr(controller, "DEFAULT_DAEMON_INTERVAL_SECONDS"):  # a Dagster without it: unchanged
        print("bench.fast_daemon: DEFAULT_DAEMON_INTERVAL_SECONDS not found; 30 s loops", flush=True)
    controller.DEFAULT_DAEMON_INTERVAL_SECONDS = seconds
    sys.argv = ["dagster-daemon", *sys.argv[2:]]
    daemon_main()


if __name__ == "__main__":
    main()
