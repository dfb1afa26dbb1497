"""A deterministic simulator of a WooCommerce site and of its REST API v3 (``/wp-json/wc/v3/``).

See docs/sandbox.md (WooCommerce section). Imports nothing of the product nor of the Shopify sandbox; what
both simulators do the same way comes from ``sandbox.common``.
"""
