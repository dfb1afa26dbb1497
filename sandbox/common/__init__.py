"""What every platform simulator does the same way: the in-process ``requests`` transport
(:mod:`.inprocess`), the threaded HTTP server on 127.0.0.1 and its CLI bits (:mod:`.httpserver`), the fault
table (:mod:`.faults`) and deterministic randomness (:mod:`.seeding`).

The platform packages (``sandbox.shopify``, ``sandbox.woocommerce``) import it and never each other; it
imports nothing of them, nor of the product (``platform_assets``, ``resources``).
"""
