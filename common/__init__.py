"""The bottom layer: process-level helpers that both the product (``resources``, ``platform_assets``) and the
sandbox use. It imports nothing of the project, so either side can depend on it without depending on the
other."""
