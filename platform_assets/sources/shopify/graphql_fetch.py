"""A GraphQL tenant's shop, read the way the raw assets read a REST one.

:class:`GraphQLShopReader` wraps the GraphQL client (``resources/shopify/graphql.py``) and hands out REST
records (``graphql_translate``) through the methods the raw assets call on a REST client
(``get_shop``, ``iter_window``, ``list_locations``, ``iter_inventory_levels``, ``stats``, ``close``), so
the same code writes the same partitions, day windows and metadata whichever API a tenant reads through;
also those the source-count check and the late-change probe call (``count_orders``: ``ordersCount``;
``iter_orders(..., fields)``: ``id``, ``processed_at`` and ``updated_at`` of the changed orders).

Windows are walked with paginated queries. A GraphQL tenant's long range or first sync is read with one
bulk operation instead (``bulk_fetch.py``, through this reader's :attr:`client`), whose records have the
same shape and translate (:func:`graphql_translate.translate`) into the same raw records.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime

from platform_assets.sources.shopify.graphql_translate import translate, translate_shop
from resources.shopify.deletions import OrderDeletion, order_id_of
from resources.shopify.graphql import ShopifyGraphQLClient
from resources.shopify.versions import ServedVersions

#: The REST order fields :meth:`GraphQLShopReader.iter_orders` can give (the late-change probe's).
CHANGE_FIELDS = ("id", "processed_at", "updated_at")


def change_record(node: dict) -> dict:
    """An ``{id, processedAt, updatedAt}`` order node as the REST fields ``id`` (the integer),
    ``processed_at`` and ``updated_at`` (UTC ISO text, as GraphQL serves them)."""
    return {
        "id": order_id_of(node.get("id"), field="orders.id"),
        "processed_at": node.get("processedAt"),
        "updated_at": node.get("updatedAt"),
    }


def location_gid(location_id: int | str) -> str:
    """A REST location id as the GraphQL global id the client asks with."""
    return f"gid://shopify/Location/{location_id}"


class GraphQLShopReader:
    """One GraphQL tenant's shop behind the REST client's reading methods; records come out REST-shaped.

    ``api`` is what the raw assets record in the partitions' sidecars and their metadata."""

    api = "graphql"

    def __init__(self, client: ShopifyGraphQLClient) -> None:
        self.client = client

    def __enter__(self) -> GraphQLShopReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.client.close()

    @property
    def stats(self) -> dict[str, float]:
        return self.client.stats

    @property
    def versions(self) -> ServedVersions:
        """The versions the shop served the GraphQL requests as, and its deprecation reasons."""
        return self.client.versions

    @property
    def pacer(self) -> object:
        return self.client.pacer

    def get_shop(self) -> dict:
        return translate_shop(self.client.get_shop())

    def iter_window(
        self, entity: str, updated_at_min: datetime | None, updated_at_max: datetime
    ) -> Iterator[list[dict]]:
        """REST records of ``entity`` updated in ``[min, max]`` (both inclusive), page by page."""
        for page in self.client.iter_window(entity, updated_at_min, updated_at_max):
            yield translate(entity, page)

    def count_orders(self, updated_at_min: datetime | None, updated_at_max: datetime) -> int:
        """How many orders were updated in ``[min, max]`` (both inclusive): ``ordersCount``, the
        GraphQL twin of the REST client's ``orders/count.json``."""
        return self.client.count_orders(updated_at_min, updated_at_max)

    def iter_orders(
        self, updated_at_min: datetime | None, updated_at_max: datetime, fields: Sequence[str]
    ) -> Iterator[list[dict]]:
        """The orders updated in ``[min, max]`` (both inclusive) as REST records holding only ``fields``
        (some of ``id``, ``processed_at``, ``updated_at``: what the late-change probe reads), page by page,
        as the REST client's ``iter_orders(..., fields=)`` gives them."""
        unknown = sorted(set(fields) - set(CHANGE_FIELDS))
        if unknown:
            raise ValueError(
                f"GraphQLShopReader.iter_orders reads only {', '.join(CHANGE_FIELDS)}; asked for {unknown}"
            )
        for page in self.client.iter_order_changes(updated_at_min, updated_at_max):
            yield [{name: change_record(node)[name] for name in fields} for node in page]

    def iter_order_deletions(
        self, deleted_at_min: datetime | None, deleted_at_max: datetime
    ) -> Iterator[list[OrderDeletion]]:
        """Orders deleted in the window (``deletionEvents``), as the REST client gives them."""
        return self.client.iter_order_deletions(deleted_at_min, deleted_at_max)

    def list_order_ids(self, processed_at_min: datetime, processed_at_max: datetime) -> set[int]:
        """The ids of the orders processed in the window that the shop holds now."""
        return self.client.list_order_ids(processed_at_min, processed_at_max)

    def order_exists(self, order_id: int) -> bool:
        """Whether the shop holds the order now."""
        return self.client.order_exists(order_id)

    def list_locations(self) -> list[dict]:
        return translate("locations", self.client.list_locations())

    def iter_inventory_levels(self, location_ids: Sequence[int]) -> Iterator[list[dict]]:
        for page in self.client.iter_inventory_levels([location_gid(i) for i in location_ids]):
            yield translate("inventory_levels", page)
