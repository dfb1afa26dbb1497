"""The GraphQL Admin API endpoint of one sandbox shop: ``POST /admin/api/{version}/graphql.json``.

:class:`GraphQLFront` parses (graphql-core), validates against ``schema.graphql``, prices the query
(``cost.py``), admits it through the shop's bucket of cost points, executes it over ``resolvers.py`` and
answers ``{"data", "errors", "extensions": {"cost": ...}}`` as Shopify does. Bulk operations live in
``bulk.py``; their files are served at ``/bulk-operations/{token}.jsonl`` of the same shop.

Time: the bucket and the bulk duration model run on :meth:`GraphQLFront.now`, "sandbox seconds": real
(monotonic) seconds plus however far the shop clock was moved forward since the front was made. A test
moves the shop clock (or sets ``settings.timer``) to restore points or finish a job without sleeping; a
demo just lets time pass.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    build_schema,
    execute,
    parse,
    validate,
)

from sandbox.shopify.graphql.bulk import BulkFault, BulkOperations
from sandbox.shopify.graphql.connections import list_connection
from sandbox.shopify.graphql.cost import (
    BUCKET_SECONDS,
    MAX_QUERY_COST,
    PLAN_RESTORE_RATES,
    CostBucket,
    CostCalculator,
)
from sandbox.shopify.graphql.resolvers import BULK_PAGE, Builder
from sandbox.shopify.graphql.values import parse_gid

if TYPE_CHECKING:
    from sandbox.shopify.model import SandboxShop

SCHEMA_PATH = Path(__file__).with_name("schema.graphql")
THROTTLED_DOCS = "https://shopify.dev/api/usage/rate-limits"
DEPRECATION_DOCS = "https://shopify.dev/api/usage/versioning#deprecation-practices"
MAX_COST_MESSAGE = (
    "Query cost is {cost}, which exceeds the single query max cost limit ({limit}).\n\n"
    "See https://shopify.dev/concepts/about-apis/rate-limits for more information on how the\n"
    "cost of a query is calculated.\n\n"
    "To query larger amounts of data with fewer limits, bulk operations should be used instead.\n"
    "See https://shopify.dev/tutorials/perform-bulk-operations-with-admin-api for usage details.\n"
)
#: From this API version on, Shopify runs up to five bulk query operations per app and shop.
MULTI_BULK_VERSION = "2026-01"
#: Query texts whose parsed and validated document a shop's endpoint remembers.
DOCUMENTS_REMEMBERED = 64

_schema: GraphQLSchema | None = None


def schema() -> GraphQLSchema:
    """The sandbox's GraphQL schema with its root resolvers (built once)."""
    global _schema
    if _schema is None:
        built = build_schema(SCHEMA_PATH.read_text(encoding="utf-8"))
        _bind(built)
        _schema = built
    return _schema


@dataclass
class GraphQLSettings:
    """Knobs of a shop's GraphQL endpoint (settable on a live shop: ``shop.graphql.settings``)."""

    #: Cost-bucket plan: standard | advanced | plus | enterprise (None: the shop's REST plan).
    plan: str | None = None
    #: Overrides of the plan's bucket size and restore rate (points, points per second).
    maximum_available: float | None = None
    restore_rate: float | None = None
    #: Bulk duration model: objects written per sandbox second (fast by default), and seconds in CREATED.
    bulk_objects_per_second: float = 1_000_000.0
    bulk_start_seconds: float = 0.0
    #: How long a finished job's URL serves its file (Shopify: a week).
    bulk_url_ttl_seconds: float = 7 * 86_400.0
    #: Concurrent bulk query jobs (None: 1 before API 2026-01, 5 from it, as Shopify).
    bulk_concurrency: int | None = None
    #: Where job files go (None: a temporary directory per shop).
    bulk_directory: str | None = None
    #: Serve every request as this (older) API version, with ``X-Shopify-API-Deprecated-Reason``.
    serve_version: str | None = None
    #: Sandbox seconds (see the module docstring); None: monotonic time plus shop clock moves.
    timer: Callable[[], float] | None = None


