"""The one settings object: every STOREHOUSE_* variable is a field, documented in README's one table, read
nowhere else, with errors that name the variable and never show a secret."""

import ast
import re
from pathlib import Path

import dagster as dg
import pytest

from platform_assets import settings as settings_module
from platform_assets.settings import (
    HARNESS_VARIABLES,
    AlertSettings,
    SettingsError,
    StorehouseSettings,
    alert_settings,
    settings,
    variables,
)

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
CONFIGURATION_TABLE = README.split("## Configuration\n", 1)[1].split("\n## ", 1)[0]
#: Modules allowed to read the environment: this one, and the token lookup by a name the tenants file gives.
ENVIRONMENT_READERS = {"platform_assets/settings.py", "resources/secrets.py"}


def test_every_variable_in_the_docs_is_a_setting_and_every_setting_is_in_the_configuration_table():
    mentioned = {
        name for path in DOCS for name in re.findall(r"\bSTOREHOUSE_[A-Z0-9_]*[A-Z0-9]\b", path.read_text())
    }
    fields = set(variables())
    assert sorted(mentioned - fields - HARNESS_VARIABLES) == []
    tabled = set(re.findall(r"^\| `(STOREHOUSE_[A-Z0-9_]+)` \|", CONFIGURATION_TABLE, re.MULTILINE))
    assert sorted(fields ^ tabled) == []


def test_every_field_has_a_meaning_and_the_defaults_are_the_embedded_demo(monkeypatch):
    for name in variables():
        monkeypatch.delenv(name, raising=False)
    assert all(variables().values())
    configured = settings()
    assert configured.data_dir == ROOT / "data"
    assert configured.warehouse_url_config() == f"duckdb:///{ROOT / 'data' / 'warehouse.duckdb'}"
    assert configured.raw_store_url_config() == str(ROOT / "data" / "raw")
    assert configured.tenants_file is None
    assert configured.partitions_start.isoformat() == "2024-01-01"
    assert configured.raw_refresh_cron == "0 * * * *"
    assert configured.backfill_policy == "single_run"
    assert (configured.daily_schedule_hour, configured.restatement_days) == (5, 3)
    assert (configured.daily_schedule_cron, configured.daily_schedule_timezone) == (None, None)
    assert (configured.late_changes_lookback_hours, configured.late_changes_interval_seconds) == (24.0, 300.0)


def test_the_environment_is_read_on_every_call(monkeypatch, tmp_path):
    monkeypatch.setenv("STOREHOUSE_RESTATEMENT_DAYS", "7")
    monkeypatch.setenv("STOREHOUSE_TENANTS_FILE", str(tmp_path / "tenants.yaml"))
    monkeypatch.setenv("STOREHOUSE_DAILY_SCHEDULE_CRON", "")  # empty counts as unset
    assert (settings().restatement_days, settings().tenants_file) == (7, tmp_path / "tenants.yaml")
    assert settings().daily_schedule_cron is None
    monkeypatch.setenv("STOREHOUSE_RESTATEMENT_DAYS", "2")
    assert settings().restatement_days == 2


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (
            "STOREHOUSE_BACKFILL_POLICY",
            "daily",
            "STOREHOUSE_BACKFILL_POLICY='daily' is not a backfill policy; "
            "use single_run, multi_run:N (N a positive number of days) or per_partition",
        ),
        (
            "STOREHOUSE_DAILY_SCHEDULE_HOUR",
            "24",
            "STOREHOUSE_DAILY_SCHEDULE_HOUR must be between 0 and 23, got 24",
        ),
        (
            "STOREHOUSE_RESTATEMENT_DAYS",
            "three",
            "STOREHOUSE_RESTATEMENT_DAYS must be an integer, got 'three'",
        ),
        (
            "STOREHOUSE_PARTITIONS_START",
            "2024-13-01",
            "STOREHOUSE_PARTITIONS_START must be a date YYYY-MM-DD, got '2024-13-01'",
        ),
        (
            "STOREHOUSE_RAW_REFRESH_CRON",
            "hourly",
            "STOREHOUSE_RAW_REFRESH_CRON must be a cron expression, got 'hourly'",
        ),
        (
            "STOREHOUSE_LATE_CHANGES_LOOKBACK_HOURS",
            "0",
            "STOREHOUSE_LATE_CHANGES_LOOKBACK_HOURS must be > 0, got 0",
        ),
    ],
)
def test_a_bad_value_is_refused_naming_the_variable(monkeypatch, variable, value, message):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as error:
        settings()
    assert str(error.value) == message


