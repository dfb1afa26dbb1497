"""Shopify's GraphQL query cost and its leaky bucket of cost points.

Cost rules (shopify.dev, GraphQL Admin API rate limits; docs/sandbox.md lists the sandbox's reading):

* a scalar or enum field costs 0; an object field 1 (plus its selection); ``__typename`` 0;
* a connection costs 2 plus ``first`` (or ``last``) times the cost of one node (1 + its selection);
  ``pageInfo`` and ``cursor`` are free, and ``edges { node }`` and ``nodes`` count once;
* a list of objects costs as many objects as its ``first`` argument asks (one without it);
* every mutation field costs 10.

The *requested* cost is the static maximum above; the *actual* cost counts what was returned (a
connection that returned 3 nodes costs 2 + 3 × node). A query may request at most 1,000 points.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    get_nullable_type,
    is_leaf_type,
    is_list_type,
)
from graphql.execution.values import get_argument_values

#: The most a single query may request.
MAX_QUERY_COST = 1000
MUTATION_COST = 10
#: GraphQL restore rate (points per second) per plan; the bucket holds 20 seconds of restore
#: (source-apis.md: 1000@50/s and 2000@100/s were seen).
PLAN_RESTORE_RATES: dict[str, float] = {
    "standard": 100.0,
    "advanced": 200.0,
    "plus": 1000.0,
    "enterprise": 2000.0,
}
BUCKET_SECONDS = 20


class CostCalculator:
    """Requested and actual cost of one operation of a parsed, validated document."""

    def __init__(
        self,
        schema: GraphQLSchema,
        operation: OperationDefinitionNode,
        fragments: dict[str, FragmentDefinitionNode],
        variables: dict[str, Any],
    ) -> None:
        self.schema = schema
        self.operation = operation
        self.fragments = fragments
        self.variables = variables

    def requested(self) -> int:
        """The static cost Shopify checks before running the query."""
        if self.operation.operation == OperationType.MUTATION:
            return MUTATION_COST * len(self._fields(self.operation.selection_set))
        root = self.schema.query_type
        assert root is not None
        return self._selection(root, self.operation.selection_set, None)

    def actual(self, data: dict | None) -> int:
        """The cost of what was returned."""
        if self.operation.operation == OperationType.MUTATION:
            return MUTATION_COST * len(self._fields(self.operation.selection_set))
        root = self.schema.query_type
        assert root is not None
        return self._selection(root, self.operation.selection_set, data or {})

    # ----- walking -----------------------------------------------------------------------------------------
    def _fields(self, selection_set: SelectionSetNode | None) -> list[FieldNode]:
        """The field nodes of a selection set, fragments expanded."""
        found: list[FieldNode] = []
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                found.append(selection)
            elif isinstance(selection, InlineFragmentNode):
                found.extend(self._fields(selection.selection_set))
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None:
                    found.extend(self._fields(fragment.selection_set))
        return found

    def _definition(self, parent: Any, name: str) -> GraphQLField | None:
        fields = getattr(parent, "fields", None)
        if fields is not None and name in fields:
            return fields[name]
        for possible in self.schema.get_possible_types(parent) if hasattr(parent, "resolve_type") else ():
            if name in possible.fields:
                return possible.fields[name]
        return None

    def _selection(self, parent: Any, selection_set: SelectionSetNode | None, data: Any) -> int:
        total = 0
        for node in self._fields(selection_set):
            name = node.name.value
            if name.startswith("__"):
                continue
            definition = self._definition(parent, name)
            if definition is None:
                continue
            named = get_named_type(definition.type)
            if is_leaf_type(named):
                continue
            key = node.alias.value if node.alias else name
            if data is not None:
                if not isinstance(data, dict) or data.get(key) is None:
                    continue
                value = data[key]
            else:
                value = None
            if named.name.endswith("Connection"):
                total += self._connection(named, node, definition, value, data is not None)
            elif name == "pageInfo":
                continue
            elif is_list_type(get_nullable_type(definition.type)):
                if value is not None:
                    total += sum(
                        1 + self._selection(named, node.selection_set, item) for item in value if item
                    )
                else:
                    args = get_argument_values(definition, node, self.variables)
                    count = args.get("first") or 1
                    total += count * (1 + self._selection(named, node.selection_set, None))
            else:
                total += 1 + self._selection(named, node.selection_set, value)
        return total

    def _connection(
        self, connection: Any, node: FieldNode, definition: GraphQLField, value: Any, actual: bool
    ) -> int:
        """2 + nodes × node cost (requested: ``first``/``last`` nodes; actual: the nodes returned)."""
        node_type = get_named_type(connection.fields["nodes"].type)
        best = 0
        for part in self._fields(node.selection_set):
            name = part.name.value
            key = part.alias.value if part.alias else name
            if name == "edges":
                for inner in self._fields(part.selection_set):
                    if inner.name.value != "node":
                        continue
                    inner_key = inner.alias.value if inner.alias else "node"
                    if actual:
                        edges = (value or {}).get(key) or []
                        cost = sum(
                            1 + self._selection(node_type, inner.selection_set, e.get(inner_key))
                            for e in edges
                        )
                    else:
                        cost = self._per_node(definition, node, inner.selection_set, node_type)
                    best = max(best, cost)
            elif name == "nodes":
                if actual:
                    items = (value or {}).get(key) or []
                    cost = sum(1 + self._selection(node_type, part.selection_set, item) for item in items)
                else:
                    cost = self._per_node(definition, node, part.selection_set, node_type)
                best = max(best, cost)
        return 2 + best

    def _per_node(
        self,
        definition: GraphQLField,
        node: FieldNode,
        selection_set: SelectionSetNode | None,
        node_type: Any,
    ) -> int:
        args = get_argument_values(definition, node, self.variables)
        size = args.get("first") if args.get("first") is not None else args.get("last")
        return (size or 0) * (1 + self._selection(node_type, selection_set, None))


class CostBucket:
    """The shop's bucket of cost points: ``maximum`` points, restored at ``restore_rate`` per second of
    ``timer`` (seconds). A query needs its requested cost available and is charged its actual cost."""

    def __init__(self, maximum: float, restore_rate: float, timer: Callable[[], float]) -> None:
        self.maximum = maximum
        self.restore_rate = restore_rate
        self._timer = timer
        self._available = float(maximum)
        self._last = timer()
        self._lock = threading.Lock()

    def _restore(self) -> None:
        now = self._timer()
        elapsed = max(0.0, now - self._last)
        self._available = min(self.maximum, self._available + elapsed * self.restore_rate)
        self._last = max(self._last, now)

    def available(self) -> float:
        """Points available now."""
        with self._lock:
            self._restore()
            return self._available

    def admit(self, requested: int) -> bool:
        """Whether a query of this requested cost may run now."""
        with self._lock:
            self._restore()
            return self._available + 1e-9 >= requested

    def charge(self, cost: int) -> None:
        """Take ``cost`` points (the actual cost of a query that ran)."""
        with self._lock:
            self._restore()
            self._available = max(0.0, self._available - cost)

    def reset(self) -> None:
        """Fill the bucket (tests)."""
        with self._lock:
            self._available = float(self.maximum)
            self._last = self._timer()

    def status(self) -> dict:
        """``throttleStatus`` as Shopify reports it."""
        with self._lock:
            self._restore()
            return {
                "maximumAvailable": float(self.maximum),
                "currentlyAvailable": int(self._available),
                "restoreRate": float(self.restore_rate),
            }
