"""The .sql file runner (platform_assets/warehouse/sql.py): statements split by sqlparse, so a ';' in a
string, a quoted identifier or a comment does not end a statement; comment-only tails are no statement."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from platform_assets.warehouse.sql import query_file, run_file, split_statements, statement_verb

SCRIPT = """-- Rebuild t; the comment's ';' ends nothing
DELETE FROM t WHERE tenant_id = :tenant_id;
/* a block comment; with a semicolon */
INSERT INTO t (tenant_id, note) VALUES (:tenant_id, 'a;b'), (:tenant_id, 'it''s; fine');
INSERT INTO t (tenant_id, note) SELECT :tenant_id, "x;y" FROM (SELECT 'q' AS "x;y") AS s
  WHERE :tenant_id IN :tenants;
-- a trailing comment only; not a statement
"""


def test_split_statements_handles_semicolons_in_strings_and_comments():
    parts = split_statements(SCRIPT)
    assert len(parts) == 3
    assert parts[0].startswith("-- Rebuild t; the comment's ';' ends nothing\nDELETE")
    assert parts[1].endswith("(:tenant_id, 'it''s; fine')")
    assert [statement_verb(p) for p in parts] == ["DELETE", "INSERT", "INSERT"]
    assert split_statements("-- nothing here;\n/* nor; here */\n") == ()


def test_run_file_executes_every_statement_with_bound_and_expanded_parameters(tmp_path: Path):
    script = tmp_path / "model.sql"
    script.write_text(SCRIPT)
    query = tmp_path / "query.sql"
    query.write_text("-- notes; in order\nSELECT note FROM t WHERE tenant_id = :tenant_id ORDER BY note;\n")
    engine = sa.create_engine("duckdb:///:memory:")
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t (tenant_id VARCHAR, note VARCHAR)"))
        conn.execute(sa.text("INSERT INTO t VALUES ('a', 'old'), ('b', 'other')"))
        counts = run_file(conn, script, {"tenant_id": "a", "tenants": ["a", "c"], "unused": 1})
        assert counts == {"DELETE": 1, "INSERT": 3}
        rows = query_file(conn, query, {"tenant_id": "a"})
    assert [r.note for r in rows] == ["a;b", "it's; fine", "q"]
