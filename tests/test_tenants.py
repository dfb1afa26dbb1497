"""The tenants file: validation with errors naming the tenant and field, relative start dates; the sensor
that adds new tenants' partitions and never removes any; `storehouse sync-tenants`, which prints its plan
and removes absent tenants' partitions only with --prune."""

from datetime import UTC, date, datetime

import dagster as dg
import pytest

from platform_assets.cli import main
from platform_assets.tenants import DEMO_TENANTS_FILE, TenantConfigError, describe_tenants_file, load_tenants
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
    assert tenants["demo-ny"].connection("shopify").token_env == "DEMO_NY_SHOPIFY_TOKEN"
    assert list(tenants["demo-ny"].connections) == ["shopify", "woocommerce"]
    woo = tenants["demo-ny"].connection("woocommerce")
    assert woo.site_url == "woosandbox://demo-ny-wholesale"
    assert woo.secret_variables() == {
        "consumer_key": "DEMO_NY_WOO_KEY",
        "consumer_secret": "DEMO_NY_WOO_SECRET",
    }
    assert list(tenants["demo-berlin"].connections) == ["shopify"]


def test_a_relative_start_date_counts_back_from_each_tenants_own_today(tmp_path):
    """At 01:00 UTC on 8 December it is still the 7th in New York and already the 8th in Berlin (and in UTC,
    for a tenant naming no timezone): -30d is 30 of each tenant's business days before its own today."""
    body = "tenants:\n" + "".join(
        f"  - id: {name}\n    start_date: -30d\n" + (f"    timezone: {zone}\n" if zone else "")
        for name, zone in (("ny", "America/New_York"), ("berlin", "Europe/Berlin"), ("plain", None))
    )
    tenants = load_tenants(write(tmp_path, body), now=datetime(2026, 12, 8, 1, 0, tzinfo=UTC))
    assert {name: tenant.start_date for name, tenant in tenants.items()} == {
        "ny": date(2026, 11, 7),
        "berlin": date(2026, 11, 8),
        "plain": date(2026, 11, 8),
    }
    # a day given by the caller is every tenant's today
    given = load_tenants(
        write(tmp_path, body), today=date(2026, 12, 1), now=datetime(2026, 12, 8, tzinfo=UTC)
    )
    assert {tenant.start_date for tenant in given.values()} == {date(2026, 11, 1)}


def test_the_demo_gives_every_demo_connection_its_simulators_secrets_by_role(monkeypatch):
    """`storehouse demo` (and sync-tenants) fill each unset secret variable of a simulated connection: the
    Shopify tokens, and both the consumer key and secret of demo-ny's WooCommerce wholesale site."""
    import os

    from platform_assets.cli import _sandbox_tokens

    variables = [
        "DEMO_NY_SHOPIFY_TOKEN",
        "DEMO_BERLIN_SHOPIFY_TOKEN",
        "DEMO_NY_WOO_KEY",
        "DEMO_NY_WOO_SECRET",
    ]
    for variable in variables:  # restored (unset) afterwards even though _sandbox_tokens sets them
        monkeypatch.setenv(variable, "x")
        monkeypatch.delenv(variable)
    monkeypatch.setenv("DEMO_BERLIN_SHOPIFY_TOKEN", "shpat_operator")  # an operator's value is kept
    _sandbox_tokens(load_tenants(today=TODAY))
    assert {variable: os.environ[variable] for variable in variables} == {
        "DEMO_NY_SHOPIFY_TOKEN": "shpat_sandbox_demo_ny",
        "DEMO_BERLIN_SHOPIFY_TOKEN": "shpat_operator",
        "DEMO_NY_WOO_KEY": "ck_sandbox_demo_ny_wholesale",
        "DEMO_NY_WOO_SECRET": "cs_sandbox_demo_ny_wholesale",
    }


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
        "tenants:\n  - id: acme\n    start_date: 2026-01-01\n    connections:\n      shopify:\n"
        "        shop_url: https://acme.myshopify.com\n        token_env: ACME_TOKEN\n",
    )
    with pytest.raises(TenantConfigError, match="environment variable ACME_TOKEN"):
        load_tenants(path, today=TODAY)["acme"].connection("shopify").token()


