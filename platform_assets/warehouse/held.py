"""``holding_warehouse``: the decorator that runs an asset's or a check's body with its warehouse held open
(``WarehouseResource.held``), so that the body's many short connections to a DuckDB file share one open
database instead of opening the file again each time (about 20 ms apiece, some 80 times a run)."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

Body = TypeVar("Body", bound=Callable[..., Any])


def holding_warehouse(body: Body) -> Body:
    """``body`` (called by Dagster with its resources as keyword arguments, ``warehouse`` among them) run
    inside ``warehouse.held()``; a generator body keeps it held until it is exhausted. The signature Dagster
    reads is ``body``'s own."""
    if inspect.isgeneratorfunction(body):

        @functools.wraps(body)
        def generating(*args: Any, **kwargs: Any) -> Any:
            with kwargs["warehouse"].held():
                yield from body(*args, **kwargs)

        return generating  # type: ignore[return-value]

    @functools.wraps(body)
    def returning(*args: Any, **kwargs: Any) -> Any:
        with kwargs["warehouse"].held():
            return body(*args, **kwargs)

    return returning  # type: ignore[return-value]
