"""The suite's own scheduling: under xdist's ``--dist loadgroup`` a module's tests share one worker, so its
module- and session-scoped fixtures (a materialised warehouse, say) are built once.

pytest-xdist 3.8 groups tests by an ``@group`` suffix it appends to each test's nodeid; pytest 9.2 stopped
reading the attribute xdist writes, so every test went to any worker and the heavy fixtures were built up
to once per test (the suite took minutes longer, silently). This test fails when that happens again."""

import os

import pytest


def test_a_module_s_tests_carry_their_group_to_the_scheduler(request: pytest.FixtureRequest) -> None:
    if "PYTEST_XDIST_WORKER" not in os.environ:
        pytest.skip("the suite runs under xdist (pyproject addopts); this run is in one process (-n 0)")
    assert request.config.option.loadgroup is True, "the suite is meant to run with --dist loadgroup"
    assert request.node.nodeid.endswith("@tests.test_suite_grouping")
