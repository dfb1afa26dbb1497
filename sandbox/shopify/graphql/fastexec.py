"""A lean executor for bulk operations: the validated query compiled once, then run over the resolvers'
dict objects without graphql-core's per-field machinery (which costs several milliseconds per order).

It does what a bulk query needs and nothing more: aliases, arguments (literals and schema defaults; bulk
queries have no variables), inline fragments and fragment spreads, ``__typename``. Values are already in
their serialized form (strings, numbers, booleans, enum names), as the resolvers build them. Resolver
errors (``GraphQLError``) propagate to the caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    InlineFragmentNode,
    SelectionSetNode,
    get_named_type,
    is_abstract_type,
)
from graphql.execution.values import get_argument_values


@dataclass(frozen=True)
class Entry:
    """One selected field: response key, field name, arguments, sub-selection, type condition."""

    key: str
    name: str
    args: dict[str, Any]
    sub: tuple[Entry, ...] | None
    #: Only for objects of this ``__typename`` (None: always).
    condition: str | None
    #: For ``__typename`` on a concrete type: its name (the resolvers' dicts carry it only for
    #: interface and union members).
    typename: str | None = None


def compile_selection(
    schema: GraphQLSchema,
    parent: Any,
    selection_set: SelectionSetNode | None,
    fragments: dict[str, FragmentDefinitionNode],
    condition: str | None = None,
) -> tuple[Entry, ...]:
    """The entries of a selection set on ``parent`` (a GraphQL named type)."""
    entries: list[Entry] = []
    for selection in selection_set.selections if selection_set else ():
        if isinstance(selection, FieldNode):
            name = selection.name.value
            key = selection.alias.value if selection.alias else name
            if name == "__typename":
                concrete = None if is_abstract_type(parent) else parent.name
                entries.append(Entry(key, name, {}, None, condition, concrete))
                continue
            definition = parent.fields[name]
            args = get_argument_values(definition, selection, {})
            named = get_named_type(definition.type)
            sub = (
                compile_selection(schema, named, selection.selection_set, fragments)
                if selection.selection_set is not None
                else None
            )
            entries.append(Entry(key, name, args, sub, condition))
            continue
        if isinstance(selection, InlineFragmentNode):
            type_name = selection.type_condition.name.value if selection.type_condition else parent.name
            inner_set = selection.selection_set
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments[selection.name.value]
            type_name, inner_set = fragment.type_condition.name.value, fragment.selection_set
        else:
            continue
        target = schema.get_type(type_name)
        narrowed = None if type_name == parent.name or is_abstract_type(target) else type_name
        entries.extend(compile_selection(schema, target, inner_set, fragments, narrowed or condition))
    return tuple(entries)


def run(value: Any, entries: tuple[Entry, ...], info: SimpleNamespace) -> Any:
    """The response of ``entries`` on a resolved object (or list of objects)."""
    if value is None:
        return None
    if isinstance(value, list):
        return [run(item, entries, info) for item in value]
    out: dict[str, Any] = {}
    typename = value.get("__typename")
    for entry in entries:
        if entry.condition is not None and typename is not None and entry.condition != typename:
            continue
        if entry.name == "__typename":
            out[entry.key] = typename or entry.typename
            continue
        field = value.get(entry.name)
        if callable(field):
            field = field(info, **entry.args)
        if entry.sub is not None and field is not None:
            field = run(field, entry.sub, info)
        if entry.key in out and isinstance(out[entry.key], dict) and isinstance(field, dict):
            out[entry.key] = {**out[entry.key], **field}  # the same field selected twice (fragments)
        else:
            out[entry.key] = field
    return out
