"""How a backfill of many days is split into runs: the one backfill policy every asset shares.

A run has a fixed cost (a process, loading the code, opening the warehouse, Dagster's events), so a
backfill of a year as one run per day pays it 365 times. One run over the whole range pays it once, and
the assets loop over the range themselves, a day at a time, so memory does not grow with it. The figures
behind the default are in bench/RESULTS.md and docs/scaling.md.

``STOREHOUSE_BACKFILL_POLICY`` overrides it: ``single_run``, ``multi_run:N`` (N days per run) or
``per_partition`` (one run per day and tenant).
"""

from __future__ import annotations

import os

import dagster as dg

BACKFILL_POLICY_ENV = "STOREHOUSE_BACKFILL_POLICY"
DEFAULT_BACKFILL_POLICY = "single_run"


def backfill_policy_from(text: str) -> dg.BackfillPolicy | None:
    """The policy named by ``text``; ``None`` (Dagster's one run per partition) for ``per_partition``."""
    name, _, size = text.strip().partition(":")
    if name == "single_run" and not size:
        return dg.BackfillPolicy.single_run()
    if name == "multi_run" and size.isdigit() and int(size) > 0:
        return dg.BackfillPolicy.multi_run(int(size))
    if name == "per_partition" and not size:
        return None
    raise ValueError(
        f"{BACKFILL_POLICY_ENV}={text!r} is not a backfill policy; "
        "use single_run, multi_run:N (N a positive number of days) or per_partition"
    )


BACKFILL_POLICY = backfill_policy_from(os.environ.get(BACKFILL_POLICY_ENV) or DEFAULT_BACKFILL_POLICY)