class GraphQLFront:
    """The GraphQL endpoint, cost bucket and bulk operations of one shop."""

    def __init__(self, shop: SandboxShop, settings: GraphQLSettings | None = None) -> None:
        self.shop = shop
        self.settings = settings or GraphQLSettings()
        self._mono_start = time.monotonic()
        self._clock_start = shop.clock_epoch
        self.schema = schema()
        self.bucket = self._make_bucket()
        self.bulk = BulkOperations(self, self.schema)
        self._documents: dict[str, tuple[DocumentNode | None, list[dict]]] = {}

    def _make_bucket(self) -> CostBucket:
        plan = self.settings.plan or self.shop.spec.plan
        restore = self.settings.restore_rate or PLAN_RESTORE_RATES.get(plan, PLAN_RESTORE_RATES["standard"])
        maximum = self.settings.maximum_available or restore * BUCKET_SECONDS
        return CostBucket(maximum, restore, self.now)

    def configure(self, **changes: Any) -> GraphQLFront:
        """Change settings (``GraphQLSettings`` field names); the cost bucket starts full again."""
        for name, value in changes.items():
            if not hasattr(self.settings, name):
                raise AttributeError(f"GraphQLSettings has no {name!r}")
            setattr(self.settings, name, value)
        self.bucket = self._make_bucket()
        return self

    # ----- time ------------------------------------------------------------------------------------------
    def now(self) -> float:
        """Sandbox seconds: monotonic seconds plus how far the shop clock moved since the front was made."""
        if self.settings.timer is not None:
            return self.settings.timer()
        return (time.monotonic() - self._mono_start) + (self.shop.clock_epoch - self._clock_start)

    def bulk_concurrency(self, version: str) -> int:
        if self.settings.bulk_concurrency is not None:
            return self.settings.bulk_concurrency
        return 5 if version != "unstable" and version >= MULTI_BULK_VERSION else 1

    def plant_bulk_fault(self, kind: str, after_objects: int = 0) -> None:
        """Make the next bulk query job fail (``fail``, ``access_denied``) or expire (``expire``)."""
        self.bulk.plant(BulkFault(kind, after_objects))

    # ----- requests --------------------------------------------------------------------------------------
    def handle(
        self, method: str, headers: Mapping[str, str], body: bytes, base_url: str, version: str
    ) -> tuple[int, dict[str, str], Any]:
        """Answer a (authenticated) request to ``graphql.json``: (status, extra headers, payload)."""
        if method != "POST":
            return 405, {"Allow": "POST"}, {"errors": "Method Not Allowed"}
        content_type = (headers.get("content-type") or "").split(";")[0].strip().lower()
        try:
            if content_type == "application/graphql":
                request = {"query": body.decode("utf-8")}
            else:
                request = json.loads(body or b"{}")
            if not isinstance(request, dict) or not isinstance(request.get("query"), str):
                raise ValueError("no query")
        except (ValueError, UnicodeDecodeError):
            return 400, {}, {"errors": {"query": "Required parameter missing or invalid"}}
        variables = request.get("variables") or {}
        if isinstance(variables, str):
            variables = json.loads(variables or "{}")
        return 200, *self.run(request["query"], variables, request.get("operationName"), base_url, version)

    def _checked(self, query: str) -> tuple[DocumentNode | None, list[dict]]:
        """The parsed document and its syntax or validation errors (formatted), remembered per query text:
        a client sends the same few documents page after page, and parsing and validating them again was
        most of the endpoint's time."""
        known = self._documents.get(query)
        if known is None:
            try:
                document: DocumentNode | None = parse(query)
            except GraphQLError as error:
                known = (None, [error.formatted])
            else:
                known = (document, [error.formatted for error in validate(self.schema, document)])
            if len(self._documents) >= DOCUMENTS_REMEMBERED:
                self._documents.pop(next(iter(self._documents)))
            self._documents[query] = known
        return known

    def run(
        self, query: str, variables: dict[str, Any], operation_name: str | None, base_url: str, version: str
    ) -> tuple[dict[str, str], dict]:
        """Execute one query: (extra headers, response payload)."""
        document, errors = self._checked(query)
        if errors:
            return {}, {"errors": errors}
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        if operation_name is not None:
            operations = [d for d in operations if d.name is not None and d.name.value == operation_name]
        if len(operations) != 1:
            return {}, {"errors": [{"message": "An operation name is required"}]}
        operation = operations[0]
        fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        headers: dict[str, str] = {}
        if self._reads_deprecated(operation, fragments):
            headers["X-Shopify-API-Deprecated-Reason"] = DEPRECATION_DOCS
        try:
            calculator = CostCalculator(self.schema, operation, fragments, variables)
            requested = calculator.requested()
        except GraphQLError as error:
            return headers, {"errors": [error.formatted]}
        if requested > MAX_QUERY_COST:
            error = {
                "message": MAX_COST_MESSAGE.format(cost=requested, limit=MAX_QUERY_COST),
                "extensions": {"code": "MAX_COST_EXCEEDED", "cost": requested, "maxCost": MAX_QUERY_COST},
            }
            return headers, {"errors": [error], "extensions": self._cost(requested, None)}
        if not self.bucket.admit(requested):
            error = {
                "message": "Throttled",
                "extensions": {"code": "THROTTLED", "documentation": THROTTLED_DOCS},
            }
            return headers, {"errors": [error], "extensions": self._cost(requested, None)}
        context = {
            "bulk": False,
            "builder": Builder(self.shop),
            "front": self,
            "base_url": base_url,
            "version": version,
        }
        result = execute(
            self.schema,
            document,
            root_value=None,
            context_value=context,
            variable_values=variables,
            operation_name=operation_name,
        )
        actual = calculator.actual(result.data)
        self.bucket.charge(actual)
        payload: dict[str, Any] = {}
        if result.errors:
            payload["errors"] = [error.formatted for error in result.errors]
        payload["data"] = result.data
        payload["extensions"] = self._cost(requested, actual)
        return headers, payload

    def _cost(self, requested: int, actual: int | None) -> dict:
        return {
            "cost": {
                "requestedQueryCost": requested,
                "actualQueryCost": actual,
                "throttleStatus": self.bucket.status(),
            }
        }

    def _reads_deprecated(
        self, operation: OperationDefinitionNode, fragments: dict[str, FragmentDefinitionNode]
    ) -> bool:
        """Whether the operation selects a field marked ``@deprecated`` in the schema."""
        from graphql import TypeInfo, TypeInfoVisitor, Visitor, visit

        found = False
        info = TypeInfo(self.schema)

        class _Deprecated(Visitor):
            def enter_field(self, node: FieldNode, *_args: Any) -> None:
                nonlocal found
                definition = info.get_field_def()
                if definition is not None and definition.deprecation_reason is not None:
                    found = True

        visit(operation, TypeInfoVisitor(info, _Deprecated()))
        for fragment in fragments.values():
            info = TypeInfo(self.schema)
            visit(fragment, TypeInfoVisitor(info, _Deprecated()))
        return found

    # ----- bulk files ------------------------------------------------------------------------------------
    def serve_file(self, token: str) -> tuple[int, dict[str, str], str | bytes, int]:
        """(status, headers, file path or error body, size) for ``/bulk-operations/{token}.jsonl``."""
        found = self.bulk.file_for(token)
        if isinstance(found, tuple):
            path, size = found
            return 200, {"Content-Type": "application/jsonl"}, path, size
        xml = {
            "expired": "<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>",
        }.get(
            found, "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>"
        )
        body = ("<?xml version='1.0' encoding='UTF-8'?>" + xml).encode()
        return (
            (403 if found == "expired" else 404),
            {"Content-Type": "application/xml; charset=UTF-8"},
            body,
            len(body),
        )


