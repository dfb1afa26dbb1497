"""What staging one raw partition gives: typed rows per staging table, the records kept aside as dead
letters (with the reason), how many records were staged and the unknown fields seen (schema drift)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

#: Rows per staging table, each row in its table's column order.
Rows = dict[str, list[tuple]]


@dataclass(frozen=True)
class DeadLetter:
    """A raw record that cannot be staged, kept aside with the reason instead of being lost."""

    record_key: str
    reason: str
    payload: dict


@dataclass
class Staged:
    """One raw partition, staged: rows per staging table, the records kept aside, how many were staged."""

    rows: Rows = field(default_factory=lambda: defaultdict(list))
    dead_letters: list[DeadLetter] = field(default_factory=list)
    staged: int = 0
    new_fields: Counter[str] = field(default_factory=Counter)  # schema drift: unknown top-level fields


#: How much of an unreadable raw line its dead letter keeps.
UNREADABLE_KEPT_CHARS = 10_000


def unreadable_line(index: int, line: bytes, error: ValueError) -> DeadLetter:
    """The dead letter of raw line ``index`` (0-based, of the partition's non-blank lines) that is not a
    JSON record: where it is, why, and its text."""
    text = line.decode("utf-8", errors="replace").rstrip("\n")
    reason = f"raw line {index + 1} is not JSON ({type(error).__name__}: {str(error)[:200]})"
    return DeadLetter(f"line {index + 1}", reason, {"line": index + 1, "text": text[:UNREADABLE_KEPT_CHARS]})


#: JSON's name for each kind of value ``json.loads`` returns, for messages.
_JSON_KINDS = {list: "an array", str: "a string", int: "a number", float: "a number", bool: "true or false"}


def not_an_object(record: Any) -> DeadLetter | None:
    """The dead letter of a raw record that is valid JSON but not an object (an array, a string, a number,
    null): it has no fields to stage. None for an object."""
    if isinstance(record, dict):
        return None
    kind = "null" if record is None else _JSON_KINDS.get(type(record), type(record).__name__)
    return DeadLetter("", f"the record is {kind}, not a JSON object", {"record": record})
