"""A bulk load in a process of its own, for the SIGKILL test: runs ``tests.resources.bulk_loads``'
ORDERS query against a sandbox server and stores the records slowly (``pause`` seconds each), so a parent
can kill it while it polls or while it stores. Run as ``python -m tests.resources.bulk_child BASE TOKEN
FOLDER PAUSE``."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path

from resources.shopify.bulk import BulkRunner
from resources.shopify.bulk_state import JsonFileState
from resources.shopify.graphql import ShopifyGraphQLClient
from tests.resources.bulk_loads import ORDERS, store_to


def main(base: str, token: str, folder: str, pause: float) -> None:
    store = store_to(Path(folder) / "orders.jsonl")

    def slow(records: Iterator[dict]) -> int:
        def paced() -> Iterator[dict]:
            for record in records:
                time.sleep(pause)
                yield record

        return store(paced())

    execute = ShopifyGraphQLClient(base, token).bulk_execute
    runner = BulkRunner(execute, Path(folder) / "work", poll_interval=0.01)
    runner.run(ORDERS, JsonFileState(Path(folder) / "state.json"), slow)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]))
