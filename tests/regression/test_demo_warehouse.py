"""The refactor's safety net: every table of the demo's warehouse is identical to what the reference code
produced (row count and an order-independent SHA-256 of each table's rows; the expected figures are in
demo_warehouse_checksums.json, regenerated only on purpose: see demo_warehouse.py). A missing table, an
extra table or a changed one fails, naming the table."""

from tests.pipeline.harness import SANDBOX_PLATFORM
from tests.regression.demo_warehouse import (
    CHECKSUMS_FILE,
    EXCLUDED_COLUMNS,
    checksum_tables,
    compare,
    demo_ranges,
    load_expected,
)


def test_every_table_of_the_demo_warehouse_is_identical_to_the_reference(demo_warehouse, tmp_path):
    url = demo_warehouse.url
    dump = tmp_path / "tables"
    actual = checksum_tables(url, dump_dir=dump)
    hint = (
        f" (rows now: {dump}/{{table}}.tsv; the reference's: python -m tests.regression.demo_warehouse "
        "--dump DIR on the reference commit, then diff)"
    )
    problems = compare(load_expected(), actual, hint)
    assert not problems, f"the demo's warehouse differs from {CHECKSUMS_FILE.name}:\n" + "\n".join(problems)


def test_only_listed_columns_are_left_out_and_they_exist(demo_warehouse):
    """An exclusion names a real column (a renamed one must not silently leave its table unchecked), and
    every table has rows, so each checksum proves something, but two that are empty on purpose: the
    dead letters (the demo shops plant no defect) and the deletions (their orders are never deleted)."""
    import sqlalchemy as sa

    warehouse = next(iter(demo_warehouse.pipelines.values())).warehouse
    with warehouse.transaction() as conn:
        for table, columns in EXCLUDED_COLUMNS.items():
            present = set(conn.execute(sa.text(f'SELECT * FROM "{table}" LIMIT 0')).keys())
            assert set(columns) <= present, (table, sorted(columns), sorted(present))
    expected = load_expected()
    empty = [name for name, table in expected.items() if table["rows"] == 0]
    assert empty == ["dlq_records", "source_deletions"]
    for table, columns in EXCLUDED_COLUMNS.items():
        assert not set(columns) & set(expected[table]["columns"])


def test_the_demo_warehouse_equals_the_sandbox_ground_truth(demo_warehouse):
    assert demo_warehouse.ground_truth_diffs == {tenant: [] for tenant in demo_ranges()}
    for tenant, (start, end) in demo_ranges().items():
        rows = demo_warehouse.pipelines[tenant].agg_daily_sales(start, end, platform=SANDBOX_PLATFORM)
        assert len(rows) == (end - start).days + 1 == 30, tenant
