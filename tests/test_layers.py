"""The product and the sandbox never import each other (issue 13): the product (platform_assets, resources,
sensors) never imports the sandbox, and the sandbox never imports the product. They meet only through the
entry points pyproject.toml declares (``storehouse.transports``, ``storehouse.simulators``), and in the
tests and the benchmarks. The top-level layout is fixed: no wiring or shared-helper package (``demo``,
``common``) sits beside them."""

from __future__ import annotations

import ast
import re
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


# -- one seam for every source ------------------------------------------------------------------------------
#: Where a platform may be named in product code: its own folders, and the registry's one line per source.
PLATFORM_FOLDERS = ("platform_assets/sources/{platform}/", "resources/{platform}/")
REGISTRY = "platform_assets/sources/registry.py"
#: Shared layers, each with the packages below it that it may import; never a source's own modules.
SHARED_LAYERS = (
    "platform_assets/ingest",
    "platform_assets/staging",
    "platform_assets/conformed",
    "platform_assets/core",
    "platform_assets/marts",
    "platform_assets/quality",
    "platform_assets/warehouse",
    "platform_assets/serving",
    "sensors",
)


#: Platforms the mission names, registered or not yet: none may be named in a shared module either.
PLANNED_PLATFORMS = ("woocommerce", "lightspeed", "stocky")


def _platforms() -> list[str]:
    from platform_assets.sources.registry import connection_types

    return list(dict.fromkeys([*connection_types(), *PLANNED_PLATFORMS]))


def _product_files() -> list[Path]:
    return sorted(
        path
        for package in PRODUCT
        for path in (PROJECT_ROOT / package).rglob("*")
        if path.is_file() and path.suffix in {".py", ".sql", ".yaml"} and "__pycache__" not in path.parts
    )


@pytest.mark.parametrize("platform", _platforms())
def test_a_platform_is_named_only_in_its_own_folders_and_the_registry(platform):
    """`grep -ri <platform>` over the product finds its source and client folders, the registry and the
    demo's tenants file, nothing else: the shared layers are generic over sources."""
    allowed = [folder.format(platform=platform) for folder in PLATFORM_FOLDERS]
    allowed += [REGISTRY, "platform_assets/config/demo_tenants.yaml"]
    named = [
        f"{relative}:{number}"
        for path in _product_files()
        if not (relative := str(path.relative_to(PROJECT_ROOT))).startswith(tuple(allowed))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if platform in line.lower()
    ]
    assert named == []


@pytest.mark.parametrize("layer", SHARED_LAYERS)
def test_shared_layers_never_import_a_source_or_its_client(layer):
    sources = tuple(f"platform_assets.sources.{p}" for p in _platforms())
    clients = tuple(f"resources.{p}" for p in _platforms())
    imports = [
        f"{path.relative_to(PROJECT_ROOT)}:{line} imports {module}"
        for path in sorted((PROJECT_ROOT / layer).rglob("*.py"))
        for line, module in imported_modules(path)
        if module.startswith(sources + clients)
    ]
    assert imports == []


@pytest.mark.parametrize(
    ("names", "problem"),
    [
        (["shopify", "all"], "platform name 'all' is reserved for the rows across platforms"),
        (["shopify", "Woo Commerce"], "platform name 'Woo Commerce' must be a lowercase identifier"),
        (["shopify", "woocommerce", "shopify"], "platform 'shopify' is registered by more than one source"),
    ],
)
def test_the_registry_refuses_a_reserved_repeated_or_malformed_platform_name(names, problem):
    from platform_assets.sources.registry import RegistryError, check_platform_names

    with pytest.raises(RegistryError, match=re.escape(problem)):
        check_platform_names(names)
    check_platform_names(["shopify", "woocommerce"])


#: What the serving layer, the top of the layers, may not import: what assembles or runs the pipeline.
ABOVE_SERVING = ("sensors", "platform_assets.definitions", "platform_assets.cli")


def test_serving_imports_only_downward():
    imports = [
        f"{path.relative_to(PROJECT_ROOT)}:{line} imports {module}"
        for path in sorted((PROJECT_ROOT / "platform_assets" / "serving").rglob("*.py"))
        for line, module in imported_modules(path)
        if module.startswith(ABOVE_SERVING)
    ]
    assert imports == []
