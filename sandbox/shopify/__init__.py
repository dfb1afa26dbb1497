"""Shopify Admin REST API sandbox: a deterministic simulated store, its wire behaviour and ground truth.

Entry points: ``generator.build_shop(spec, clock)``, ``presets.PRESETS``, ``ground_truth.ground_truth``,
``inprocess.mount(session)`` (``sandbox://`` URLs) and ``server.serve(shops)`` (HTTP). See docs/sandbox.md.
"""
