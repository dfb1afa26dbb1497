"""Running the project's .sql files: one file per model, several statements each (split by sqlparse, so a
';' inside a string, a quoted identifier or a comment does not end a statement), named parameters
(:tenant_id, :start_date, :end_date) and list parameters expanded (:days)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import sqlparse
from sqlparse import lexer
from sqlparse import tokens as T


def split_statements(text: str) -> tuple[str, ...]:
    """The statements of SQL ``text`` without their final ';', comments kept (they are the documentation);
    a part holding only comments (e.g. after the last statement) is no statement."""
    parts = (part.strip() for part in sqlparse.split(text, strip_semicolon=True))
    return tuple(part for part in parts if _has_code(part))


def _has_code(part: str) -> bool:
    """Whether ``part`` holds anything but comments and whitespace (sqlparse's lexer alone: a full parse
    costs a second per process over the project's files)."""
    return any(ttype not in T.Comment and ttype not in T.Whitespace for ttype, _ in lexer.tokenize(part))


@cache
def statements(path: Path) -> tuple[str, ...]:
    """The statements of a .sql file (:func:`split_statements`)."""
    return split_statements(path.read_text())


@cache
def statement_verb(sql: str) -> str:
    """DELETE, INSERT, UPDATE, WITH… : the first keyword after the leading comments."""
    for ttype, value in lexer.tokenize(sql):
        if ttype not in T.Comment and ttype not in T.Whitespace:
            return value.split()[0].upper()
    return ""


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