ABSENT_INITECH = (
    "tenants in the Dagster instance but not in the tenants file {path}: initech. Their partitions are kept "
    "(this sensor never removes partitions); if they are gone for good, remove them with: "
    ".venv/bin/storehouse sync-tenants --prune"
)


def partitions(instance: dg.DagsterInstance) -> list[str]:
    return sorted(instance.get_dynamic_partitions("tenant"))


def sensor_tick(instance: dg.DagsterInstance, cursor: str | None = None) -> dg.SensorResult:
    return tenant_partitions_sensor(dg.build_sensor_context(instance=instance, cursor=cursor))


@pytest.fixture
def acme_globex_file(tmp_path, monkeypatch):
    path = write(
        tmp_path, "tenants:\n  - id: acme\n    start_date: 2026-01-01\n  - id: globex\n    start_date: -5d\n"
    )
    monkeypatch.setenv("STOREHOUSE_TENANTS_FILE", str(path))
    return path


def test_sensor_adds_new_tenants_and_never_removes_absent_ones(acme_globex_file, capsys):
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("tenant", ["initech", "acme"])
    absent = ABSENT_INITECH.format(path=acme_globex_file)

    result = sensor_tick(instance)
    requests = {type(r).__name__: list(r.partition_keys) for r in result.dynamic_partitions_requests}
    assert requests == {"AddDynamicPartitionsRequest": ["globex"]}
    assert result.cursor == "initech"
    assert capsys.readouterr().err.count(f"WARNING - {absent}") == 1

    instance.add_dynamic_partitions("tenant", ["globex"])
    again = sensor_tick(instance, cursor=result.cursor)
    assert again.dynamic_partitions_requests == []
    assert again.skip_reason.skip_message == absent
    assert "WARNING" not in capsys.readouterr().err  # reported once per change, not every 30 s
    assert partitions(instance) == ["acme", "globex", "initech"]

    instance.add_dynamic_partitions("tenant", ["hooli"])
    changed = sensor_tick(instance, cursor=again.cursor)
    assert changed.cursor == "hooli,initech"
    assert f"not in the tenants file {acme_globex_file}: hooli, initech." in capsys.readouterr().err
    assert partitions(instance) == ["acme", "globex", "hooli", "initech"]


def test_sensor_skips_when_the_partitions_match_the_file(acme_globex_file):
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("tenant", ["acme", "globex"])
    result = sensor_tick(instance)
    assert result.skip_reason.skip_message == "tenant partitions already match the tenants file"
    assert result.cursor == ""


