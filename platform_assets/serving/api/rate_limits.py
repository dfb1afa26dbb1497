"""The per-key request-rate limit of the reporting API, shared by every API process of a deployment.

A key may make ``STOREHOUSE_API_RATE_LIMIT`` requests (e.g. ``600/minute``) over a **moving window**: a
request is allowed when fewer than N requests of the key were allowed in the last period (minute, ...).
The count lives in a small SQLite file beside the key file (``api_keys.json`` →
``api_keys.rate-limits.sqlite``), not in a process's memory, so several uvicorn workers or API processes
sharing the key file share each key's budget: the documented limit holds for the deployment, it is not
multiplied by the number of processes.

Each check is one short write transaction (``BEGIN IMMEDIATE``: processes take turns, so two processes
can never both take the last request of a window): forget the key's hits older than the window, count the
rest, record this one if there is room. The file is in WAL mode without fsync, so a check costs well under
a millisecond. The window is counted per key *and* limit (the bucket is ``<limit> <key id>``): processes
configured with different limits do not share a count. The store holds key ids and times only, no key.
"""

from __future__ import annotations

import math
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

from limits import parse

from resources.sql_sections import named_sections

#: How long opening the store keeps trying while other connections set it up.
OPEN_TIMEOUT_SECONDS = 10.0
#: One thread of this process opens the store at a time.
_OPENING = threading.Lock()


#: The longest window a limit may have (N/day): older hits are forgotten whatever their bucket.
LONGEST_WINDOW_SECONDS = 86_400

#: The store's statements (``sql/rate_limits.sql``).
SQL = named_sections(Path(__file__).with_name("sql") / "rate_limits.sql")


def store_path_for(keys_path: Path) -> Path:
    """The rate-limit store of the key file ``keys_path``: same folder and name, ``.rate-limits.sqlite``."""
    return keys_path.with_name(f"{keys_path.stem}.rate-limits.sqlite")


class RateLimit:
    """A per-key request budget (e.g. ``600/minute``) over a moving window, counted in the SQLite file
    ``store`` that every process sharing it shares. ``clock`` (seconds, like :func:`time.time`) is for tests.
    """

    def __init__(self, text: str, store: Path, clock: Callable[[], float] = time.time) -> None:
        try:
            item = parse(text)
        except ValueError:
            allowed = "N/second, N/minute, N/hour or N/day"
            raise ValueError(f"rate limit must be {allowed}, got {text!r}") from None
        self.text = text
        self.amount: int = item.amount
        self.seconds: int = item.get_expiry()
        self.store = store
        self._clock = clock
        self._local = threading.local()

    def _connection(self) -> sqlite3.Connection:
        """This thread's connection (SQLite connections are not shared between threads, nor across a fork)."""
        held: tuple[int, sqlite3.Connection] | None = getattr(self._local, "held", None)
        if held is not None and held[0] == os.getpid():
            return held[1]
        self.store.parent.mkdir(parents=True, exist_ok=True)
        with _OPENING:
            conn = self._open()
        self._local.held = (os.getpid(), conn)
        return conn

    def _open(self) -> sqlite3.Connection:
        """A new connection with the store set up. Switching a new file to WAL can answer "database is
        locked" at once, without waiting, while another connection opens it too: such an open is tried
        again (threads of this process open one at a time; other processes are waited for)."""
        deadline = time.monotonic() + OPEN_TIMEOUT_SECONDS
        while True:
            conn = sqlite3.connect(self.store, timeout=5.0, isolation_level=None)
            try:
                conn.executescript(SQL["open"])
                conn.execute(SQL["forget_stale"], {"stale_before": self._clock() - LONGEST_WINDOW_SECONDS})
                return conn
            except sqlite3.OperationalError as exc:
                conn.close()
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def retry_after(self, key_id: str) -> int | None:
        """None if the key may make this request (and it is counted), else whole seconds until it may."""
        conn = self._connection()
        bucket = f"{self.text} {key_id}"
        now = self._clock()
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(SQL["forget"], {"bucket": bucket, "window_start": now - self.seconds})
            count, oldest = conn.execute(SQL["window"], {"bucket": bucket}).fetchone()
            if count < self.amount:
                conn.execute(SQL["hit"], {"bucket": bucket, "now": now})
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        if count < self.amount:
            return None
        return max(1, math.ceil(oldest + self.seconds - now))

    def close(self) -> None:
        """Close this thread's connection (others close when their thread ends)."""
        held = getattr(self._local, "held", None)
        if held is not None:
            held[1].close()
            self._local.held = None
