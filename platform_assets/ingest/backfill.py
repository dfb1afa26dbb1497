"""How a backfill of many days is split into runs: the one backfill policy every asset shares.

A run has a fixed cost (a process, loading the code, opening the warehouse, Dagster's events), so a
backfill of a year as one run per day pays it 365 times. One run over the whole range pays it once, and
the assets loop over the range themselves, a day at a time, so memory does not grow with it. The figures
behind the default are in bench/RESULTS.md and docs/scaling.md.

``STOREHOUSE_BACKFILL_POLICY`` overrides it: ``single_run``, ``multi_run:N`` (N days per run) or
``per_partition`` (one run per day and tenant).
"""

from __future__ import annotations

import warnings

import dagster as dg

from platform_assets.settings import parse_backfill_policy, settings


def backfill_policy_from(text: str) -> dg.BackfillPolicy | None:
    """The policy named by ``text``; ``None`` (Dagster's one run per partition) for ``per_partition``."""
    name, size = parse_backfill_policy(text)
    if name == "single_run":
        return dg.BackfillPolicy.single_run()
    if name == "multi_run" and size is not None:
        return dg.BackfillPolicy.multi_run(size)
    return None


BACKFILL_POLICY = backfill_policy_from(settings().backfill_policy)

# Dagster 1.13 marks `backfill_policy` as beta and says so once per asset. The policy is ours to choose
# (docs/scaling.md), so the notice is silenced in every process that defines the assets: the command, the
# code server, the run's process and the worker processes' forkserver, whose output is the user's terminal.
warnings.filterwarnings("ignore", message="Parameter `backfill_policy`", category=dg.BetaWarning)
