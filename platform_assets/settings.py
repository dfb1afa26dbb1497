"""Where things live, from environment variables with embedded defaults under the project's data/ folder."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = Path(os.environ.get("STOREHOUSE_DATA_DIR", PROJECT_ROOT / "data"))

WAREHOUSE_URL_ENV = "STOREHOUSE_WAREHOUSE_URL"
RAW_STORE_URL_ENV = "STOREHOUSE_RAW_STORE_URL"


def default_warehouse_url() -> str:
    return f"duckdb:///{DATA_DIR / 'warehouse.duckdb'}"


def default_raw_store_url() -> str:
    return str(DATA_DIR / "raw")


def configured(env_name: str, default: str) -> str | dg.EnvVar:
    """An EnvVar when the variable is set (its value, which may hold a password, is then never shown in
    the UI or run config), else the embedded default."""
    return dg.EnvVar(env_name) if os.environ.get(env_name) else default
