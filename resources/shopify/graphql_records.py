"""The shape of a GraphQL record, shared by the paginated client and the bulk operations runner.

A *GraphQL record* is a node as the GraphQL Admin API returns it, with every connection inside it
(``{"edges": [{"node": …}], "pageInfo": …}`` or ``{"nodes": […], "pageInfo": …}``) replaced by the plain
list of its nodes. A bulk operation's JSONL, once its ``__parentId`` children are put back under their
parents, is that shape already; a paginated answer becomes it through :func:`unwrap_connections`. The
translation to REST records (``platform_assets/sources/shopify/graphql_translate.py``) reads only this
shape, so both ways of fetching stage alike.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def is_connection(value: object) -> bool:
    """Whether ``value`` is a connection object: a dict of ``edges`` and/or ``nodes`` (and ``pageInfo``)."""
    return (
        isinstance(value, dict)
        and ("edges" in value or "nodes" in value)
        and set(value) <= {"edges", "nodes", "pageInfo"}
    )


def connection_nodes(connection: dict) -> list[Any]:
    """The nodes of a connection object, from ``nodes`` or else ``edges[].node``."""
    if "nodes" in connection:
        return list(connection["nodes"] or [])
    return [edge["node"] for edge in connection.get("edges") or []]


def unwrap_connections(value: Any, truncated: list[dict] | None = None) -> Any:
    """``value`` with every connection in it (at any depth) replaced by the list of its nodes, unwrapped
    in turn. Lists and other objects are kept, with their contents unwrapped; scalars are returned as is.

    ``truncated``, when given, receives every connection met whose ``pageInfo.hasNextPage`` is true (what
    :func:`truncated_connections` finds, without the paths), so one walk both checks and unwraps."""
    if isinstance(value, dict):
        if is_connection(value):
            if truncated is not None and (value.get("pageInfo") or {}).get("hasNextPage"):
                truncated.append(value)
            return [unwrap_connections(node, truncated) for node in connection_nodes(value)]
        # scalars (most values) are kept without a call
        return {
            key: unwrap_connections(item, truncated) if isinstance(item, (dict, list)) else item
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [
            unwrap_connections(item, truncated) if isinstance(item, (dict, list)) else item for item in value
        ]
    return value


def truncated_connections(value: Any, path: str = "") -> Iterator[tuple[str, dict]]:
    """Every connection inside ``value`` whose ``pageInfo.hasNextPage`` says it holds more nodes than were
    returned, as ``(path, connection)`` (the path like ``lineItems`` or ``refunds[0].transactions``)."""
    if isinstance(value, dict):
        if is_connection(value):
            if (value.get("pageInfo") or {}).get("hasNextPage"):
                yield path, value
            for index, node in enumerate(connection_nodes(value)):
                yield from truncated_connections(node, f"{path}[{index}]")
            return
        for key, item in value.items():
            yield from truncated_connections(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from truncated_connections(item, f"{path}[{index}]")
