"""The tenants file: validation with errors naming the tenant and field, relative start dates, and the
sensor that keeps the 'tenant' partitions in step with it."""

from datetime import date

import dagster as dg
import pytest

from platform_assets.tenants import TenantConfigError, load_tenants
from sensors.tenant_partitions import tenant_partitions_sensor

TODAY = date(2026, 11, 22)


def write(tmp_path, text: str):
    path = tmp_path / "tenants.yaml"
    path.write_text(text)
    return path


def test_demo_tenants_load_with_relative_start_dates():
    tenants = load_tenants(today=TODAY)
    assert list(tenants) == ["demo-ny", "demo-berlin"]
    assert tenants["demo-ny"].start_date == date(2026, 10, 23)
    assert tenants["demo-berlin"].timezone == "Europe/Berlin"
    assert tenants["demo-ny"].shopify.token_env == "DEMO_NY_SHOPIFY_TOKEN"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "tenants:\n  - id: Acme Co\n    start_date: 2026-01-01\n",
            "tenant id 'Acme Co' must be 1-63 characters",
        ),
        ("tenants:\n  - id: acme\n", "tenant acme: start_date is required"),
        ("tenants:\n  - id: acme\n    start_date: soon\n", "tenant acme: start_date 'soon' is neither"),
        ("tenants:\n  - id: acme\n    start_date: 2026-01-01\n    timezone: Mars/Base\n", "unknown timezone"),
        (
            "tenants:\n  - id: acme\n    start_date: 2026-01-01\n    shopify:\n      shop_url: https://a.myshopify.com\n"
            "      token_env: ACME\n      token: shpat_secret\n",
            "tokens must not be written in the tenants file",
        ),
        (
            "tenants:\n  - id: acme\n    start_date: 2026-01-01\n  - id: acme\n    start_date: 2026-01-01\n",
            "tenant id acme appears twice",
        ),
    ],
)
def test_invalid_tenants_files_name_what_is_wrong(tmp_path, body, message):
    with pytest.raises(TenantConfigError, match=message.replace("(", r"\(")):
        load_tenants(write(tmp_path, body), today=TODAY)


def test_missing_token_variable_names_the_variable_not_a_value(tmp_path, monkeypatch):
    monkeypatch.delenv("ACME_TOKEN", raising=False)
    path = write(
        tmp_path,
        "tenants:\n  - id: acme\n    start_date: 2026-01-01\n    shopify:\n"
        "      shop_url: https://acme.myshopify.com\n      token_env: ACME_TOKEN\n",
    )
    with pytest.raises(TenantConfigError, match="environment variable ACME_TOKEN"):
        load_tenants(path, today=TODAY)["acme"].shopify.token()


def test_sensor_adds_new_tenants_and_removes_deleted_ones(tmp_path, monkeypatch):
    monkeypatch.setenv(
        "STOREHOUSE_TENANTS_FILE",
        str(
            write(
                tmp_path,
                "tenants:\n  - id: acme\n    start_date: 2026-01-01\n  - id: globex\n    start_date: -5d\n",
            )
        ),
    )
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("tenant", ["initech", "acme"])

    result = tenant_partitions_sensor(dg.build_sensor_context(instance=instance))
    requests = {type(r).__name__: list(r.partition_keys) for r in result.dynamic_partitions_requests}
    assert requests == {
        "AddDynamicPartitionsRequest": ["globex"],
        "DeleteDynamicPartitionsRequest": ["initech"],
    }

    instance.add_dynamic_partitions("tenant", ["globex"])
    instance.delete_dynamic_partition("tenant", "initech")
    skipped = tenant_partitions_sensor(dg.build_sensor_context(instance=instance))
    assert isinstance(skipped, dg.SkipReason)
