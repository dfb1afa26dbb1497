"""Shopify API clients (REST Admin API)."""
