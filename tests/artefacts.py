"""Every artefact a run leaves, as text, for tests that search them (secret canaries): the instance's
files and records, the raw store, the warehouse and the errors the UI shows."""

from __future__ import annotations

import gzip
import secrets as random_secrets
from pathlib import Path

import dagster as dg
import sqlalchemy as sa
import yaml
from dagster._serdes import serialize_value

from tests.pipeline.harness import Pipeline


def canary() -> str:
    return f"shpat_CANARY_{random_secrets.token_hex(8)}"


def failure_texts(result: dg.ExecuteInProcessResult) -> list[str]:
    """Every error the run's event log shows, as the UI shows it (message, stack trace, causes and contexts):
    failed steps, and resources that failed to initialise (the tenants resource refusing its file)."""
    return [
        error.to_string()
        for event in result.all_events
        if (error := getattr(event.event_specific_data, "error", None)) is not None
    ]


def file_texts(root: Path) -> dict[str, str]:
    """Every file under ``root`` as text (gzip files decompressed), by path."""
    texts = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if path.suffix == ".gz":
            data = gzip.decompress(data)
        texts[str(path)] = data.decode("latin-1")
    return texts


def instance_records(instance: dg.DagsterInstance) -> str:
    """The run index (runs with their tags and config) and every event record of every run."""
    parts = []
    for record in instance.get_run_records():
        parts.append(serialize_value(record.dagster_run))
        parts.append(repr(record.dagster_run.tags))
        for entry in instance.all_logs(record.dagster_run.run_id):
            parts.append(serialize_value(entry))
    return "\n".join(parts)


def warehouse_rows(pipeline: Pipeline) -> str:
    with pipeline.warehouse.transaction() as conn:
        names = sa.inspect(conn).get_table_names()
        return "\n".join(repr(conn.execute(sa.text(f"SELECT * FROM {n}")).fetchall()) for n in names)


def set_token_env(pipeline_dir: Path, token_env: str) -> None:
    tenants_file = pipeline_dir / "tenants.yaml"
    document = yaml.safe_load(tenants_file.read_text())
    document["tenants"][0]["shopify"]["token_env"] = token_env
    tenants_file.write_text(yaml.safe_dump(document))
