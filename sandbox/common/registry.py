"""A process-wide registry of simulated shops or sites, addressed by name: presets are built lazily on
first use and cached; tests install their own with :meth:`Registry.register` and remove them with
:meth:`Registry.unregister`."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    """Named simulated stores; ``build(name)`` builds a preset on first use (``KeyError`` if unknown)."""

    def __init__(self, build: Callable[[str], T]) -> None:
        self._build = build
        self._items: dict[str, T] = {}
        self._lock = threading.Lock()

    def get(self, name: str) -> T:
        """The store registered under ``name``, building a preset on first use. ``KeyError`` if unknown."""
        with self._lock:
            item = self._items.get(name)
            if item is None:
                item = self._build(name)
                self._items[name] = item
            return item

    def register(self, name: str, item: T) -> None:
        """Serve ``item`` under ``name`` (replacing any of that name)."""
        with self._lock:
            self._items[name] = item

    def unregister(self, name: str) -> None:
        """Forget the store registered under ``name`` (a preset is rebuilt on next use)."""
        with self._lock:
            self._items.pop(name, None)

    def names(self) -> list[str]:
        """Names of the stores built or registered so far."""
        with self._lock:
            return sorted(self._items)
