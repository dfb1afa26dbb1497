"""The read snapshot: how the reporting API answers with the last complete figures while a run writes.

DuckDB lets one process write a database file and holds a lock while it does, so a reader in another
process cannot open the live warehouse during a run. After each successful run the pipeline therefore
*publishes a snapshot*: it opens the warehouse (waiting for the write lock, like any step, so no run is
mid-write), checkpoints it (the write-ahead log folded into the file), copies the file to a new file
beside the snapshot path, fsyncs it, and ``os.replace``\\ s the snapshot path (a symbolic link) to point
at it. ``os.replace`` is atomic on one file system, so a reader resolving the snapshot path gets either the
previous complete snapshot or the new complete one, never a half-copied file; a reader that already has
the old file open keeps reading it.

PostgreSQL needs no snapshot: readers see committed transactions only, and each API request reads the
live tables in one READ ONLY, REPEATABLE READ transaction (:mod:`platform_assets.serving.reader`).
"""

from __future__ import annotations

import logging
import os
import shutil
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

from platform_assets.settings import StorehouseSettings
from resources.warehouse import WarehouseResource

logger = logging.getLogger(__name__)

#: How long publishing waits for a run holding the DuckDB write lock before giving up.
PUBLISH_LOCK_TIMEOUT_SECONDS = 600.0


def duckdb_file(warehouse_url: str) -> Path | None:
    """The DuckDB warehouse file behind ``warehouse_url``; None for PostgreSQL or an in-memory DuckDB."""
    url = sa.engine.make_url(warehouse_url)
    if url.get_backend_name() != "duckdb" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def snapshot_path(configured: StorehouseSettings) -> Path | None:
    """Where the API reads the DuckDB warehouse from: ``STOREHOUSE_WAREHOUSE_SNAPSHOT_PATH``, else
    ``<warehouse>.snapshot.duckdb`` beside the warehouse file; None when the warehouse is PostgreSQL."""
    live = duckdb_file(configured.warehouse_url_value())
    if live is None:
        return None
    return configured.warehouse_snapshot_path or live.with_name(f"{live.stem}.snapshot.duckdb")


#: Published snapshot files kept besides the current one (a reader may still be opening the previous).
KEPT_PREVIOUS = 2


def current_snapshot(link: Path) -> Path | None:
    """The snapshot file ``link`` points to now, None before the first publication."""
    try:
        return link.parent / os.readlink(link)
    except FileNotFoundError:
        return None
    except OSError:  # a plain file put there by hand: read it as it is
        return link if link.exists() else None


def publish_snapshot(
    warehouse_url: str, link: Path, lock_timeout_seconds: float = PUBLISH_LOCK_TIMEOUT_SECONDS
) -> Path:
    """Copy the DuckDB warehouse to a new snapshot file and point ``link`` at it, atomically; returns the
    new file.

    Holds the warehouse's write lock while copying (no other process writes during the copy) and
    checkpoints first (the file alone then holds every committed write). Each publication is a new file
    (``<link>.<stamp>``) and ``link`` a symbolic link replaced with ``os.replace``: DuckDB shares one open
    database per file path within a process, so a reader must see a new path to see new figures. The
    previous :data:`KEPT_PREVIOUS` files are kept for readers still opening them; older ones are removed
    (a reader that has one open keeps reading it until it closes)."""
    live = duckdb_file(warehouse_url)
    if live is None:
        raise ValueError("only a DuckDB warehouse file has a read snapshot; PostgreSQL is read live")
    link.parent.mkdir(parents=True, exist_ok=True)
    stamp = f"{time.time_ns():020d}.{uuid.uuid4().hex[:8]}"
    target = link.with_name(f"{link.name}.{stamp}")
    temporary = link.with_name(f".{link.name}.{stamp}.tmp")
    warehouse = WarehouseResource(url=warehouse_url, lock_timeout_seconds=lock_timeout_seconds)
    try:
        with warehouse.connect() as conn:
            conn.execute(sa.text("CHECKPOINT"))
            shutil.copyfile(live, temporary)
        with open(temporary, "rb") as copied:
            os.fsync(copied.fileno())
        os.replace(temporary, target)
        pointer = link.with_name(f".{link.name}.{stamp}.link")
        os.symlink(target.name, pointer)
        os.replace(pointer, link)
    finally:
        temporary.unlink(missing_ok=True)
        engine = warehouse._engine
        if engine is not None:
            engine.dispose()
    _remove_old(link, keep=target)
    logger.info("published the warehouse read snapshot %s", target)
    return target


def _remove_old(link: Path, keep: Path) -> None:
    published = sorted(link.parent.glob(f"{link.name}.*"))
    for old in [path for path in published if path != keep][: -KEPT_PREVIOUS or None]:
        old.unlink(missing_ok=True)
