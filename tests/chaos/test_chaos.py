"""The fault suite, small (one seed, one round, quick): every scenario's counts must all be zero.

Each scenario runs in its own process, bounded by its timeout (a timeout counts as hung). The full
suite is ``make chaos`` (docs/reliability.md).
"""

import pytest

from tests.chaos.counts import BAD_COUNTS
from tests.chaos.registry import all_scenarios
from tests.chaos.run import run_scenario

#: Independent tests: xdist spreads them over its workers (tests/conftest.py).
pytestmark = pytest.mark.spread

SCENARIOS = all_scenarios()


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_scenario_loses_duplicates_leaks_hangs_and_leaves_nothing(name, tmp_path):
    counts = run_scenario(
        name, seed=1, rounds=1, workdir=tmp_path, quick=True, timeout=SCENARIOS[name].timeout
    )
    assert {n: getattr(counts, n) for n in BAD_COUNTS} == dict.fromkeys(BAD_COUNTS, 0), counts.notes
