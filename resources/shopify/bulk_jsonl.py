"""A bulk operation's JSONL turned back into records, with memory bounded whatever the file's size.

Shopify writes a bulk query's result flat: one line per object, the nodes of nested connections as lines of
their own carrying ``__parentId`` (their parent's id), *after* their parent but not necessarily right after
it. A record is the root node with every connection replaced by the plain list of its child nodes
(grandchildren nested the same way), which is what a paginated query gives once its ``edges``/``nodes``
are unwrapped.

Because a child may come any distance after its parent, nothing can be emitted before the whole file is
read, and holding it in memory would not scale (a year of a busy shop is gigabytes). :class:`JsonlIndex`
reads the file once to count its lines and roots, put every id into a scratch SQLite database on disk
(checked unique there) and learn whether every child came within its root's run of lines (the root, then
its descendants), as Shopify writes most files. If so, the records are read again from the file, one run
at a time. If not, every line goes into the database (roots and children in two tables; each child
resolved to its root in indexed SQL updates, one per level) and records are assembled one root at a time
by merging the roots (file order) with the children ordered by root. Python holds one record (or one
insert batch) at a time; SQLite holds its page cache (16 MiB, ``sql/bulk_index.sql``) and keeps the rest
on disk.

Nothing is dropped silently: a child whose parent is not in the file, an id seen twice, a child the
:class:`BulkShape` has no place for or a line that is not a JSON object raise :class:`BulkFileError`
naming the ids and line numbers.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from resources.sql_sections import named_sections

#: Rows and bytes of lines inserted per ``executemany`` while indexing (what Python holds at most).
BATCH_ROWS = 5_000
BATCH_BYTES = 1024 * 1024
#: Ids named in an error before "and N more".
NAMED_IDS = 10
#: Levels of nesting resolved below the root (Shopify allows two levels of connections; a little slack).
MAX_LEVELS = 8
PARENT_KEY = "__parentId"


#: The index's statements (``sql/bulk_index.sql``).
SQL = named_sections(Path(__file__).with_name("sql") / "bulk_index.sql")


class BulkFileError(Exception):
    """The JSONL cannot be reassembled without losing or duplicating something (the message says what)."""


class ChildOutOfPlace(Exception):
    """:meth:`JsonlIndex.stream` met a child line after another root than its own: the records it gave
    are not whole. Index the file (:meth:`JsonlIndex.build`) and read :meth:`JsonlIndex.records`."""


@dataclass(frozen=True)
class BulkShape:
    """Where each child line goes in its parent: ``children[parent type][child type]`` is the connection's
    key in the parent (a dotted path for a connection inside an object field, e.g. ``"a.b"``).

    A line's type is its ``__typename`` when the query selects it, else the type in its GID
    (``gid://shopify/LineItem/1`` -> ``LineItem``). Select ``__typename`` in connections whose nodes have
    no id (e.g. discount applications) or whose nodes have several types.
    """

    children: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def places(self) -> dict[str, dict[str | None, tuple[tuple[str, ...], str]]]:
        """``{parent type: {child type: (path to the list's holder, the list's key)}}``; a parent type
        with a single connection also takes children of unknown type (key None) there."""
        out: dict[str, dict[str | None, tuple[tuple[str, ...], str]]] = {}
        for parent_type, keys in self.children.items():
            split = {child_type: _split(key) for child_type, key in keys.items()}
            if len(set(keys.values())) == 1:
                split[None] = next(iter(split.values()))
            out[parent_type] = split
        return out

    def lists(self) -> dict[str, tuple[tuple[tuple[str, ...], str], ...]]:
        """``{type: its connections' (path, key)}``: the empty lists a node of that type starts with."""
        return {
            parent_type: tuple(_split(key) for key in sorted(set(keys.values())))
            for parent_type, keys in self.children.items()
        }


def _split(key: str) -> tuple[tuple[str, ...], str]:
    *path, last = key.split(".")
    return tuple(path), last


def _holder(node: dict, path: tuple[str, ...]) -> dict:
    for part in path:
        node = node.setdefault(part, {})
    return node


_GID = "gid://shopify/"


def line_type(node: dict) -> str | None:
    """``__typename``, else the type named in the node's GID, else None."""
    typename = node.get("__typename")
    if isinstance(typename, str):
        return typename
    node_id = node.get("id")
    if not isinstance(node_id, str):
        return None
    if node_id.startswith(_GID):  # the common case, without splitting the whole id
        end = node_id.find("/", len(_GID))
        return node_id[len(_GID) : end] if end > len(_GID) else None
    if node_id.startswith("gid://"):
        parts = node_id.split("?", 1)[0].split("/")
        if len(parts) >= 5:
            return parts[3]
    return None


@dataclass(frozen=True)
class IndexCounts:
    """What the file holds: every line (objects) and the lines without a parent (roots)."""

    objects: int
    roots: int


def _parse(line: bytes, number: int) -> dict:
    try:
        node = orjson.loads(line)
    except orjson.JSONDecodeError:
        raise BulkFileError(f"line {number} of the bulk file is not JSON") from None
    if not isinstance(node, dict):
        raise BulkFileError(f"line {number} of the bulk file is not a JSON object")
    return node


def _named(ids: list[str], total: int) -> str:
    shown = ", ".join(ids[:NAMED_IDS])
    return shown + (f" and {total - NAMED_IDS} more" if total > NAMED_IDS else "")


class JsonlIndex:
    """One JSONL file's records, with its ids (and its lines, when children come late) in a scratch SQLite
    database (see module doc).

    Use as a context manager; the database file is removed on exit. :meth:`build` reads the file (twice
    when children come late) and checks it, :meth:`records` then yields each root's record in file order.
    """

    def __init__(
        self, jsonl_path: str | os.PathLike[str], db_path: str | os.PathLike[str], shape: BulkShape
    ) -> None:
        self.jsonl_path = os.fspath(jsonl_path)
        self.db_path = os.fspath(db_path)
        self.shape = shape
        self._places = shape.places()
        self._lists = shape.lists()
        self._db: sqlite3.Connection | None = None
        self.counts: IndexCounts | None = None
        #: Whether every child comes within its root's run of lines (then records are read from the file).
        self.contiguous = True

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
        """Read the file: count it, check no id repeats, and when a child comes after another root than its
        own, load the lines into the index and check every child has its parent."""
        self.counts, self.contiguous = self._scan()
        if not self.contiguous:
            self._load()
        return self.counts

    def _lines(self) -> Iterator[tuple[int, bytes, dict]]:
        """(line number, line, parsed object) of every non-blank line."""
        loads, decode_error = orjson.loads, orjson.JSONDecodeError
        with open(self.jsonl_path, "rb") as lines:
            for number, raw in enumerate(lines, start=1):
                line = raw.rstrip()
                if not line:
                    continue
                try:
                    node = loads(line)
                except decode_error:
                    raise BulkFileError(f"line {number} of the bulk file is not JSON") from None
                if not isinstance(node, dict):
                    raise BulkFileError(f"line {number} of the bulk file is not a JSON object")
                yield number, line, node

    def _scan(self) -> tuple[IndexCounts, bool]:
        """Counts, every id into the index (checked unique), and whether every child comes within its
        root's run of lines (root, then its descendants), as Shopify writes most files."""
        db = self.db
        objects = roots = 0
        contiguous = True
        family: set[str] = set()  # the current root's id and its descendants' so far
        ids: list[tuple[str]] = []
        db.execute("BEGIN")
        for number, _line, node in self._lines():
            parent, node_id = node.get(PARENT_KEY), node.get("id")
            objects += 1
            if parent is None:
                if not isinstance(node_id, str):
                    raise BulkFileError(f"line {number} of the bulk file is a root without an id")
                roots += 1
                family = {node_id}
            elif parent in family:
                if isinstance(node_id, str):
                    family.add(node_id)
            else:
                contiguous = False
            if isinstance(node_id, str):
                ids.append((node_id,))
                if len(ids) >= BATCH_ROWS:
                    db.executemany(SQL["insert_id"], ids)
                    ids.clear()
        if ids:
            db.executemany(SQL["insert_id"], ids)
        db.execute("COMMIT")
        self._check_unique()
        return IndexCounts(objects, roots), contiguous

    def _check_unique(self) -> None:
        """:class:`BulkFileError` naming the ids the index holds more than once."""
        db = self.db
        try:
            db.execute(SQL["unique_ids"])
        except sqlite3.IntegrityError:
            repeated = [row[0] for row in db.execute(SQL["repeated_ids"])]
            raise BulkFileError(
                f"ids that appear more than once in the bulk file: {_named(repeated, len(repeated))}"
            ) from None

    def _load(self) -> None:
        """Every line into the index, each child with its root where known at once (see :meth:`_scan`);
        the others resolved in SQL."""
        db = self.db
        batch_bytes = pending = root_seq = 0
        root_rows: list[tuple[int, str, bytes]] = []
        child_rows: list[tuple[int, str | None, str, int | None, bytes]] = []
        family: set[str] = set()
        db.execute("BEGIN")
        for number, line, node in self._lines():
            parent, node_id = node.get(PARENT_KEY), node.get("id")
            if parent is None:
                root_rows.append((number, node_id, line))
                root_seq, family = number, {node_id}
            else:
                known = parent in family
                if known and isinstance(node_id, str):
                    family.add(node_id)
                child_rows.append((number, node_id, parent, root_seq if known else None, line))
            pending += 1
            batch_bytes += len(line)
            if pending >= BATCH_ROWS or batch_bytes >= BATCH_BYTES:
                self._flush(root_rows, child_rows)
                pending = batch_bytes = 0
        self._flush(root_rows, child_rows)
        db.execute("COMMIT")
        db.executescript(SQL["index_lines"])
        self._resolve_roots()
        db.execute(SQL["index_by_root"])

    def _flush(self, root_rows: list, child_rows: list) -> None:
        if root_rows:
            self.db.executemany(SQL["insert_root"], root_rows)
            root_rows.clear()
        if child_rows:
            self.db.executemany(SQL["insert_child"], child_rows)
            child_rows.clear()

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

    # ----- one pass ----------------------------------------------------------------------------------------
    def stream(self, check: Callable[[IndexCounts], None] | None = None) -> Iterator[dict]:
        """Each root's record in file order, read in ONE pass over the file: counted, every id into the
        index, each line parsed once, each root's run reassembled as soon as the next root starts.

        For a file whose children all come within their root's run (as Shopify writes most), this is what
        :meth:`build` then :meth:`records` give, with each line parsed once instead of twice. The checks
        that :meth:`build` makes first come at the end here: a repeated id raises :class:`BulkFileError`,
        and ``check(counts)`` (e.g. the job's counts against the file's) runs, both before the last record
        is given; a line that is not a JSON object raises where it is met. A caller must therefore store
        nothing before the iterator is exhausted. A child after another root than its own raises
        :class:`ChildOutOfPlace` (the index is left empty): the caller drops what it was given and reads
        the file through :meth:`build` and :meth:`records` instead."""
        db = self.db
        objects = roots = 0
        ids: list[tuple[str]] = []
        record: dict | None = None
        family: list[tuple[int, str, dict]] = []
        family_ids: set[str] = set()
        db.execute("BEGIN")
        try:
            for number, _line, node in self._lines():
                parent = node.pop(PARENT_KEY, None)
                node_id = node.get("id")
                objects += 1
                if parent is None:
                    if not isinstance(node_id, str):
                        raise BulkFileError(f"line {number} of the bulk file is a root without an id")
                    roots += 1
                    if record is not None:
                        yield self._place(record, family)
                    record, family, family_ids = node, [], {node_id}
                elif parent in family_ids:
                    if isinstance(node_id, str):
                        family_ids.add(node_id)
                    family.append((number, parent, node))
                else:
                    raise ChildOutOfPlace(f"line {number}: a child of {parent} after another root's lines")
                if isinstance(node_id, str):
                    ids.append((node_id,))
                    if len(ids) >= BATCH_ROWS:
                        db.executemany(SQL["insert_id"], ids)
                        ids.clear()
        except BaseException:  # out of place, a bad line, or the consumer stopped early: nothing half-indexed
            if self._db is db and db.in_transaction:  # (a generator collected after the with-block: closed)
                db.execute("ROLLBACK")
            raise
        if ids:
            db.executemany(SQL["insert_id"], ids)
        db.execute("COMMIT")
        self._check_unique()
        self.counts, self.contiguous = IndexCounts(objects, roots), True
        if check is not None:
            check(self.counts)
        if record is not None:
            yield self._place(record, family)

    # ----- records -----------------------------------------------------------------------------------------
    def records(self) -> Iterator[dict]:
        """Each root with its descendants in their connections' lists, in file order."""
        if self.counts is None:
            raise RuntimeError("JsonlIndex.records() before build()")
        return self._from_file() if self.contiguous else self._from_index()

    def _from_file(self) -> Iterator[dict]:
        """Records of a file whose children all come within their root's run of lines: read again, one
        root's run at a time."""
        record: dict | None = None
        family: list[tuple[int, str, dict]] = []
        for number, _line, node in self._lines():
            parent = node.pop(PARENT_KEY, None)
            if parent is None:
                if record is not None:
                    yield self._place(record, family)
                record, family = node, []
            else:
                family.append((number, parent, node))
        if record is not None:
            yield self._place(record, family)

    def _from_index(self) -> Iterator[dict]:
        """Records from the index: the roots in file order merged with the children ordered by root."""
        roots = self.db.execute(SQL["roots_in_order"])
        children = iter(self.db.cursor().execute(SQL["children_in_order"]))
        pending = next(children, None)
        for seq, body in roots:
            record = _parse(body, seq)
            family: list[tuple[int, str, dict]] = []
            while pending is not None and pending[0] == seq:
                _root, number, parent, child = pending
                node = _parse(child, number)
                del node[PARENT_KEY]
                family.append((number, parent, node))
                pending = next(children, None)
            yield self._place(record, family)

    def _place(self, record: dict, family: list[tuple[int, str, dict]]) -> dict:
        """``record`` with its descendants (line number, parent id, node) placed, in line order."""
        lists, places = self._lists, self._places
        record_type = line_type(record)
        for path, key in lists.get(record_type, ()):  # type: ignore[arg-type]
            _holder(record, path).setdefault(key, [])
        nodes: dict[str, tuple[dict, str | None]] = {record["id"]: (record, record_type)}
        typed = []
        for number, parent, node in family:
            node_type = line_type(node)
            for path, key in lists.get(node_type, ()):  # type: ignore[arg-type]
                _holder(node, path).setdefault(key, [])
            node_id = node.get("id")
            if isinstance(node_id, str):
                nodes[node_id] = (node, node_type)
            typed.append((number, parent, node, node_type))
        for number, parent, node, node_type in typed:
            holder, parent_type = nodes[parent]
            place = places.get(parent_type, {}).get(node_type)  # type: ignore[arg-type]
            if place is None:
                raise BulkFileError(
                    f"line {number}: a {node_type or 'node of unknown type'} ({node.get('id')}) under "
                    f"{parent_type} {holder.get('id')}, for which the bulk shape names no connection"
                )
            path, key = place
            _holder(holder, path).setdefault(key, []).append(node)
        return record
