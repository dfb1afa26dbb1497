"""A bulk operation's JSONL turned back into records, with memory bounded whatever the file's size.

Shopify writes a bulk query's result flat: one line per object, the nodes of nested connections as lines of
their own carrying ``__parentId`` (their parent's id), *after* their parent but not necessarily right after
it. A record is the root node with every connection replaced by the plain list of its child nodes
(grandchildren nested the same way), which is what a paginated query gives once its ``edges``/``nodes``
are unwrapped.

Because a child may come any distance after its parent, nothing can be emitted before the whole file is
read. Holding it in memory would not scale (a year of a busy shop is gigabytes), so the lines go into a
scratch SQLite database on disk (:class:`JsonlIndex`): roots and children in two tables, each child
resolved to its root with two indexed SQL updates, then records are assembled one root at a time by
merging the roots (file order) with the children sorted by root. Python holds one record at a time; SQLite
holds its page cache (16 MiB, ``sql/bulk_index.sql``) and spills the rest to the file.

Nothing is dropped silently: a child whose parent is not in the file, an id seen twice, a child the
:class:`BulkShape` has no place for or a line that is not a JSON object raise :class:`BulkFileError`
naming the ids and line numbers.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

#: Rows and bytes of lines inserted per ``executemany`` while indexing (what Python holds at most).
BATCH_ROWS = 5_000
BATCH_BYTES = 1024 * 1024
#: Ids named in an error before "and N more".
NAMED_IDS = 10
#: Levels of nesting resolved below the root (Shopify allows two levels of connections; a little slack).
MAX_LEVELS = 8
PARENT_KEY = "__parentId"


def _sections(path: Path) -> dict[str, str]:
    """The ``-- name: x`` sections of a SQL file, by name."""
    sections: dict[str, list[str]] = {}
    current: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("-- name: "):
            current = sections.setdefault(line.removeprefix("-- name: ").strip(), [])
        else:
            current.append(line)
    return {name: "\n".join(lines).strip() for name, lines in sections.items()}


#: The index's statements (``sql/bulk_index.sql``).
SQL = _sections(Path(__file__).with_name("sql") / "bulk_index.sql")


class BulkFileError(Exception):
    """The JSONL cannot be reassembled without losing or duplicating something (the message says what)."""


@dataclass(frozen=True)
class BulkShape:
    """Where each child line goes in its parent: ``children[parent type][child type]`` is the connection's
    key in the parent (a dotted path for a connection inside an object field, e.g. ``"a.b"``).

    A line's type is its ``__typename`` when the query selects it, else the type in its GID
    (``gid://shopify/LineItem/1`` -> ``LineItem``). Select ``__typename`` in connections whose nodes have
    no id (e.g. discount applications) or whose nodes have several types.
    """

    children: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def key_for(self, parent: dict, child: dict, line_number: int) -> str:
        parent_type, child_type = line_type(parent), line_type(child)
        places = self.children.get(parent_type or "", {})
        if child_type is None and len(set(places.values())) == 1:
            return next(iter(places.values()))
        key = places.get(child_type or "")
        if key is None:
            raise BulkFileError(
                f"line {line_number}: a {child_type or 'node of unknown type'} ({child.get('id')}) under "
                f"{parent_type} {parent.get('id')}, for which the bulk shape names no connection"
            )
        return key

    def empty_lists(self, node: dict) -> None:
        """Give ``node`` an empty list for each of its type's connections (filled as children come)."""
        for key in set(self.children.get(line_type(node) or "", {}).values()):
            holder = node
            *path, last = key.split(".")
            for part in path:
                holder = holder.setdefault(part, {})
            holder.setdefault(last, [])


def line_type(node: dict) -> str | None:
    """``__typename``, else the type named in the node's GID, else None."""
    typename = node.get("__typename")
    if isinstance(typename, str):
        return typename
    node_id = node.get("id")
    if isinstance(node_id, str) and node_id.startswith("gid://"):
        parts = node_id.split("?", 1)[0].split("/")
        if len(parts) >= 5:
            return parts[3]
    return None


@dataclass(frozen=True)
class IndexCounts:
    """What the file holds: every line (objects) and the lines without a parent (roots)."""

    objects: int
    roots: int


def _named(ids: list[str], total: int) -> str:
    shown = ", ".join(ids[:NAMED_IDS])
    return shown + (f" and {total - NAMED_IDS} more" if total > NAMED_IDS else "")


class JsonlIndex:
    """The lines of one JSONL file in a scratch SQLite database, to assemble records from (see module doc).

    Use as a context manager; the database file is removed on exit. :meth:`build` reads the file once,
    :meth:`records` then yields each root's record in file order.
    """

    def __init__(
        self, jsonl_path: str | os.PathLike[str], db_path: str | os.PathLike[str], shape: BulkShape
    ) -> None:
        self.jsonl_path = os.fspath(jsonl_path)
        self.db_path = os.fspath(db_path)
        self.shape = shape
        self._db: sqlite3.Connection | None = None
        self.counts: IndexCounts | None = None

    def __enter__(self) -> JsonlIndex:
        for stale in (self.db_path, self.db_path + "-journal"):
            if os.path.exists(stale):
                os.unlink(stale)
        self._db = sqlite3.connect(self.db_path, isolation_level=None)
        self._db.executescript(SQL["open"])
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
        if os.path.exists(self.db_path):
            os.unlink(self.db_path)

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            raise RuntimeError("JsonlIndex is used outside its with-block")
        return self._db

    # ----- indexing --------------------------------------------------------------------------------------
    def build(self) -> IndexCounts:
        """Read the file once into the index; check every child has its parent and no id repeats."""
        db = self.db
        objects = roots = batch_bytes = 0
        root_rows: list[tuple[int, str, bytes]] = []
        child_rows: list[tuple[int, Any, str, bytes]] = []
        db.execute("BEGIN")
        with open(self.jsonl_path, "rb") as lines:
            for number, raw in enumerate(lines, start=1):
                line = raw.strip()
                if not line:
                    continue
                try:
                    node = orjson.loads(line)
                except orjson.JSONDecodeError:
                    raise BulkFileError(f"line {number} of the bulk file is not JSON") from None
                if not isinstance(node, dict):
                    raise BulkFileError(f"line {number} of the bulk file is not a JSON object")
                objects += 1
                parent = node.get(PARENT_KEY)
                if parent is None:
                    node_id = node.get("id")
                    if not isinstance(node_id, str):
                        raise BulkFileError(f"line {number} of the bulk file is a root without an id")
                    roots += 1
                    root_rows.append((number, node_id, line))
                else:
                    child_rows.append((number, node.get("id"), str(parent), line))
                batch_bytes += len(line)
                if batch_bytes >= BATCH_BYTES or len(root_rows) + len(child_rows) >= BATCH_ROWS:
                    self._flush(root_rows, child_rows)
                    batch_bytes = 0
        self._flush(root_rows, child_rows)
        db.execute("COMMIT")
        self._check_unique()
        self._resolve_roots()
        db.execute(SQL["index_by_root"])
        self.counts = IndexCounts(objects, roots)
        return self.counts

    def _flush(self, root_rows: list, child_rows: list) -> None:
        if root_rows:
            self.db.executemany(SQL["insert_root"], root_rows)
            root_rows.clear()
        if child_rows:
            self.db.executemany(SQL["insert_child"], child_rows)
            child_rows.clear()

    def _check_unique(self) -> None:
        """Every id once in the whole file (a repeated order or line item would be counted twice)."""
        repeated = self.db.execute(SQL["repeated_ids"]).fetchall()
        if repeated:
            ids = [row[0] for row in repeated]
            raise BulkFileError(f"ids that appear more than once in the bulk file: {_named(ids, len(ids))}")
        self.db.executescript(SQL["index_ids"])

    def _resolve_roots(self) -> None:
        """Give every child the line number of its root: direct children first, then each level below."""
        db = self.db
        db.execute(SQL["resolve_direct"])
        unresolved = db.execute(SQL["count_unresolved"]).fetchone()[0]
        for _level in range(MAX_LEVELS):
            if not unresolved:
                return
            db.execute(SQL["resolve_level"])
            left = db.execute(SQL["count_unresolved"]).fetchone()[0]
            if left == unresolved:
                break
            unresolved = left
        if unresolved:
            orphans = db.execute(SQL["orphans"], (NAMED_IDS,)).fetchall()
            named = [f"{child} (parent {parent})" for child, parent in orphans]
            raise BulkFileError(
                f"{unresolved} child lines of the bulk file have no parent in it: {_named(named, unresolved)}"
            )

    # ----- records -----------------------------------------------------------------------------------------
    def records(self) -> Iterator[dict]:
        """Each root with its descendants in their connections' lists, in file order."""
        if self.counts is None:
            raise RuntimeError("JsonlIndex.records() before build()")
        roots = self.db.execute(SQL["roots_in_order"])
        children = self.db.cursor().execute(SQL["children_in_order"])
        pending = children.fetchone()
        for seq, body in roots:
            record = orjson.loads(body)
            family: list[tuple[int, str, bytes]] = []
            while pending is not None and pending[0] == seq:
                family.append(pending[1:])
                pending = children.fetchone()
            yield self._assemble(record, family)

    def _assemble(self, record: dict, family: list[tuple[int, str, bytes]]) -> dict:
        """``record`` with its descendants (line number, parent id, line) placed, in line order."""
        self.shape.empty_lists(record)
        nodes: dict[str, dict] = {record["id"]: record}
        parsed = []
        for number, parent, body in family:
            node = orjson.loads(body)
            del node[PARENT_KEY]
            self.shape.empty_lists(node)
            if isinstance(node.get("id"), str):
                nodes[node["id"]] = node
            parsed.append((number, parent, node))
        for number, parent, node in parsed:
            holder = nodes[parent]
            key = self.shape.key_for(holder, node, number)
            *path, last = key.split(".")
            for part in path:
                holder = holder.setdefault(part, {})
            holder.setdefault(last, []).append(node)
        return record