# ----- root resolvers -------------------------------------------------------------------------------------
def _builder(info: Any) -> Builder:
    return info.context["builder"]


def _root_connection(info: Any, args: dict[str, Any], produce: Callable[[dict[str, Any]], dict]) -> dict:
    """A root connection; in a bulk operation one page of the walk the bulk writer drives."""
    context = info.context
    if not context.get("bulk"):
        return produce(args)
    paged = {key: value for key, value in args.items() if key not in {"first", "last", "after", "before"}}
    paged["first"] = BULK_PAGE
    if context.get("bulk_after"):
        paged["after"] = context["bulk_after"]
    result = produce(paged)
    info_page = result["pageInfo"]
    context["bulk_next"] = (info_page["hasNextPage"], info_page["endCursor"])
    return result


def _id_of(value: str, kind: str) -> int | None:
    parsed = parse_gid(value, kind)
    return parsed[1] if parsed else None


def _resolve_orders(_root: Any, info: Any, **args: Any) -> dict:
    return _root_connection(info, args, lambda a: _builder(info).orders_connection(info, a))


def _resolve_customers(_root: Any, info: Any, **args: Any) -> dict:
    builder = _builder(info)
    builder.require("customers", "customers")
    return _root_connection(
        info,
        args,
        lambda a: list_connection(builder.customer_rows(a), a, info.context["bulk"], builder.customer_object),
    )


def _resolve_products(_root: Any, info: Any, **args: Any) -> dict:
    builder = _builder(info)
    builder.require("products", "products")
    return _root_connection(
        info,
        args,
        lambda a: list_connection(builder.product_rows(a), a, info.context["bulk"], builder.product_object),
    )


def _resolve_locations(_root: Any, info: Any, **args: Any) -> dict:
    builder = _builder(info)
    builder.require("locations", "locations")
    return _root_connection(
        info,
        args,
        lambda a: list_connection(builder.location_rows(a), a, info.context["bulk"], builder.location_object),
    )


def _resolve_inventory_items(_root: Any, info: Any, **args: Any) -> dict:
    builder = _builder(info)
    builder.require("inventory", "inventoryItems")
    variants = sorted(builder.shop.catalog.variants, key=lambda variant: variant.inventory_item_id)
    products = builder.shop.catalog.by_product_id
    rows = [
        ((variant.inventory_item_id,), variant)
        for variant in variants
        if products[variant.product_id].created_at <= builder.clock
    ]
    return _root_connection(
        info, args, lambda a: list_connection(rows, a, info.context["bulk"], builder.inventory_item)
    )


