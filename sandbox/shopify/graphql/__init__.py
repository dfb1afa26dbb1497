"""Shopify's GraphQL Admin API for sandbox shops: queries, cost and throttling, bulk operations.

The endpoint (``POST /admin/api/{version}/graphql.json``) answers from the same store as the REST API of
the same shop (``sandbox/shopify/api.py`` routes to :class:`~sandbox.shopify.graphql.endpoint.GraphQLFront`),
so both APIs serve the same orders, customers, products, locations and inventory. See docs/sandbox.md.
"""
