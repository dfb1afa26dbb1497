"""One scenario in a process of its own (started by ``tests.chaos.run``, which bounds it with a timeout).

    python -m tests.chaos.scenario_process NAME SEED ROUNDS WORKDIR [--quick]

Prints the scenario's counts as one JSON line after :data:`MARKER`, last, on stdout.
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

from tests import ephemeral_instance
from tests.chaos.registry import all_scenarios

MARKER = "CHAOS-COUNTS "


def main(argv: list[str]) -> int:
    name, seed, rounds, workdir = argv[0], int(argv[1]), int(argv[2]), Path(argv[3])
    quick = "--quick" in argv[4:]
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s: %(message)s")
    ephemeral_instance.install()  # as in the suite's own processes (tests/ephemeral_instance.py)
    began = time.monotonic()
    counts = all_scenarios()[name].run(seed, rounds, workdir, quick)
    counts.scenario = name
    counts.seconds = round(time.monotonic() - began, 1)
    print(MARKER + counts.to_json(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
