"""Worker processes die with the process that started them: kill -9 of a run's process leaves no
forkserver, resource tracker or page/staging worker behind (issue 12, part 4)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from platform_assets.settings import PROJECT_ROOT
from tests.process_tree import command, descendants, parent, wait_until_gone

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads the process tree in /proc"
)

#: How long the pools may take to notice their owner is gone (they take well under a second).
GONE_WITHIN_SECONDS = 10


def test_killing_the_owner_of_the_pools_leaves_no_process_behind():
    owner = subprocess.Popen(
        [sys.executable, "-m", "tests.resources.pool_owner"],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert owner.stdout.readline() == "ready\n"
        tree = descendants(owner.pid)
        children = {pid: command(pid) for pid in tree if parent(pid) == owner.pid}
        assert sorted(c.split(" import ")[0].rsplit(" ", 1)[-1] for c in children.values()) == [
            "multiprocessing.forkserver",
            "multiprocessing.resource_tracker",
        ]
        (forkserver,) = [pid for pid, c in children.items() if "forkserver" in c]
        # One page worker and two busy staging workers at least, all forked by the forkserver.
        assert len([pid for pid in tree if parent(pid) == forkserver]) >= 3
    finally:
        owner.send_signal(signal.SIGKILL)
        owner.wait(timeout=30)

    left = wait_until_gone(tree, GONE_WITHIN_SECONDS)
    leftovers = {pid: command(pid) for pid in left}
    for pid in left:  # leave the machine clean even when the test fails
        os.kill(pid, signal.SIGKILL)
    assert leftovers == {}


def test_a_worker_whose_owner_is_already_gone_ends_at_once():
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import sys; from resources.worker_processes import die_with_owner; die_with_owner({gone.pid}); "
            "sys.exit(0)",
        ],
        cwd=PROJECT_ROOT,
    )
    assert child.wait(timeout=60) == 1
