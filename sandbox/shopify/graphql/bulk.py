"""Bulk operations: ``bulkOperationRunQuery``, their lifecycle and the JSONL file they leave.

A job's query is validated when it is submitted (one top-level connection; at most five connections,
nested at most two deep, never inside a list; nodes of a connection with a nested connection select
``id``). The file is then written in a background thread, page by page of the top-level connection
(250 objects at a time), straight to a file on disk: a shop of millions of orders is never held in memory.
One line per object; the nodes of nested connections are lines of their own with ``__parentId`` (the id
of their parent), after their parent.

The job's *status* follows a duration model on the front's timer (sandbox seconds, see ``endpoint.py``):
``CREATED`` for ``bulk_start_seconds``, then ``RUNNING`` while ``objectCount`` grows at
``bulk_objects_per_second`` (and until the file is written), then ``COMPLETED`` with ``url``. The URL
serves the file until ``bulk_url_ttl_seconds`` after completion (then 403). Planted faults
(:class:`BulkFault`, or the ``bulk_*`` kinds of ``defects.py``) make the next job ``FAILED``
(``INTERNAL_SERVER_ERROR`` with a ``partialDataUrl`` of the lines written before the failure, or
``ACCESS_DENIED``) or ``EXPIRED``.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
import threading
import weakref
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import orjson
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    get_nullable_type,
    is_list_type,
    parse,
    validate,
)

from sandbox.shopify.defects import BULK_KINDS, Defect
from sandbox.shopify.graphql.fastexec import compile_selection, run
from sandbox.shopify.graphql.values import gid, utc_text

if TYPE_CHECKING:
    from sandbox.shopify.graphql.endpoint import GraphQLFront

TERMINAL = frozenset({"COMPLETED", "FAILED", "CANCELED", "EXPIRED"})
MAX_CONNECTIONS = 5
MAX_DEPTH = 2
ERROR_IN_PROGRESS = "A bulk query operation for this app and shop is already in progress: {gid}."
ERROR_NO_CONNECTION = "Bulk queries must contain at least one connection."
ERROR_ONE_ROOT = "Bulk queries must contain exactly one top-level field."
ERROR_TOO_MANY = f"Bulk queries cannot contain more than {MAX_CONNECTIONS} connections."
ERROR_TOO_DEEP = f"Bulk queries cannot contain connections with a nesting depth greater than {MAX_DEPTH}."
ERROR_IN_LIST = "Queries that contain a connection field within a list field are not currently supported."
ERROR_PARENT_ID = (
    "The parent 'node' field for a nested connection must select the 'id' field without an alias and "
    "must be of 'ID' return type. Connection fields without 'id': {fields}."
)
BULK_FILE_PREFIX = "/bulk-operations/"
#: Finished jobs whose files are kept per shop (older files are deleted).
KEPT_FILES = 20


@dataclass
class BulkFault:
    """A failure planted on the next bulk query job of a shop.

    ``kind``: ``"fail"`` (``FAILED``, ``INTERNAL_SERVER_ERROR``, ``partialDataUrl`` with the first
    ``after_objects`` lines), ``"expire"`` (``EXPIRED`` once it would have completed) or
    ``"access_denied"`` (``FAILED``, ``ACCESS_DENIED``, at once).
    """

    kind: str
    after_objects: int = 0

    def __post_init__(self) -> None:
        if self.kind not in {"fail", "expire", "access_denied"}:
            raise ValueError(f"unknown bulk fault kind {self.kind!r}")


@dataclass
class _Plan:
    """Where the connections of a bulk query are: the node selection of each, and its children."""

    selection: SelectionSetNode | None
    node_type: Any
    #: (path of response keys from the node to the connection, child plan)
    children: list[tuple[list[str], _Plan]] = field(default_factory=list)


@dataclass
class BulkJob:
    """One bulk query operation."""

    number: int
    query: str
    document: DocumentNode
    root_key: str
    plan: _Plan
    created_at: datetime
    started: float
    base_url: str
    fault: BulkFault | None
    path: str
    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    partial_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    objects: int = 0
    roots: int = 0
    size: int = 0
    partial_size: int = 0
    written: bool = False
    error: str | None = None
    canceled_at: float | None = None
    canceled_clock: datetime | None = None
    thread: threading.Thread | None = None

    @property
    def gid(self) -> str:
        return gid("BulkOperation", self.number)


class BulkOperations:
    """The bulk query jobs of one shop."""

    def __init__(self, front: GraphQLFront, schema: GraphQLSchema) -> None:
        self.front = front
        self.schema = schema
        self.jobs: list[BulkJob] = []
        self.faults: list[BulkFault] = []
        self._lock = threading.Lock()
        self._directory: str | None = None
        self._next_number = 1
        self._taken: list[Defect] = []

    # ----- submission ------------------------------------------------------------------------------------
    def plant(self, fault: BulkFault) -> None:
        """Plant a failure on the next job submitted."""
        with self._lock:
            self.faults.append(fault)

    def run_query(self, query: str, base_url: str, version: str) -> dict:
        """``bulkOperationRunQuery``: the payload ``{bulkOperation, userErrors}``."""
        try:
            document, root_key, plan = self._validate(query)
        except GraphQLError as error:
            return {"bulkOperation": None, "userErrors": [self._user_error(error.message, "INVALID")]}
        with self._lock:
            running = [job for job in self.jobs if self.status(job)["status"] not in TERMINAL]
            if len(running) >= self.front.bulk_concurrency(version):
                message = ERROR_IN_PROGRESS.format(gid=running[-1].gid)
                return {
                    "bulkOperation": None,
                    "userErrors": [self._user_error(message, "OPERATION_IN_PROGRESS")],
                }
            number = self.front.shop.spec.shop_id * 1000 + self._next_number
            self._next_number += 1
            fault = self.faults.pop(0) if self.faults else self._planted_defect()
            job = BulkJob(
                number=number,
                query=query,
                document=document,
                root_key=root_key,
                plan=plan,
                created_at=self.front.shop.clock,
                started=self.front.now(),
                base_url=base_url,
                fault=fault,
                path=os.path.join(self._dir(), f"{number}.jsonl"),
            )
            self.jobs.append(job)
            self._prune()
        created = self.view(job)
        created["status"] = "CREATED"
        if fault is None or fault.kind != "access_denied":
            job.thread = threading.Thread(target=self._write, args=(job,), name=f"bulk-{number}", daemon=True)
            job.thread.start()
        else:
            job.written = True
        return {"bulkOperation": created, "userErrors": []}

    def _planted_defect(self) -> BulkFault | None:
        """The fault of the first bulk defect planted on the shop (``defects.py``) no job took yet."""
        for defect in self.front.shop.defects:
            if defect.kind in BULK_KINDS and not any(defect is taken for taken in self._taken):
                self._taken.append(defect)
                return BulkFault(defect.kind.removeprefix("bulk_"), defect.objects)
        return None

    @staticmethod
    def _user_error(message: str, code: str) -> dict:
        return {"field": ["query"], "message": message, "code": code}

    def _dir(self) -> str:
        if self._directory is None:
            configured = self.front.settings.bulk_directory
            if configured:
                os.makedirs(configured, exist_ok=True)
                self._directory = configured
            else:
                self._directory = tempfile.mkdtemp(prefix=f"sandbox-bulk-{self.front.shop.name}-")
                # the temporary directory goes with the shop's bulk operations (or at exit)
                weakref.finalize(self, shutil.rmtree, self._directory, True)
        return self._directory

    def _prune(self) -> None:
        finished = [job for job in self.jobs if job.written]
        for job in finished[:-KEPT_FILES]:
            for path in (job.path, job.path + ".partial"):
                if os.path.exists(path):
                    os.unlink(path)

    # ----- validation ------------------------------------------------------------------------------------
    def _validate(self, query: str) -> tuple[DocumentNode, str, _Plan]:
        try:
            document = parse(query)
        except GraphQLError as error:
            raise GraphQLError(f"Invalid bulk query: {error.message}") from None
        errors = validate(self.schema, document)
        if errors:
            raise GraphQLError(f"Invalid bulk query: {errors[0].message}")
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        if len(operations) != 1 or operations[0].operation != OperationType.QUERY:
            raise GraphQLError("Invalid bulk query: a bulk query must be a single query operation.")
        roots = [s for s in operations[0].selection_set.selections if isinstance(s, FieldNode)]
        if len(roots) != 1:
            raise GraphQLError(ERROR_ONE_ROOT)
        root = roots[0]
        query_type = self.schema.query_type
        assert query_type is not None
        definition = query_type.fields.get(root.name.value)
        named = get_named_type(definition.type) if definition else None
        if named is None or not named.name.endswith("Connection"):
            raise GraphQLError(ERROR_NO_CONNECTION)
        counter = {"connections": 1, "missing_id": []}
        plan = self._plan(named, root, 1, counter, root.name.value)
        if counter["connections"] > MAX_CONNECTIONS:
            raise GraphQLError(ERROR_TOO_MANY)
        if counter["missing_id"]:
            raise GraphQLError(ERROR_PARENT_ID.format(fields=", ".join(counter["missing_id"])))
        return document, root.alias.value if root.alias else root.name.value, plan

    def _node_selection(self, field_node: FieldNode) -> SelectionSetNode | None:
        for part in field_node.selection_set.selections if field_node.selection_set else ():
            if not isinstance(part, FieldNode):
                continue
            if part.name.value == "nodes":
                return part.selection_set
            if part.name.value == "edges":
                for inner in part.selection_set.selections if part.selection_set else ():
                    if isinstance(inner, FieldNode) and inner.name.value == "node":
                        return inner.selection_set
        return None

    def _plan(self, connection: Any, field_node: FieldNode, depth: int, counter: dict, name: str) -> _Plan:
        node_type = get_named_type(connection.fields["nodes"].type)
        selection = self._node_selection(field_node)
        plan = _Plan(selection, node_type)
        self._collect(plan, node_type, selection, [], depth, counter, in_list=False)
        if plan.children and not any(
            isinstance(s, FieldNode) and s.name.value == "id" and s.alias is None
            for s in (selection.selections if selection else ())
        ):
            counter["missing_id"].append(name)
        return plan

    def _collect(
        self,
        plan: _Plan,
        parent: Any,
        selection: SelectionSetNode | None,
        path: list[str],
        depth: int,
        counter: dict,
        in_list: bool,
    ) -> None:
        for part in selection.selections if selection else ():
            if not isinstance(part, FieldNode) or part.name.value.startswith("__"):
                continue
            fields = getattr(parent, "fields", {})
            definition = fields.get(part.name.value)
            if definition is None:
                continue
            named = get_named_type(definition.type)
            key = part.alias.value if part.alias else part.name.value
            if named.name.endswith("Connection"):
                if in_list:
                    raise GraphQLError(ERROR_IN_LIST)
                if depth + 1 > MAX_DEPTH:
                    raise GraphQLError(ERROR_TOO_DEEP)
                counter["connections"] += 1
                plan.children.append((path + [key], self._plan(named, part, depth + 1, counter, key)))
            elif hasattr(named, "fields") and part.selection_set is not None:
                listed = in_list or is_list_type(get_nullable_type(definition.type))
                self._collect(plan, named, part.selection_set, path + [key], depth, counter, listed)

    # ----- writing the file ------------------------------------------------------------------------------
    def _write(self, job: BulkJob) -> None:
        """Write the job's JSONL page by page of the top-level connection (runs in its own thread)."""
        from sandbox.shopify.graphql.resolvers import Builder

        fault = job.fault
        limit = fault.after_objects if fault is not None and fault.kind == "fail" else None
        context: dict[str, Any] = {
            "bulk": True,
            "bulk_after": None,
            "bulk_next": None,
            "builder": Builder(self.front.shop),
            "front": self.front,
        }
        info = SimpleNamespace(context=context)
        definitions = job.document.definitions
        operation = next(d for d in definitions if isinstance(d, OperationDefinitionNode))
        fragments = {d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)}
        query_type = self.schema.query_type
        assert query_type is not None
        try:
            root = compile_selection(self.schema, query_type, operation.selection_set, fragments)[0]
            resolve = query_type.fields[root.name].resolve
            assert resolve is not None and root.sub is not None
            with open(job.path, "wb") as out:
                while job.canceled_at is None:
                    try:
                        page = run(resolve(None, info, **root.args), root.sub, info) or {}
                    except GraphQLError as error:
                        code = (error.extensions or {}).get("code")
                        job.error = "ACCESS_DENIED" if code == "ACCESS_DENIED" else "INTERNAL_SERVER_ERROR"
                        break
                    for node in _nodes(page):
                        for line in self._lines(node, job.plan, None):
                            if limit is not None and job.objects >= limit:
                                break
                            text = orjson.dumps(line) + b"\n"
                            out.write(text)
                            job.objects += 1
                            job.size += len(text)
                        if limit is not None and job.objects >= limit:
                            break
                        job.roots += 1
                    if limit is not None and job.objects >= limit:
                        job.error = "INTERNAL_SERVER_ERROR"
                        break
                    has_next, end_cursor = context["bulk_next"] or (False, None)
                    if not has_next:
                        break
                    context["bulk_after"] = end_cursor
        except Exception:  # noqa: BLE001 - a crash of the writer is the job's INTERNAL_SERVER_ERROR
            job.error = "INTERNAL_SERVER_ERROR"
        if job.error is not None and job.objects:
            os.replace(job.path, job.path + ".partial")
            job.partial_size = job.size
        job.written = True

    def _lines(self, node: dict, plan: _Plan, parent_id: str | None) -> list[dict]:
        """The node's own line (its nested connections taken out), then its children's lines."""
        line = dict(node)
        children: list[tuple[list[dict], _Plan]] = []
        for path, child_plan in plan.children:
            holder: Any = line
            for key in path[:-1]:
                if not isinstance(holder, dict) or holder.get(key) is None:
                    holder = None
                    break
                holder[key] = dict(holder[key])
                holder = holder[key]
            if holder is None:
                continue
            connection = holder.pop(path[-1], None)
            if connection is not None:
                children.append((_nodes(connection), child_plan))
        if parent_id is not None:
            line["__parentId"] = parent_id
        lines = [line]
        for items, child_plan in children:
            for item in items:
                lines.extend(self._lines(item, child_plan, node.get("id")))
        return lines

    # ----- status ----------------------------------------------------------------------------------------
    def status(self, job: BulkJob) -> dict:
        """Status, error code, counts and completion of a job as of now (see the module docstring)."""
        settings = self.front.settings
        now = self.front.now()
        elapsed = now - job.started
        rate = settings.bulk_objects_per_second
        fault = job.fault
        if fault is not None and fault.kind == "access_denied":
            return self._state(job, "FAILED", "ACCESS_DENIED", 0, 0, job.started)
        if job.canceled_at is not None:
            done = min(
                job.objects, int(max(0.0, job.canceled_at - job.started - settings.bulk_start_seconds) * rate)
            )
            return self._state(job, "CANCELED", None, done, 0, job.canceled_at)
        if elapsed < settings.bulk_start_seconds:
            return self._state(job, "CREATED", None, 0, 0, None)
        modeled = int((elapsed - settings.bulk_start_seconds) * rate) if rate > 0 else 0
        duration = settings.bulk_start_seconds + (job.objects / rate if rate > 0 else 0.0)
        if not job.written or elapsed < duration:
            return self._state(job, "RUNNING", None, min(job.objects, modeled), 0, None)
        finished = job.started + duration
        if job.error is not None:
            return self._state(job, "FAILED", job.error, job.objects, job.roots, finished)
        if fault is not None and fault.kind == "expire":
            return self._state(job, "EXPIRED", None, job.objects, job.roots, finished)
        return self._state(job, "COMPLETED", None, job.objects, job.roots, finished)

    def _state(
        self, job: BulkJob, status: str, error: str | None, objects: int, roots: int, finished: float | None
    ) -> dict:
        return {
            "status": status,
            "errorCode": error,
            "objectCount": objects,
            "rootObjectCount": roots,
            "finished": finished,
        }

    def view(self, job: BulkJob) -> dict:
        """The GraphQL ``BulkOperation`` object of a job as of now."""
        state = self.status(job)
        status, finished = state["status"], state["finished"]
        completed_at = None
        if finished is not None:
            completed_at = job.created_at + timedelta(seconds=max(0.0, finished - job.started))
        url = partial = None
        file_size = None
        if status == "COMPLETED" and job.objects:
            url = f"{job.base_url}{BULK_FILE_PREFIX}{job.token}.jsonl"
            file_size = str(job.size)
        if status == "FAILED" and state["errorCode"] == "INTERNAL_SERVER_ERROR" and job.partial_size:
            partial = f"{job.base_url}{BULK_FILE_PREFIX}{job.partial_token}.jsonl"
        return {
            "__typename": "BulkOperation",
            "id": job.gid,
            "status": status,
            "errorCode": state["errorCode"],
            "createdAt": utc_text(job.created_at),
            "completedAt": utc_text(completed_at),
            "objectCount": str(state["objectCount"]),
            "rootObjectCount": str(state["rootObjectCount"]),
            "fileSize": file_size,
            "url": url,
            "partialDataUrl": partial,
            "query": job.query,
            "type": "QUERY",
        }

    def current(self) -> dict | None:
        """``currentBulkOperation``: the latest job submitted."""
        with self._lock:
            job = self.jobs[-1] if self.jobs else None
        return self.view(job) if job is not None else None

    def find(self, number: int) -> BulkJob | None:
        with self._lock:
            return next((job for job in self.jobs if job.number == number), None)

    def cancel(self, number: int) -> dict:
        """``bulkOperationCancel``: the payload ``{bulkOperation, userErrors}``."""
        job = self.find(number)
        if job is None:
            return {
                "bulkOperation": None,
                "userErrors": [{"field": ["id"], "message": "Bulk operation does not exist"}],
            }
        status = self.status(job)["status"]
        if status in TERMINAL:
            message = f"A bulk operation cannot be canceled when it is {status.lower()}"
            return {"bulkOperation": self.view(job), "userErrors": [{"field": None, "message": message}]}
        job.canceled_at = self.front.now()
        view = self.view(job)
        view["status"] = "CANCELING"
        return {"bulkOperation": view, "userErrors": []}

    def join(self, timeout: float | None = 60.0) -> None:
        """Wait until every job's file is written (tests; the status still follows the duration model)."""
        for job in list(self.jobs):
            if job.thread is not None:
                job.thread.join(timeout)

    # ----- serving files ---------------------------------------------------------------------------------
    def file_for(self, token: str) -> tuple[str, int] | str:
        """(path, size) of the file a URL token names, or the reason it is not served."""
        now = self.front.now()
        ttl = self.front.settings.bulk_url_ttl_seconds
        with self._lock:
            jobs = list(self.jobs)
        for job in jobs:
            state = self.status(job)
            if token == job.token and state["status"] == "COMPLETED":
                path, size = job.path, job.size
            elif token == job.partial_token and state["status"] == "FAILED" and job.partial_size:
                path, size = job.path + ".partial", job.partial_size
            else:
                continue
            if now > state["finished"] + ttl:
                return "expired"
            if not os.path.exists(path):
                return "gone"
            return path, size
        return "unknown"


def _nodes(connection: dict) -> list[dict]:
    """The nodes of a connection result (``nodes`` or ``edges { node }``)."""
    if connection.get("nodes") is not None:
        return list(connection["nodes"])
    return [edge["node"] for edge in connection.get("edges") or [] if edge.get("node") is not None]