@pytest.fixture
def dagster_home(tmp_path, monkeypatch):
    """A fresh DAGSTER_HOME holding initech (absent from the file, 3 materialised partitions) and acme."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    with dg.DagsterInstance.from_config(str(home)) as instance:
        instance.add_dynamic_partitions("tenant", ["initech", "acme"])
        for asset, day in [
            ("raw_orders", "2026-11-20"),
            ("raw_orders", "2026-11-21"),
            ("stg_orders", "2026-11-20"),
        ]:
            instance.report_runless_asset_event(dg.AssetMaterialization(asset, partition=f"{day}|initech"))
        instance.report_runless_asset_event(
            dg.AssetMaterialization("raw_orders", partition="2026-11-20|acme")
        )
    return home


def home_partitions(home) -> list[str]:
    with dg.DagsterInstance.from_config(str(home)) as instance:
        return partitions(instance)


def sync(capsys, *flags: str) -> tuple[int, list[str], str]:
    code = main(["sync-tenants", *flags])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def plan_lines(path, home) -> list[str]:
    return [
        f"Tenants file: {path} (from STOREHOUSE_TENANTS_FILE); 2 tenants, valid",
        f"Dagster instance: {home}",
        "To add: globex",
        "Already present: acme",
        "In the instance but not in the tenants file:",
        "  initech: 3 materialised asset partitions: 2 assets, 2 dates",
    ]


def test_sync_tenants_prints_its_plan_adds_new_tenants_and_keeps_absent_ones(
    acme_globex_file, dagster_home, capsys
):
    code, lines, err = sync(capsys)
    assert code == 0
    assert lines == [
        *plan_lines(acme_globex_file, dagster_home),
        "Added: globex",
        "Kept: initech. To remove their partitions: .venv/bin/storehouse sync-tenants --prune",
    ]
    assert err == ""
    assert home_partitions(dagster_home) == ["acme", "globex", "initech"]


def test_sync_tenants_removes_absent_tenants_only_with_prune(acme_globex_file, dagster_home, capsys):
    code, lines, _ = sync(capsys, "--prune")
    assert code == 0
    assert lines == [
        *plan_lines(acme_globex_file, dagster_home),
        "Added: globex",
        "Removed: initech (their partition keys only: run and materialisation history stay in the instance; "
        "the warehouse and the raw store are untouched)",
    ]
    assert home_partitions(dagster_home) == ["acme", "globex"]

    code, lines, _ = sync(capsys, "--prune")
    assert lines[2:] == [
        "To add: none",
        "Already present: acme, globex",
        "In the instance but not in the tenants file: none",
        "Added: none",
    ]


def test_sync_tenants_dry_run_changes_nothing(acme_globex_file, dagster_home, capsys):
    code, lines, _ = sync(capsys, "--dry-run", "--prune")
    assert code == 0
    assert lines == [
        *plan_lines(acme_globex_file, dagster_home),
        "Dry run: nothing changed (--prune would remove: initech).",
    ]
    assert home_partitions(dagster_home) == ["acme", "initech"]


def test_sync_tenants_refuses_an_invalid_file_before_touching_the_instance(
    tmp_path, dagster_home, monkeypatch, capsys
):
    path = write(tmp_path, "tenants:\n  - id: acme\n")
    monkeypatch.setenv("STOREHOUSE_TENANTS_FILE", str(path))
    code, lines, err = sync(capsys, "--prune")
    assert code == 1
    assert lines == []
    assert err.splitlines() == [
        "error: tenant acme: start_date is required",
        f"tenants file: {path} (from STOREHOUSE_TENANTS_FILE); nothing changed",
    ]
    assert home_partitions(dagster_home) == ["acme", "initech"]


def test_sync_tenants_names_unset_token_variables_and_never_prints_a_token(
    tmp_path, dagster_home, monkeypatch, capsys
):
    shop = "    shopify:\n      shop_url: https://{0}.myshopify.com\n      token_env: {1}\n"
    path = write(
        tmp_path,
        "tenants:\n  - id: acme\n    start_date: 2026-01-01\n"
        + shop.format("acme", "ACME_TOKEN")
        + "  - id: globex\n    start_date: 2026-01-01\n"
        + shop.format("globex", "GLOBEX_TOKEN"),
    )
    monkeypatch.setenv("STOREHOUSE_TENANTS_FILE", str(path))
    monkeypatch.setenv("ACME_TOKEN", "shpat_do_not_print_me\n")
    monkeypatch.delenv("GLOBEX_TOKEN", raising=False)
    code, lines, err = sync(capsys, "--dry-run")
    assert code == 0
    assert err.splitlines() == [
        "warning: tenant globex: GLOBEX_TOKEN is not set in this shell; export it before starting `make ui` "
        "or the daemon, or its runs fail"
    ]
    assert "shpat_do_not_print_me" not in "\n".join(lines) + err

    monkeypatch.setenv("ACME_TOKEN", "shpat_do_not print_me\n")
    monkeypatch.setenv("GLOBEX_TOKEN", "shpat_globex")
    code, lines, err = sync(capsys, "--dry-run")
    assert code == 0
    assert err.splitlines() == [
        "warning: tenant acme: environment variable ACME_TOKEN does not hold a usable token: it contains "
        "spaces, line breaks, control or non-ASCII characters inside the value (a token is printable ASCII "
        "without spaces); the value is not shown (the Shopify token for https://acme.myshopify.com); its "
        "runs would fail"
    ]
    assert "print_me" not in "\n".join(lines) + err


def test_tenants_file_description_says_when_the_demo_file_is_used(monkeypatch):
    monkeypatch.delenv("STOREHOUSE_TENANTS_FILE", raising=False)
    assert describe_tenants_file() == (
        f"{DEMO_TENANTS_FILE} (the bundled demo tenants: STOREHOUSE_TENANTS_FILE is not set)"
    )


# --------------------------------------------------------------------------------------------------
# A strict tenants file: known keys only, no secrets, URLs and variable names checked at load
# --------------------------------------------------------------------------------------------------
SECRET = "shpat_0123456789abcdef0123456789abcdef"
SECRET_HINT = (
    "secrets must not be written in the tenants file: put the token in an environment variable and name "
    "the variable in the connection's token_env"
)
TENANT_KEYS = "allowed keys: id, name, start_date, timezone, connections, reports"


def acme_file(shopify: dict[str, str] | None = None, tenant: dict[str, str] | None = None) -> str:
    """A one-tenant file; ``shopify`` entries are added to (or replace) a valid connection."""
    connection = {"shop_url": "https://acme.myshopify.com", "token_env": "ACME_TOKEN", **(shopify or {})}
    lines = ["tenants:", "  - id: acme", "    start_date: 2026-01-01"]
    lines += [f"    {k}: {v}" for k, v in (tenant or {}).items()]
    lines += ["    connections:", "      shopify:"] + [f"        {k}: {v!r}" for k, v in connection.items()]
    return "\n".join(lines) + "\n"


def load_error(tmp_path, body: str) -> str:
    with pytest.raises(TenantConfigError) as info:
        load_tenants(write(tmp_path, body), today=TODAY)
    assert info.value.__context__ is None and info.value.__cause__ is None
    return str(info.value)


@pytest.mark.parametrize("key", ["token", "access_token", "api_key", "apikey", "password", "client_secret"])
def test_a_secret_under_any_secret_like_key_is_refused_without_echoing_it(tmp_path, key):
    message = load_error(tmp_path, acme_file({key: SECRET}))
    assert message == (
        f"tenant acme: connections.shopify: key {key!r} looks like a secret (its value is not shown); "
        f"{SECRET_HINT}"
    )


def test_a_secret_like_key_on_the_tenant_or_the_top_level_is_refused_too(tmp_path):
    assert load_error(tmp_path, acme_file(tenant={"password": SECRET})) == (
        f"tenant acme: key 'password' looks like a secret (its value is not shown); {SECRET_HINT}"
    )
    path = write(tmp_path, f"api_key: {SECRET}\ntenants: []\n")
    with pytest.raises(TenantConfigError) as info:
        load_tenants(path, today=TODAY)
    assert str(info.value) == (
        f"tenants file {path}: key 'api_key' looks like a secret (its value is not shown); {SECRET_HINT}"
    )


def test_a_token_written_as_a_key_is_not_echoed(tmp_path):
    message = load_error(tmp_path, acme_file({SECRET: "yes"}))
    assert message == (
        "tenant acme: connections.shopify has a key that looks like a token itself (not shown); secrets "
        "must not be "
        "written in the tenants file: put the token in an environment variable and name the variable in "
        "the connection's token_env"
    )


def test_unknown_keys_are_errors_at_every_level_listing_the_allowed_keys(tmp_path):
    assert load_error(tmp_path, acme_file(tenant={"timezon": "Europe/Berlin"})) == (
        f"tenant acme: unknown key 'timezon'; {TENANT_KEYS}"
    )
    assert load_error(tmp_path, acme_file({"region": "eu"})) == (
        "tenant acme: connections.shopify: unknown key 'region'; allowed keys: shop_url, token_env, "
        "api_version, api"
    )
    path = write(tmp_path, "tenant:\n  - id: acme\n")
    with pytest.raises(TenantConfigError) as info:
        load_tenants(path, today=TODAY)
    assert str(info.value) == f"tenants file {path}: unknown key 'tenant'; allowed keys: tenants"


TOKEN_ENV_ERROR = (
    "tenant acme: connections.shopify.token_env must name an environment variable (like SHOP_TOKEN); "
    "the value given looks like a token itself — put the token in the environment and name the variable here"
)


@pytest.mark.parametrize(
    "value", [SECRET, "SHPAT_ABCDEF", "shppa_0123", "0123456789ABCDEF0123", "acme token", "1ACME"]
)
def test_a_token_env_that_is_not_a_variable_name_is_refused_without_echoing_it(tmp_path, value):
    assert load_error(tmp_path, acme_file({"token_env": value})) == TOKEN_ENV_ERROR


URL_RULE = (
    "https://host[:port][/path]; http:// only for a loopback host (127.0.0.0/8, ::1, localhost); "
    "sandbox://name for the built-in sandbox"
)
NO_QUERY = "must not carry a query (?…) or fragment (#…)"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", f"must be {URL_RULE}; got no scheme://host"),
        ("ftp://acme.example.com", f"must be {URL_RULE}; got scheme ftp://"),
        ("https://", f"must be {URL_RULE}; got no scheme://host"),
        (
            "http://acme.myshopify.com",
            "uses http:// for a host that is not loopback; use https:// (http:// is only for 127.0.0.0/8, "
            "::1 and localhost)",
        ),
        (
            f"https://acme:{SECRET}@acme.myshopify.com",
            "must not carry a user name or password (user:pass@host; not shown): the token goes in the "
            "environment variable named by the connection's token_env",
        ),
        (f"https://acme.myshopify.com/?access_token={SECRET}", NO_QUERY),
        ("https://acme.myshopify.com/#x", NO_QUERY),
        ("https://acme.myshopify.com:99999", f"is not a valid URL; expected {URL_RULE}"),
        ("sandbox://Demo NY", "must be sandbox://name for a sandbox shop (a-z, 0-9, '-', '_')"),
    ],
)
def test_shop_urls_are_checked_at_load_without_echoing_credentials(tmp_path, url, message):
    expected = f"tenant acme: connections.shopify.shop_url {message}"
    assert load_error(tmp_path, acme_file({"shop_url": url})) == expected


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://acme.myshopify.com/", "https://acme.myshopify.com"),
        ("https://shops.example.com:8443/acme", "https://shops.example.com:8443/acme"),
        ("http://127.0.0.1:8765/demo-ny", "http://127.0.0.1:8765/demo-ny"),
        ("http://127.5.0.1/acme", "http://127.5.0.1/acme"),
        ("http://[::1]:8765/acme", "http://[::1]:8765/acme"),
        ("http://localhost:8765/acme", "http://localhost:8765/acme"),
        ("sandbox://demo-ny", "sandbox://demo-ny"),
    ],
)
def test_https_loopback_http_and_sandbox_urls_are_accepted(tmp_path, url, kept):
    tenants = load_tenants(write(tmp_path, acme_file({"shop_url": url})), today=TODAY)
    assert tenants["acme"].connection("shopify").shop_url == kept


def test_a_yaml_syntax_error_is_reported_by_position_without_quoting_the_line(tmp_path):
    path = write(tmp_path, f"tenants:\n  - id: acme\n    token: {SECRET}: oops\n")
    with pytest.raises(TenantConfigError) as info:
        load_tenants(path, today=TODAY)
    assert str(info.value) == f"tenants file {path} is not valid YAML at line 3, column 50"  # the second ":"
    assert info.value.__context__ is None


def test_every_error_leaves_the_secret_out(tmp_path):
    """The canary goes into every place a secret could be written by mistake; no error shows it."""
    bodies = [
        acme_file({"token": SECRET}),
        acme_file({"token_env": SECRET}),
        acme_file({"shop_url": f"https://u:{SECRET}@acme.myshopify.com"}),
        acme_file({"shop_url": f"https://acme.myshopify.com?token={SECRET}"}),
        acme_file({"shop_url": SECRET}),
        acme_file(tenant={"secret": SECRET}),
        acme_file({SECRET: "1"}),
        f"tenants: [{SECRET}]\n",
    ]
    for body in bodies:
        assert SECRET not in load_error(tmp_path, body)


def test_sync_tenants_changes_nothing_when_a_later_tenant_is_invalid(
    tmp_path, dagster_home, monkeypatch, capsys
):
    """globex is new and valid, but the file also holds a secret: nothing is added, nothing pruned."""
    path = write(
        tmp_path,
        "tenants:\n  - id: globex\n    start_date: 2026-01-01\n"
        + acme_file({"api_key": SECRET}).removeprefix("tenants:\n"),
    )
    monkeypatch.setenv("STOREHOUSE_TENANTS_FILE", str(path))
    code, lines, err = sync(capsys, "--prune")
    assert code == 1
    assert lines == []
    assert err.splitlines() == [
        "error: tenant acme: connections.shopify: key 'api_key' looks like a secret (its value is not "
        "shown); " + SECRET_HINT,
        f"tenants file: {path} (from STOREHOUSE_TENANTS_FILE); nothing changed",
    ]
    assert home_partitions(dagster_home) == ["acme", "initech"]


def test_the_sensor_adds_nothing_from_an_invalid_file_and_reports_why(tmp_path, monkeypatch, capsys):
    path = write(
        tmp_path,
        "tenants:\n  - id: globex\n    start_date: 2026-01-01\n"
        + acme_file({"shop_url": f"https://u:{SECRET}@acme.myshopify.com"}).removeprefix("tenants:\n"),
    )
    monkeypatch.setenv("STOREHOUSE_TENANTS_FILE", str(path))
    instance = dg.DagsterInstance.ephemeral()
    with pytest.raises(dg.Failure) as info:
        sensor_tick(instance)
    assert info.value.description == (
        f"tenants file {path} is invalid: tenant acme: connections.shopify.shop_url must not carry a user "
        "name or password (user:pass@host; not shown): the token goes in the environment variable named by "
        "the connection's token_env"
    )
    assert partitions(instance) == []
    assert SECRET not in capsys.readouterr().err


@pytest.mark.parametrize(
    ("version", "shown"),
    [
        ("2025-7", "'2025-7'"),
        ("../../shop", "'../../shop'"),
        ("2025-05", "'2025-05'"),
        ("2025-13", "'2025-13'"),  # no such month: no release, no retirement date
        ("25-07", "'25-07'"),
        (SECRET, "(not shown)"),
    ],
)
def test_an_api_version_that_shopify_does_not_publish_is_refused_at_load(tmp_path, version, shown):
    assert load_error(tmp_path, acme_file({"api_version": version})) == (
        f"tenant acme: connections.shopify.api_version {shown} is not a Shopify Admin API version "
        "(YYYY-01, YYYY-04, YYYY-07 or YYYY-10, e.g. 2026-10, or unstable)"
    )


@pytest.mark.parametrize("version", ["2025-07", "2026-01", "unstable"])
def test_published_api_versions_are_accepted(tmp_path, version):
    tenants = load_tenants(write(tmp_path, acme_file({"api_version": version})), today=TODAY)
    assert tenants["acme"].connection("shopify").api_version == version


# --------------------------------------------------------------------------------------------------
# Connections keyed by platform
# --------------------------------------------------------------------------------------------------
def test_connections_are_keyed_by_registered_platform_and_typed_by_its_source(tmp_path):
    tenants = load_tenants(write(tmp_path, acme_file()), today=TODAY)
    connection = tenants["acme"].connection("shopify")
    assert type(connection).__name__ == "ShopifyConnection"
    assert (connection.url, connection.secret_variables(), connection.api_version) == (
        "https://acme.myshopify.com",
        {"token": "ACME_TOKEN"},
        "2026-10",
    )
    assert tenants["acme"].connection("woocommerce") is None


def test_a_platform_no_source_serves_is_refused_and_connections_are_optional(tmp_path):
    body = "tenants:\n  - id: acme\n    start_date: 2026-01-01\n    connections:\n      lightspeed: {}\n"
    assert load_error(tmp_path, body) == (
        "tenant acme: connections: unknown key 'lightspeed'; allowed keys: shopify, woocommerce"
    )
    body = "tenants:\n  - id: acme\n    start_date: 2026-01-01\n"
    assert load_tenants(write(tmp_path, body), today=TODAY)["acme"].connections == {}
    body = "tenants:\n  - id: acme\n    start_date: 2026-01-01\n    connections:\n      shopify: []\n"
    assert load_error(tmp_path, body) == (
        "tenant acme: connections.shopify must be a mapping of shop_url, token_env, api_version, api"
    )
    body = acme_file().replace("        token_env: 'ACME_TOKEN'\n", "")
    assert load_error(tmp_path, body) == "tenant acme: connections.shopify.token_env is required"


def test_a_file_written_before_connections_keeps_working(tmp_path):
    """An older file names the platform on the tenant itself (``shopify:``): read as its connection."""
    legacy = acme_file().replace("    connections:\n      shopify:\n", "    shopify:\n")
    legacy = legacy.replace("\n        ", "\n      ")
    assert "connections" not in legacy
    tenants = load_tenants(write(tmp_path, legacy), today=TODAY)
    assert tenants["acme"].connection("shopify").shop_url == "https://acme.myshopify.com"


def test_a_run_reads_the_tenants_file_once_through_the_tenants_resource(tmp_path, monkeypatch):
    """Every step of a run sees the same tenants: the resource reads the file when the run starts."""
    from platform_assets import tenants as tenants_module
    from platform_assets.tenants import TenantsResource

    path = write(tmp_path, acme_file())
    reads: list[object] = []
    real_load = tenants_module.load_tenants
    monkeypatch.setattr(tenants_module, "load_tenants", lambda *a, **k: reads.append(a) or real_load(*a, **k))

    @dg.asset
    def first(tenants: TenantsResource) -> list[str]:
        return list(tenants.all())

    @dg.asset
    def second(first: list[str], tenants: TenantsResource) -> list[str]:
        return [*first, *tenants.all()]

    result = dg.materialize([first, second], resources={"tenants": TenantsResource(tenants_file=str(path))})
    assert result.output_for_node("second") == ["acme", "acme"]
    assert reads == [(path,)]


@pytest.mark.parametrize(("value", "api"), [("graphql", "graphql"), ("rest", "rest"), ("REST", "rest")])
def test_the_admin_api_a_tenant_reads_through_is_chosen_per_tenant(tmp_path, value, api):
    tenants = load_tenants(write(tmp_path, acme_file({"api": value})), today=TODAY)
    assert tenants["acme"].connection("shopify").api == api


def test_a_new_tenant_reads_shopify_through_graphql_by_default(tmp_path):
    tenants = load_tenants(write(tmp_path, acme_file()), today=TODAY)
    assert tenants["acme"].connection("shopify").api == "graphql"


@pytest.mark.parametrize(
    ("value", "shown"), [("soap", "'soap'"), ("graph-ql", "'graph-ql'"), (SECRET, "(not shown)")]
)
def test_an_admin_api_other_than_graphql_or_rest_is_refused_naming_tenant_and_field(tmp_path, value, shown):
    assert load_error(tmp_path, acme_file({"api": value})) == (
        f"tenant acme: connections.shopify.api {shown} is not a Shopify Admin API to read through "
        "(graphql or rest)"
    )
