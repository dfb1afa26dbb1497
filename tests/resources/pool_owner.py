"""A process that uses the worker pools the way a run does, then blocks until it is killed: the page
encoder's pool after encoding a page, and a staging pool whose workers are busy. Prints "ready" once
every worker process exists. Run as ``python -m tests.resources.pool_owner``."""

from __future__ import annotations

import json
import time

from resources.page_encoding import PageEncoder
from resources.worker_processes import process_pool

WORKERS = 2


def main() -> None:
    body = json.dumps({"orders": [{"id": i} for i in range(10)]}).encode()
    with PageEncoder(workers=WORKERS, min_pool_bytes=0) as encoder:
        encoder.encode(body, "orders")  # starts the forkserver, the resource tracker and a page worker
        with process_pool(WORKERS) as staging:
            for _ in range(WORKERS):
                staging.submit(time.sleep, 600)  # each submit starts a worker: none is idle
            print("ready", flush=True)
            time.sleep(600)


if __name__ == "__main__":
    main()
