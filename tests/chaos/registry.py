"""The scenario registry: the extension point of the fault suite.

A scenario is a function ``(seed, rounds, workdir, quick) -> Counts``, registered under a name with
:func:`scenario`. It must bound its own waits where it can; the runner (``tests.chaos.run``) runs each one
in a child process with a timeout and counts a timeout as hung. A new scenario is a module beside this one
that decorates its function, plus its module name in :data:`SCENARIO_MODULES`::

    @scenario("pagination_trap", timeout=120)
    def pagination_trap(seed: int, rounds: int, workdir: Path, quick: bool) -> Counts: ...

``quick`` asks for the small version the pytest test runs (fewer days; same faults).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.chaos.counts import Counts

ScenarioFunction = Callable[[int, int, Path, bool], Counts]

#: Modules that register scenarios, imported by :func:`all_scenarios` (add yours here).
SCENARIO_MODULES = (
    "tests.chaos.wire_faults",
    "tests.chaos.kills",
    "tests.chaos.traps",
    "tests.chaos.canaries",
)


@dataclass(frozen=True)
class Scenario:
    """A registered scenario: ``timeout`` bounds one round of it (seconds)."""

    name: str
    run: ScenarioFunction
    timeout: float


_SCENARIOS: dict[str, Scenario] = {}


def scenario(name: str, timeout: float) -> Callable[[ScenarioFunction], ScenarioFunction]:
    """Register the decorated function as scenario ``name``."""

    def register(function: ScenarioFunction) -> ScenarioFunction:
        if name in _SCENARIOS and _SCENARIOS[name].run is not function:
            raise ValueError(f"a scenario named {name!r} is registered already")
        _SCENARIOS[name] = Scenario(name, function, timeout)
        return function

    return register


def all_scenarios() -> dict[str, Scenario]:
    """Every registered scenario by name, in registration order."""
    for module in SCENARIO_MODULES:
        importlib.import_module(module)
    return dict(_SCENARIOS)
