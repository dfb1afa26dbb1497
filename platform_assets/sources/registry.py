"""The registry of sources: every platform Storehouse reads, one line each.

Definitions, the conformed layer, the checks, the schedule and the sensors are assembled from it. Each
entry names a source's package, which holds ``connection.py`` (its tenants-file settings, ``CONNECTION``)
and ``source.py`` (its :class:`~platform_assets.sources.contract.Source`, ``SOURCE``). They are imported by
name when first asked for, so the tenants module (which the sources' assets use) can read the connection
types without importing every source's assets.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module
from typing import TYPE_CHECKING

from platform_assets.warehouse.tables import ALL_PLATFORMS, SHARED_TABLES

if TYPE_CHECKING:
    import dagster as dg

    from platform_assets.sources.contract import Source
    from platform_assets.tenants import Connection
    from platform_assets.warehouse.schema import TableSpec

#: One line per source.
SOURCE_PACKAGES: tuple[str, ...] = ("platform_assets.sources.shopify", "platform_assets.sources.woocommerce")


class RegistryError(ValueError):
    """Two sources claim one platform name, or a source takes a name the shared layers reserve."""


def check_platform_names(names: list[str]) -> None:
    """Platform names are unique, lowercase identifiers, and never ``all``: agg_daily_sales's rows across
    platforms carry that name (``ALL_PLATFORMS``), so a source called so would mix with the totals."""
    for name in names:
        if name == ALL_PLATFORMS:
            raise RegistryError(f"platform name {name!r} is reserved for the rows across platforms")
        if not name.isidentifier() or name != name.lower():
            raise RegistryError(f"platform name {name!r} must be a lowercase identifier (e.g. 'woocommerce')")
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise RegistryError(
            f"platform {', '.join(map(repr, repeated))} is registered by more than one source"
        )


@cache
def connection_types() -> dict[str, type[Connection]]:
    """Each platform's connection model, by platform name, in registry order."""
    types = [import_module(f"{package}.connection").CONNECTION for package in SOURCE_PACKAGES]
    check_platform_names([model.platform for model in types])
    return {model.platform: model for model in types}


@cache
def sources() -> tuple[Source, ...]:
    """Every registered source, in registry order."""
    return tuple(import_module(f"{package}.source").SOURCE for package in SOURCE_PACKAGES)


def source(platform: str) -> Source:
    """The source of ``platform``; a KeyError naming the registered ones otherwise."""
    for candidate in sources():
        if candidate.platform == platform:
            return candidate
    raise KeyError(f"no source for platform {platform!r}; registered: {', '.join(connection_types())}")


def api_reading_keys() -> set[dg.AssetKey]:
    """The keys of every asset that calls a platform's API: each source's raw assets and its
    ``api_assets``. What a run from stored raw files alone leaves out."""
    return {
        key
        for registered in sources()
        for asset in [*registered.raw_assets, *registered.api_assets]
        for key in asset.keys
    }


def warehouse_tables() -> list[TableSpec]:
    """Every warehouse table: each source's staging tables, then the platform-neutral ones."""
    return [*(spec for registered in sources() for spec in registered.staging_tables), *SHARED_TABLES]
