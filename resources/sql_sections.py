"""SQL files of named sections, for the small SQLite stores beside the warehouse (the bulk reassembly
index, the API's rate-limit store): a section starts with ``-- name: <name>`` and may hold several
statements (run it with ``executescript``) or one (``execute``)."""

from __future__ import annotations

from pathlib import Path


def named_sections(path: Path) -> dict[str, str]:
    """The ``-- name: x`` sections of a SQL file, by name; the lines before the first one are left out."""
    sections: dict[str, list[str]] = {}
    current: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("-- name: "):
            current = sections.setdefault(line.removeprefix("-- name: ").strip(), [])
        else:
            current.append(line)
    return {name: "\n".join(lines).strip() for name, lines in sections.items()}
