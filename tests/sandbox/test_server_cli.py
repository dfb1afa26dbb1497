"""The command line server: prints base URLs and token hints, serves, stops on Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from .conftest import API

ROOT = Path(__file__).resolve().parents[2]


def _take_interrupts() -> None:
    """In the server's process before it starts: Ctrl-C's default action, even when the tests run in a
    shell's background (which starts them with SIGINT ignored, and a process keeps that across exec)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@dataclass
class ServerCli:
    """The server command running in a process of its own; ``out`` is what it printed after Ctrl-C."""

    process: subprocess.Popen
    out: str = ""


@contextmanager
def server_cli(*args: str) -> Iterator[ServerCli]:
    """Run ``python -m sandbox.shopify.server *args``; on leaving, Ctrl-C it and assert it stopped cleanly
    within 10 s (exit status 0)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox.shopify.server", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
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
            out, err = process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            out, err = process.communicate()
            out, err = f"(killed: still running 10 s after SIGINT) {out}", err
        cli.out = out
    assert process.returncode == 0, f"stdout: {out[-2000:]}\nstderr: {err[-2000:]}"


def test_cli_serves_presets_until_interrupted():
    with server_cli("--port", "0", "--shops", "demo-ny", "--clock", "2026-02-01T00:00:00-05:00") as cli:
        lines = [cli.process.stdout.readline() for _ in range(3)]
        assert lines[0].startswith("Sandbox Shopify on http://127.0.0.1:"), lines
        base = lines[1].split()[1]
        assert base.endswith("/demo-ny") and "clock 2026-02-01T00:00:00-05:00" in lines[1]
        assert lines[2].split() == ["export", "DEMO_NY_SHOPIFY_TOKEN=shpat_sandbox_demo_ny"]
        response = requests.get(
            base + f"{API}/orders/count.json",
            params={"status": "any"},
            headers={"X-Shopify-Access-Token": "shpat_sandbox_demo_ny"},
            timeout=10,
        )
        assert response.status_code == 200 and response.json()["count"] > 1000
        truth = requests.get(base + "/_sandbox/ground_truth.json", params={"start": "2026-01-20"}, timeout=10)
        rows = truth.json()["ground_truth"]
        assert [row["date"] for row in rows][:1] == ["2026-01-20"] and rows[-1]["date"] <= "2026-02-01"
        assert isinstance(rows[0]["net_sales"], str)
    assert cli.out.rstrip().endswith("stopping")
