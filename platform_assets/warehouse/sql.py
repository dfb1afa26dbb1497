"""Running the project's .sql files: one file per model, statements separated by ';' at a line end,
named parameters (:tenant_id, :start_date, :end_date) and list parameters expanded (:days)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa


@cache
def statements(path: Path) -> tuple[str, ...]:
    """The statements of a .sql file, comments kept (they are the documentation)."""
    text = path.read_text()
    parts, current = [], []
    for line in text.splitlines():
        current.append(line)
        if line.rstrip().endswith(";"):
            parts.append("\n".join(current).rstrip().rstrip(";"))
            current = []
    if any(line.strip() and not line.strip().startswith("--") for line in current):
        parts.append("\n".join(current))
    return tuple(parts)


def statement_verb(sql: str) -> str:
    """DELETE, INSERT, UPDATE… : the first keyword after the leading comments."""
    code = [line for line in sql.splitlines() if line.strip() and not line.strip().startswith("--")]
    return code[0].split()[0].upper() if code else ""


def run_file(conn: sa.Connection, path: Path, params: Mapping[str, Any]) -> Counter[str]:
    """Execute every statement of ``path``; returns the affected rows per verb (deleted, inserted, …)."""
    counts: Counter[str] = Counter()
    for sql in statements(path):
        clause = sa.text(sql)
        for name, value in params.items():
            if isinstance(value, list | tuple) and f":{name}" in sql:
                clause = clause.bindparams(sa.bindparam(name, expanding=True))
        used = {k: (list(v) if isinstance(v, tuple) else v) for k, v in params.items() if f":{k}" in sql}
        result = conn.execute(clause, used)
        counts[statement_verb(sql)] += max(result.rowcount or 0, 0)
    return counts


def query_file(conn: sa.Connection, path: Path, params: Mapping[str, Any]) -> list[sa.Row]:
    """Run a single-SELECT .sql file and return its rows."""
    (sql,) = statements(path)
    return list(conn.execute(sa.text(sql), {k: v for k, v in params.items() if f":{k}" in sql}).fetchall())
