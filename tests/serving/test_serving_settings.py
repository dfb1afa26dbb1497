"""The serving settings: defaults, and errors naming the variable."""

from __future__ import annotations

import pytest

from platform_assets.serving.snapshot import snapshot_path
from platform_assets.settings import SettingsError, settings


def test_defaults(monkeypatch, tmp_path):
    for name in ("SERVE_HOST", "SERVE_PORT", "API_KEYS_FILE", "API_RATE_LIMIT", "WAREHOUSE_SNAPSHOT_PATH"):
        monkeypatch.delenv(f"STOREHOUSE_{name}", raising=False)
    monkeypatch.delenv("STOREHOUSE_WAREHOUSE_URL", raising=False)
    monkeypatch.setenv("STOREHOUSE_DATA_DIR", str(tmp_path))
    configured = settings()
    assert (configured.serve_host, configured.serve_port, configured.api_rate_limit) == (
        "127.0.0.1",
        8400,
        "600/minute",
    )
    assert configured.api_keys_path() == tmp_path / "api_keys.json"
    assert snapshot_path(configured) == tmp_path / "warehouse.snapshot.duckdb"
    monkeypatch.setenv("STOREHOUSE_WAREHOUSE_URL", "postgresql+psycopg2://u:secret@db/warehouse")
    assert snapshot_path(settings()) is None


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("STOREHOUSE_SERVE_PORT", "70000", "STOREHOUSE_SERVE_PORT must be between 1 and 65535, got 70000"),
        ("STOREHOUSE_SERVE_PORT", "http", "STOREHOUSE_SERVE_PORT must be an integer, got 'http'"),
        (
            "STOREHOUSE_API_RATE_LIMIT",
            "lots",
            "STOREHOUSE_API_RATE_LIMIT must be N/second, N/minute, N/hour or N/day, got 'lots'",
        ),
    ],
)
def test_a_bad_value_names_the_variable(monkeypatch, variable, value, message):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as error:
        settings()
    assert str(error.value) == message
