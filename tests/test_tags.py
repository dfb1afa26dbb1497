"""Run tag names are spelled once (platform_assets/tags.py); Dagster's must stay the ones Dagster uses."""

import re
from pathlib import Path

from dagster._core.storage import tags as dagster_tags

from platform_assets import tags

ROOT = Path(__file__).resolve().parents[1]


def test_dagster_tag_names_are_dagsters_own():
    assert tags.RANGE_START_TAG == dagster_tags.ASSET_PARTITION_RANGE_START_TAG
    assert tags.RANGE_END_TAG == dagster_tags.ASSET_PARTITION_RANGE_END_TAG
    assert tags.PARTITION_TAG == dagster_tags.PARTITION_NAME_TAG
    assert tags.RETRY_NUMBER_TAG == dagster_tags.RETRY_NUMBER_TAG
    assert tags.PARENT_RUN_ID_TAG == dagster_tags.PARENT_RUN_ID_TAG
    assert tags.partition_dimension_tag("tenant") == f"{dagster_tags.MULTIDIMENSIONAL_PARTITION_PREFIX}tenant"


def test_a_range_is_two_tags():
    assert tags.partition_range_tags("2026-05-12|acme", "2026-05-20|acme") == {
        "dagster/asset_partition_range_start": "2026-05-12|acme",
        "dagster/asset_partition_range_end": "2026-05-20|acme",
    }


def test_no_product_module_spells_a_tag_name_of_its_own():
    """A quoted "dagster/…" or "storehouse/…" name appears only in tags.py (metadata keys aside)."""
    metadata_keys = {"dagster/row_count", "dagster/column_schema", "dagster/table_name"}
    spelled = {}
    for package in ("platform_assets", "resources", "sensors"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if path.name == "tags.py":
                continue
            names = set(re.findall(r"[\"']((?:dagster|storehouse)/[a-z_/]+)[\"']", path.read_text()))
            if names - metadata_keys:
                spelled[str(path.relative_to(ROOT))] = sorted(names - metadata_keys)
    assert spelled == {}