def test_every_bad_value_is_named_at_once(monkeypatch):
    monkeypatch.setenv("STOREHOUSE_DAILY_SCHEDULE_HOUR", "-1")
    monkeypatch.setenv("STOREHOUSE_LATE_CHANGES_INTERVAL_SECONDS", "soon")
    with pytest.raises(SettingsError) as error:
        settings()
    assert str(error.value) == (
        "STOREHOUSE_DAILY_SCHEDULE_HOUR must be between 0 and 23, got -1; "
        "STOREHOUSE_LATE_CHANGES_INTERVAL_SECONDS must be a number, got 'soon'"
    )


def test_secrets_never_show_in_a_repr_or_the_resource_config(monkeypatch):
    monkeypatch.setenv("STOREHOUSE_WAREHOUSE_URL", "postgresql+psycopg2://etl:hunter2@db/warehouse")
    monkeypatch.setenv("STOREHOUSE_RESTATEMENT_DAYS", "x")
    with pytest.raises(SettingsError) as error:
        settings()
    assert "hunter2" not in str(error.value)
    monkeypatch.delenv("STOREHOUSE_RESTATEMENT_DAYS")
    configured = settings()
    assert "hunter2" not in repr(configured) and "hunter2" not in str(configured.model_dump())
    assert configured.warehouse_url_config() == dg.EnvVar("STOREHOUSE_WAREHOUSE_URL")
    alerts, problems = alert_settings(
        {
            "STOREHOUSE_ALERT_WEBHOOK_URL": "https://hooks.test/T0KEN",
            "STOREHOUSE_ALERT_SLACK_WEBHOOK_URL": "https://hooks.slack.test/S3CRET",
            "STOREHOUSE_ALERT_SMTP_PASSWORD": "pa55word",
        }
    )
    assert problems == {}
    assert not {"T0KEN", "S3CRET", "pa55word"} & set(re.findall(r"\w+", repr(alerts)))
    assert alerts.alert_webhook_url.get_secret_value() == "https://hooks.test/T0KEN"


def test_a_bad_alert_value_falls_back_to_its_default_and_is_reported_alone():
    alerts, problems = alert_settings(
        {
            "STOREHOUSE_ALERT_SMTP_PORT": "smtp",
            "STOREHOUSE_ALERT_SMTP_TO": " ops@example.com, ,cfo@example.com ",
            "STOREHOUSE_ALERT_SMTP_STARTTLS": "off",
            "STOREHOUSE_DAGSTER_UI_URL": "https://dagster.example/",
        }
    )
    assert problems == {"alert_smtp_port": "STOREHOUSE_ALERT_SMTP_PORT must be a port number"}
    assert alerts.alert_smtp_port == 587
    assert alerts.alert_smtp_to == ("ops@example.com", "cfo@example.com")
    assert alerts.alert_smtp_starttls is False
    assert alerts.dagster_ui_url == "https://dagster.example"


def test_given_alert_values_ignore_the_process_environment(monkeypatch):
    monkeypatch.setenv("STOREHOUSE_ALERT_SMTP_PORT", "smtp")
    assert alert_settings({})[1] == {}
    assert alert_settings({})[0].alert_smtp_port == 587


_ENVIRONMENT = {"environ", "environb", "getenv", "getenvb", "putenv", "unsetenv"}


def _environment_reads(tree: ast.AST) -> list[int]:
    """Lines touching the process environment: ``os.environ``, ``os.getenv``…, or those names imported."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            lines += [node.lineno] if node.value.id == "os" and node.attr in _ENVIRONMENT else []
        if isinstance(node, ast.ImportFrom) and node.module == "os":
            lines += [node.lineno] if {alias.name for alias in node.names} & _ENVIRONMENT else []
    return lines


def test_no_product_module_reads_the_environment_but_the_settings_and_the_token_lookup():
    readers = {}
    for package in ("platform_assets", "resources", "sensors"):
        for path in sorted((ROOT / package).rglob("*.py")):
            lines = _environment_reads(ast.parse(path.read_text()))
            if lines:
                readers[str(path.relative_to(ROOT))] = lines
    assert set(readers) == ENVIRONMENT_READERS, readers


def test_the_settings_module_says_why_the_token_lookup_reads_the_environment_itself():
    doc = settings_module.__doc__
    assert "resources.secrets" in doc and "token_env" in doc
    assert {StorehouseSettings, AlertSettings} == set(settings_module.SETTINGS_CLASSES)
