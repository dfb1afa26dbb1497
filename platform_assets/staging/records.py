"""Staging a raw partition record by record, the same for every source: each record is staged into its own
rows, which must keep the staging tables' rules, and is merged only when the whole record staged; a record
that cannot be staged becomes a dead letter with the reason (the field and the value), and the good records
flow on. A source gives its one-record staging function and its records, already one per key."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from typing import Any

from platform_assets.staging.staged import DeadLetter, Rows, Staged
from platform_assets.warehouse.record_rules import RecordRules


def stage_each(
    unique: Iterable[dict],
    dead_letters: list[DeadLetter],
    prefix: tuple,
    stage_one: Callable[[dict, tuple, Rows], None],
    rules: RecordRules,
    key: Callable[[dict], Any] = lambda record: record.get("id"),
    known_fields: Collection[str] | None = None,
) -> Staged:
    """Stage every record of ``unique`` into its own rows (``stage_one(record, prefix, rows)``), checked
    against ``rules``, merged only when the whole record staged. ``dead_letters`` are the partition's dead
    letters so far (duplicates refused); a record's dead letter is keyed ``key(record)``. With
    ``known_fields``, the record's other top-level fields are counted as schema drift."""
    staged = Staged()
    staged.dead_letters = dead_letters
    for record in unique:
        if known_fields is not None:
            staged.new_fields.update(name for name in record if name not in known_fields)
        record_rows: Rows = defaultdict(list)
        try:
            stage_one(record, prefix, record_rows)
            rules.check(record_rows)
        except ValueError as exc:
            staged.dead_letters.append(DeadLetter(str(key(record)), str(exc), record))
            continue
        for table, table_rows in record_rows.items():
            staged.rows[table].extend(table_rows)
        staged.staged += 1
    return staged