def _resolve_deletion_events(_root: Any, info: Any, **args: Any) -> dict:
    builder = _builder(info)
    return _root_connection(
        info, args, lambda a: list_connection(builder.deletion_rows(a), a, info.context["bulk"])
    )


def _resolve_events(_root: Any, info: Any, **args: Any) -> dict:
    builder = _builder(info)
    return _root_connection(
        info, args, lambda a: list_connection(builder.event_rows(a), a, info.context["bulk"])
    )


def _resolve_inventory_level(_root: Any, info: Any, id: str) -> dict | None:  # noqa: A002
    """``inventoryLevel(id:)``: ``gid://shopify/InventoryLevel/{location}?inventory_item_id={item}``."""
    builder = _builder(info)
    builder.require("inventory", "inventoryLevel")
    parsed = parse_gid(id, "InventoryLevel")
    _base, _sep, query = id.partition("?")
    item = dict(part.split("=", 1) for part in query.split("&") if "=" in part).get("inventory_item_id", "")
    if parsed is None or not item.isdigit():
        return None
    for level in builder.levels():
        if level.location_id == parsed[1] and level.inventory_item_id == int(item):
            return builder.level_object(level)
    return None


def _resolve_node(_root: Any, info: Any, id: str) -> dict | None:  # noqa: A002 - GraphQL argument name
    parsed = parse_gid(id, "BulkOperation")
    if parsed is not None:
        front: GraphQLFront = info.context["front"]
        job = front.bulk.find(parsed[1])
        return front.bulk.view(job) if job is not None else None
    return _builder(info).node(id)


def _resolve_bulk_run(_root: Any, info: Any, query: str, groupObjects: bool = False) -> dict:  # noqa: N803
    front: GraphQLFront = info.context["front"]
    return front.bulk.run_query(query, info.context["base_url"], info.context["version"])


def _resolve_bulk_cancel(_root: Any, info: Any, id: str) -> dict:  # noqa: A002
    front: GraphQLFront = info.context["front"]
    number = _id_of(id, "BulkOperation")
    if number is None:
        return {"bulkOperation": None, "userErrors": [{"field": ["id"], "message": "Invalid id"}]}
    return front.bulk.cancel(number)


def _resolve_current(_root: Any, info: Any, type: str = "QUERY") -> dict | None:  # noqa: A002
    if type != "QUERY":
        return None
    return info.context["front"].bulk.current()


def _bind(built: GraphQLSchema) -> None:
    """Attach the root resolvers to the schema's root fields."""
    query = built.query_type
    mutation = built.mutation_type
    assert query is not None and mutation is not None
    resolvers: dict[str, Callable[..., Any]] = {
        "shop": lambda _r, info: _builder(info).shop_object(),
        "node": _resolve_node,
        "nodes": lambda _r, info, ids: [_resolve_node(_r, info, value) for value in ids],
        "order": lambda _r, info, id: _builder(info).node(id) if _id_of(id, "Order") else None,
        "orders": _resolve_orders,
        "ordersCount": lambda _r, info, **args: _builder(info).orders_count(args),
        "customer": lambda _r, info, id: _builder(info).node(id) if _id_of(id, "Customer") else None,
        "customers": _resolve_customers,
        "product": lambda _r, info, id: _builder(info).node(id) if _id_of(id, "Product") else None,
        "products": _resolve_products,
        "productVariant": lambda _r, info, id: (
            _builder(info).node(id) if _id_of(id, "ProductVariant") else None
        ),
        "location": lambda _r, info, id=None: (
            _builder(info).node(id)
            if id
            else _builder(info).location_by_id(_builder(info).shop.locations[0].id)
        ),
        "locations": _resolve_locations,
        "inventoryItem": lambda _r, info, id: (
            _builder(info).node(id) if _id_of(id, "InventoryItem") else None
        ),
        "inventoryItems": _resolve_inventory_items,
        "inventoryLevel": _resolve_inventory_level,
        "deletionEvents": _resolve_deletion_events,
        "events": _resolve_events,
        "currentBulkOperation": _resolve_current,
        "bulkOperation": lambda _r, info, id: (
            _resolve_node(_r, info, id) if _id_of(id, "BulkOperation") else None
        ),
    }
    for name, resolver in resolvers.items():
        query.fields[name].resolve = resolver
    mutation.fields["bulkOperationRunQuery"].resolve = _resolve_bulk_run
    mutation.fields["bulkOperationCancel"].resolve = _resolve_bulk_cancel
