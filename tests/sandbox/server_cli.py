"""A sandbox server's command line (``python -m sandbox.<platform>.server``) run in a process of its own for
a test, stopped with Ctrl-C and checked to stop cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: How long a server has to stop after Ctrl-C before it counts as hung (generous: CI's cores are shared).
STOP_SECONDS = 30


def _take_interrupts() -> None:
    """In the server's process before it starts: Ctrl-C's default action, even when the tests run in a
    shell's background (which starts them with SIGINT ignored, and a process keeps that across exec), and
    neither SIGINT nor SIGTERM blocked (a blocked signal mask is inherited across exec too)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})


@dataclass
class ServerCli:
    """The server command running in a process of its own; ``out`` is what it printed after Ctrl-C."""

    process: subprocess.Popen
    out: str = ""


@contextmanager
def server_cli(module: str, *args: str, env: dict[str, str] | None = None) -> Iterator[ServerCli]:
    """Run ``python -m <module> *args``; on leaving, Ctrl-C it and assert it stopped cleanly within
    :data:`STOP_SECONDS` (exit status 0)."""
    process = subprocess.Popen(
        [sys.executable, "-m", module, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1", **(env or {})},
        cwd=ROOT,
        preexec_fn=_take_interrupts,
    )
    cli = ServerCli(process)
    try:
        yield cli
    finally:
        # communicate() drains both pipes while waiting: a server blocked writing to a full pipe would
        # otherwise look like one that ignores Ctrl-C.
        process.send_signal(signal.SIGINT)
        try:
            out, err = process.communicate(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            out, err = process.communicate()
            out, err = f"(killed: still running {STOP_SECONDS} s after SIGINT) {out}", err
        cli.out = out
    assert process.returncode == 0, f"stdout: {out[-2000:]}\nstderr: {err[-2000:]}"
