"""The WooCommerce source: a tenant's WordPress + WooCommerce store, read through the WooCommerce REST API
v3. Today only its tenants-file connection (``connection.py``); its client is ``resources/woocommerce``.
Not yet in the source registry: it has no assets."""
