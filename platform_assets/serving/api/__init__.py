"""The reporting API (FastAPI): :func:`platform_assets.serving.api.app.create_app`."""
