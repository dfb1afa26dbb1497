"""The README documents every command users run: each Makefile target and each `storehouse` subcommand;
its 'real Shopify store' section works when followed literally next to the demo tenants."""

import contextlib
import os
import re
import shutil
import subprocess
import sys

import dagster as dg

from platform_assets.cli import main
from platform_assets.settings import PROJECT_ROOT
from platform_assets.settings import variables as settings_variables
from platform_assets.sources.shopify.connection import ShopifyConnection
from platform_assets.tenants import DEMO_TENANTS_FILE, TENANTS_FILE_ENV, load_tenants
from sensors.tenant_partitions import PRUNE_COMMAND, tenant_partitions_sensor

README = (PROJECT_ROOT / "README.md").read_text()


def test_every_make_target_is_in_the_readme():
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    targets = {t for t in re.findall(r"^([a-z][a-z-]*):", makefile, re.MULTILINE)} - {"install", "clean"}
    assert targets, "no Makefile targets found"
    missing = sorted(t for t in targets if f"make {t}" not in README)
    assert missing == [], f"Makefile targets not documented in README.md: {missing}"


def test_every_cli_subcommand_is_in_the_readme(capsys):
    with contextlib.suppress(SystemExit):
        main(["--help"])
    help_text = capsys.readouterr().out
    commands = re.search(r"\{([a-z,-]+)\}", help_text).group(1).split(",")
    missing = [c for c in commands if f"storehouse {c}" not in README and f"make {c}" not in README]
    assert missing == [], f"storehouse subcommands not documented in README.md: {missing}"


def test_ci_runs_the_readme_test_command():
    ci = (PROJECT_ROOT / ".ci" / "run").read_text()
    assert "make test" in README
    assert re.search(r"^make test$", ci, re.MULTILINE)


def test_every_configuration_variable_is_documented():
    """Every variable of the settings object is in README.md (tests/test_settings.py checks the table)."""
    missing = sorted(v for v in settings_variables() if f"`{v}`" not in README)
    assert missing == [], f"environment variables not documented in README.md: {missing}"


REAL_STORE_SECTION = README.split("### Pointing a tenant at a real Shopify store", 1)[1].split("\n## ", 1)[0]


def test_the_real_store_section_followed_literally_keeps_the_demo_tenants(tmp_path, monkeypatch):
    """Run the section's shell block as written, in a copy of the project's layout with its own
    DAGSTER_HOME where `make demo` has left the demo tenants, the token typed at the prompt."""
    blocks = re.findall(r"^```(\w*)\n(.*?)^```", REAL_STORE_SECTION, re.MULTILINE | re.DOTALL)
    assert [language for language, _ in blocks] == ["bash"], "the section's steps are one bash block"
    project, home = tmp_path / "project", tmp_path / "home"
    (project / "platform_assets" / "config").mkdir(parents=True)
    shutil.copy(DEMO_TENANTS_FILE, project / "platform_assets" / "config" / "demo_tenants.yaml")
    (project / ".venv").symlink_to(sys.prefix)
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    with dg.DagsterInstance.from_config(str(home)) as instance:
        instance.add_dynamic_partitions("tenant", ["demo-ny", "demo-berlin"])
    env = {k: v for k, v in os.environ.items() if not k.endswith("_SHOPIFY_TOKEN")}
    env.pop(TENANTS_FILE_ENV, None)
    env["DAGSTER_HOME"] = str(home)

    shell = subprocess.run(
        ["bash", "-e", "-c", blocks[0][1]],
        cwd=project,
        env=env,
        input="shpat_typed_at_the_prompt\n",
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert shell.returncode == 0, shell.stderr
    assert "shpat_typed_at_the_prompt" not in shell.stdout + shell.stderr
    assert "warning:" not in shell.stderr  # every token variable was exported
    output = shell.stdout.splitlines()
    assert output == [
        "",  # the `echo` that ends the silent prompt's line
        f"Tenants file: {project / 'tenants.yaml'} (from {TENANTS_FILE_ENV}); 3 tenants, valid",
        f"Dagster instance: {home}",
        "To add: acme",
        "Already present: demo-ny, demo-berlin",
        "In the instance but not in the tenants file: none",
        "Added: acme",
    ]
    for quoted in ("To add: acme", "Already present: demo-ny, demo-berlin", "Added: acme"):
        assert f"`{quoted}`" in REAL_STORE_SECTION and quoted in output
    tenants = load_tenants(project / "tenants.yaml")
    assert list(tenants) == ["demo-ny", "demo-berlin", "acme"]
    assert tenants["acme"].connection("shopify") == ShopifyConnection(
        shop_url="https://acme.myshopify.com", token_env="ACME_SHOPIFY_TOKEN", api_version="2026-10"
    )

    monkeypatch.setenv(TENANTS_FILE_ENV, str(project / "tenants.yaml"))
    with dg.DagsterInstance.from_config(str(home)) as instance:
        tick = tenant_partitions_sensor(dg.build_sensor_context(instance=instance))
        assert tick.skip_reason.skip_message == "tenant partitions already match the tenants file"
        assert sorted(instance.get_dynamic_partitions("tenant")) == ["acme", "demo-berlin", "demo-ny"]


def test_the_real_store_section_says_to_restart_the_ui_and_how_to_prune():
    assert "**Restart the UI from this same shell**" in REAL_STORE_SECTION
    assert "then run `make ui`" in REAL_STORE_SECTION
    assert "`.venv/bin/storehouse sync-tenants --prune`" in REAL_STORE_SECTION
    assert PRUNE_COMMAND == ".venv/bin/storehouse sync-tenants --prune"


def test_the_readme_backfill_command_is_valid_for_the_project():
    """The README's `dagster asset materialize --partition-range` command: its selection is every asset, its
    ends are `date|tenant` keys of one tenant, and every asset allows a ranged run (single_run), which the
    command requires."""
    from platform_assets.definitions import ALL_ASSETS
    from platform_assets.ingest.partitions import date_tenant_partitions

    command = re.search(
        r"dagster asset materialize -m (\S+) --select '([^']+)' \\\n\s+--partition-range '([^']+)'", README
    )
    assert command, "README.md shows no `dagster asset materialize ... --partition-range` command"
    module, selection, partition_range = command.groups()
    assert module == "platform_assets.definitions" and selection == "*"
    start, end = partition_range.split("...")
    keys = [date_tenant_partitions.get_partition_key_from_str(k).keys_by_dimension for k in (start, end)]
    assert keys[0]["tenant"] == keys[1]["tenant"] in load_tenants(DEMO_TENANTS_FILE)
    assert keys[0]["date"] <= keys[1]["date"]
    assert all(a.backfill_policy == dg.BackfillPolicy.single_run() for a in ALL_ASSETS)
