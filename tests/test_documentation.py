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
