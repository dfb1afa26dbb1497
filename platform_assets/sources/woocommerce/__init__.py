"""The WooCommerce source: a tenant's WordPress + WooCommerce store, read through the WooCommerce REST API
v3 (client: ``resources/woocommerce``). Its tenants-file connection (``connection.py``), raw and staging
assets, table specs, conformed SQL (``sql/``), checks, timezone reader and change probe (``source.py``)."""

PLATFORM = "woocommerce"
