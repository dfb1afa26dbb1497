"""The README documents every command users run: each Makefile target and each `storehouse` subcommand."""

import contextlib
import re

from platform_assets.cli import main
from platform_assets.settings import PROJECT_ROOT

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
    sources = "\n".join(p.read_text() for p in (PROJECT_ROOT / "platform_assets").rglob("*.py"))
    variables = set(re.findall(r"\"(STOREHOUSE_[A-Z_]+)\"", sources))
    assert variables
    missing = sorted(v for v in variables if v not in README)
    assert missing == [], f"environment variables not documented in README.md: {missing}"


def test_the_readme_backfill_command_is_valid_for_the_project():
    """The README's `dagster asset materialize --partition-range` command: its selection is every asset, its
    ends are `date|tenant` keys of one tenant, and every asset allows a ranged run (single_run), which the
    command requires."""
    import dagster as dg

    from platform_assets.definitions import ALL_ASSETS
    from platform_assets.partitions import date_tenant_partitions
    from platform_assets.tenants import DEMO_TENANTS_FILE, load_tenants

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
