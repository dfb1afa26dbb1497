"""The WooCommerce REST API v3 client (``client.py``): a Dagster resource handing out one client per
tenant site. See docs/woocommerce-client.md."""
