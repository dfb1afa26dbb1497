"""The bulk load's state file (resources/shopify/bulk_state.py): atomic replacement, what a broken file
says, and the clean-up of saves a kill interrupted."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from resources.shopify.bulk_state import BulkStateError, JsonFileState


def test_save_load_clear(tmp_path: Path) -> None:
    state = JsonFileState(tmp_path / "acme" / "orders" / "2025.json")
    assert state.load() is None
    state.save({"phase": "starting", "previous_job": None})
    state.save({"phase": "running", "job_id": "gid://shopify/BulkOperation/7"})
    assert state.load() == {"phase": "running", "job_id": "gid://shopify/BulkOperation/7"}
    assert os.listdir(state.path.parent) == ["2025.json"]  # no temporary file left by a save
    interrupted = state.path.parent / ".2025.json.tmp-abc123"  # a save killed before its rename
    interrupted.write_text('{"phase": "runn', encoding="utf-8")
    other = state.path.parent / ".2024.json.tmp-def456"  # another load's
    other.write_text("{}", encoding="utf-8")
    assert state.load()["phase"] == "running"  # the interrupted save changed nothing
    state.clear()
    assert state.load() is None and os.listdir(state.path.parent) == [other.name]
    state.clear()  # clearing twice is fine


def test_a_broken_state_file_is_named(tmp_path: Path) -> None:
    state = JsonFileState(tmp_path / "state.json")
    state.path.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(BulkStateError) as caught:
        state.load()
    assert str(caught.value) == (
        f"bulk state file {state.path} does not hold a JSON object; remove it to start over"
    )
