"""What a fault scenario counts. Every count must be zero for the platform to be trusted with the fault."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields

#: The counts that must all be zero, in the order the table prints them.
BAD_COUNTS = ("lost", "duplicated", "leaked", "hung", "left_behind")


@dataclass
class Counts:
    """One scenario's verdict.

    * ``lost``: records the source has that the warehouse (or raw store) does not: expected order ids
      missing, rows of a clean run missing after a rerun, days whose sales differ from the ground truth.
    * ``duplicated``: records stored more than once, or rows beyond what a clean run stores.
    * ``leaked``: connections to the shop the run's processes left open after it ended (or was killed).
    * ``hung``: runs or waits that did not finish within their bound.
    * ``left_behind``: temporary raw files and processes of a killed run still there after the rerun.

    ``seconds`` is the wall time; ``notes`` are figures worth reading (requests, faults, reruns) that are
    not failures by themselves.
    """

    scenario: str
    lost: int = 0
    duplicated: int = 0
    leaked: int = 0
    hung: int = 0
    left_behind: int = 0
    seconds: float = 0.0
    notes: dict[str, object] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(getattr(self, name) == 0 for name in BAD_COUNTS)

    def add(self, other: Counts) -> None:
        """Add another part's counts (a round, a rate) to these; its notes go under its name."""
        for name in BAD_COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.notes[other.scenario] = other.notes

    def to_json(self) -> str:
        return json.dumps(asdict(self), default=str, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Counts:
        values = json.loads(text)
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})
