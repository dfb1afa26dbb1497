"""Where a bulk load remembers its Shopify job between runs, so that a killed run resumes the same job.

A bulk query runs on Shopify's side for minutes or hours. If our run dies while it runs (a deploy, kill -9,
out of memory), the next run must pick the same job up rather than start a second one: Shopify runs only
one (five from API 2026-01) per app and shop, and a second job would double the wait and the load. So the
runner writes what it knows (the job's id, the phase it reached, the downloaded file) to a
:class:`BulkState` *before* each step that depends on it, and clears it only once the caller has stored
the whole result.

The state holds ids, phases, counts and local file names only: never the access token, and never the
job's result URL (a signed URL is a credential for the shop's data; the runner asks for it again).

:class:`JsonFileState` is the implementation for a local folder (e.g. beside the raw store's files, one
file per tenant, entity and window); a caller with another home for it implements the three methods.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Protocol


class BulkStateError(Exception):
    """The state file exists but cannot be read as a bulk job's state (named, with the reason)."""


class BulkState(Protocol):
    """One bulk load's persisted state: a small JSON object, or None when no load is under way."""

    def load(self) -> dict[str, Any] | None: ...

    def save(self, state: dict[str, Any]) -> None:
        """Replace the state atomically: a reader sees the previous state or this one, never a mix."""

    def clear(self) -> None:
        """Forget the state (the load's result is stored)."""


class JsonFileState:
    """:class:`BulkState` in one local JSON file, replaced atomically (temporary file, fsync, rename)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"JsonFileState({str(self.path)!r})"

    def load(self) -> dict[str, Any] | None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        try:
            state = json.loads(text)
        except ValueError as error:
            raise BulkStateError(
                f"bulk state file {self.path} is not JSON ({error}); remove it to start over"
            ) from None
        if not isinstance(state, dict):
            raise BulkStateError(
                f"bulk state file {self.path} does not hold a JSON object; remove it to start over"
            )
        return state

    def save(self, state: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(state, sort_keys=True, indent=1)
        handle, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.tmp-", dir=self.path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _fsync_dir(self.path.parent)

    def clear(self) -> None:
        """Remove the file, and the temporary files of saves a kill interrupted (this state's only)."""
        self.path.unlink(missing_ok=True)
        if self.path.parent.is_dir():
            for leftover in self.path.parent.glob(f".{self.path.name}.tmp-*"):
                leftover.unlink(missing_ok=True)
        _fsync_dir(self.path.parent)


def _fsync_dir(folder: Path) -> None:
    """Make a rename or removal in ``folder`` durable (POSIX; a no-op where folders cannot be opened)."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)
