"""The demo wiring: the layer above the product and the sandbox that connects them.

The product (``platform_assets``, ``resources``, ``sensors``) never imports the sandbox, and the sandbox
never imports the product. This package imports both: :mod:`demo.wiring` registers the built-in Shopify
sandbox for ``sandbox://`` shop URLs, :mod:`demo.definitions` is the code location ``make ui`` loads, and
:mod:`demo.cli` is the ``storehouse`` command. See docs/architecture.md.
"""
