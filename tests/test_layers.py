"""The product and the sandbox never import each other (issue 13): the product (platform_assets, resources,
sensors) never imports the sandbox, and the sandbox never imports the product. They meet only through the
entry points pyproject.toml declares (``storehouse.transports``, ``storehouse.simulators``), and in the
tests and the benchmarks. The top-level layout is fixed: no wiring or shared-helper package (``demo``,
``common``) sits beside them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from platform_assets.settings import PROJECT_ROOT

PRODUCT = ("platform_assets", "resources", "sensors")
FORBIDDEN = {
    **dict.fromkeys(PRODUCT, ("sandbox",)),
    "sandbox": PRODUCT,
}
#: Top-level packages the design card's layout does not allow.
NOT_ALLOWED = ("common", "demo")


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """Every absolute module an ``import`` or ``from … import`` statement of the file names, with its line."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def violations(package: str, forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{path.relative_to(PROJECT_ROOT)}:{line} imports {module}"
        for path in sorted((PROJECT_ROOT / package).rglob("*.py"))
        for line, module in imported_modules(path)
        if module.split(".")[0] in forbidden
    ]


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_layer_imports_only_downward(package):
    assert (PROJECT_ROOT / package / "__init__.py").exists()
    assert violations(package, FORBIDDEN[package]) == []


@pytest.mark.parametrize("package", NOT_ALLOWED)
def test_no_wiring_or_shared_helper_package(package):
    assert not (PROJECT_ROOT / package).exists()
    assert [found for layer in FORBIDDEN for found in violations(layer, (package,))] == []


def test_the_check_finds_an_import_of_the_sandbox(tmp_path):
    source = tmp_path / "module.py"
    source.write_text(
        "import os\nfrom sandbox.shopify import presets\n\ndef f():\n    import sandbox.shopify.inprocess\n"
    )
    assert imported_modules(source) == [(1, "os"), (2, "sandbox.shopify"), (5, "sandbox.shopify.inprocess")]
