"""Access: 401 without a valid key, 404 for a tenant the key may not read (on every route, found from the
OpenAPI spec so a new endpoint is covered without editing this test), 429 past the rate limit, keys
never logged and stored only hashed."""

from __future__ import annotations

import json
import logging
import re

import pytest

from platform_assets.cli import main
from platform_assets.serving.keys import KeyStore
from tests.serving.conftest import Served, make_client

#: A value for each required query parameter of any endpoint.
REQUIRED_VALUES = {"start": "2026-01-01", "end": "2026-12-31"}
#: What only globex's rows hold: none may show through another tenant's key.
GLOBEX_ONLY = ("globex", "Globex", "999.99", "4242.42", "gina@", "2026-11-30")


def tenant_routes(served: Served) -> list[tuple[str, dict[str, str]]]:
    """Every GET path of the API with a {tenant_id}, and values for its required query parameters."""
    spec = served.client.get("/openapi.json").json()
    routes = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            assert method == "get", f"{method.upper()} {path}: add it to the isolation test"
            params = {
                p["name"]: REQUIRED_VALUES[p["name"]]
                for p in operation.get("parameters", [])
                if p["in"] == "query" and p.get("required")
            }
            routes.append((path, params))
    return routes


def test_every_tenant_route_is_isolated(served: Served):
    routes = tenant_routes(served)
    assert len(routes) >= 9
    for path, params in routes:
        if "{tenant_id}" not in path:
            continue
        for key, own, other in ((served.acme, "acme", "globex"), (served.globex, "globex", "acme")):
            mine = served.client.get(path.format(tenant_id=own), params=params, headers=served.headers(key))
            assert mine.status_code == 200, (path, mine.text)
            for fmt in ("json", "csv"):
                theirs = served.client.get(
                    path.format(tenant_id=other),
                    params={**params, "format": fmt},
                    headers=served.headers(key),
                )
                assert (theirs.status_code, theirs.json()) == (404, {"detail": "tenant not found"}), path
            unknown = served.client.get(
                path.format(tenant_id="nobody"), params=params, headers=served.headers(key)
            )
            assert (unknown.status_code, unknown.json()) == (404, {"detail": "tenant not found"})
        acme = served.client.get(
            path.format(tenant_id="acme"), params=params, headers=served.headers(served.acme)
        ).text
        assert [secret for secret in GLOBEX_ONLY if secret in acme] == [], path
        admin = served.client.get(
            path.format(tenant_id="globex"), params=params, headers=served.headers(served.admin)
        )
        assert admin.status_code == 200, path
    listed = served.client.get("/api/v1/tenants", headers=served.headers(served.acme)).text
    assert [secret for secret in GLOBEX_ONLY if secret in listed] == []


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer "},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer shk_00000000_" + "a" * 43},
        {"X-API-Key": "not-a-key"},
    ],
    ids=["none", "empty", "basic", "unknown", "malformed"],
)
def test_no_or_a_bad_key_is_401(served: Served, headers):
    for path in ("/api/v1/tenants", "/api/v1/tenants/acme/status", "/api/v1/tenants/nobody/status"):
        response = served.client.get(path, headers=headers)
        assert (response.status_code, response.json()) == (401, {"detail": "missing or invalid API key"})
        assert response.headers["WWW-Authenticate"] == "Bearer"


def test_a_key_in_the_query_string_is_not_accepted(served: Served):
    response = served.client.get("/api/v1/tenants", params={"api_key": served.acme, "key": served.acme})
    assert response.status_code == 401


def test_x_api_key_header_works_and_a_revoked_key_is_401_at_once(served: Served, tmp_path):
    store = KeyStore(tmp_path / "keys.json")
    key, record = store.create("acme")
    client = make_client(served.url, served.snapshot, store)
    assert client.get("/api/v1/tenants", headers={"X-API-Key": key}).status_code == 200
    store.revoke(record.id)
    response = client.get("/api/v1/tenants", headers={"X-API-Key": key})
    assert (response.status_code, response.json()) == (401, {"detail": "missing or invalid API key"})


def test_the_rate_limit_is_per_key_and_answers_429_with_retry_after(served: Served):
    client = make_client(served.url, served.snapshot, served.keys, rate_limit="3/minute")
    for _ in range(3):
        assert client.get("/api/v1/tenants", headers=served.headers(served.acme)).status_code == 200
    refused = client.get("/api/v1/tenants", headers=served.headers(served.acme))
    assert (refused.status_code, refused.json()) == (429, {"detail": "rate limit exceeded: 3/minute"})
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert client.get("/api/v1/tenants", headers=served.headers(served.globex)).status_code == 200


def test_keys_never_appear_in_logs(served: Served, caplog):
    caplog.set_level(logging.DEBUG)
    revoked_store = served.keys
    for key in (served.acme, served.admin, served.globex):
        served.client.get("/api/v1/tenants/acme/status", headers=served.headers(key))
        served.client.get("/api/v1/tenants/acme/status", headers={"X-API-Key": key + "x"})
    assert revoked_store.list()
    text = caplog.text
    assert "refused a request" in text  # the bad keys were logged, without the key
    for key in (served.acme, served.admin, served.globex):
        secret = key[len("shk_00000000_") :]
        assert secret not in text


def test_keys_cli_creates_lists_and_revokes_storing_hashes_only(tmp_path, monkeypatch, capsys):
    path = tmp_path / "keys.json"
    monkeypatch.setenv("STOREHOUSE_API_KEYS_FILE", str(path))
    monkeypatch.delenv("STOREHOUSE_TENANTS_FILE", raising=False)
    assert main(["keys", "create", "--tenant", "demo-ny"]) == 0
    created = capsys.readouterr().out
    key = re.search(r"(shk_[0-9a-f]{8}_\S+)", created).group(1)
    key_id = key.split("_")[1]
    assert key not in path.read_text() and key[len("shk_00000000_") :] not in path.read_text()
    assert path.stat().st_mode & 0o777 == 0o600
    assert main(["keys", "create", "--admin"]) == 0
    capsys.readouterr()
    assert main(["keys", "list"]) == 0
    listed = capsys.readouterr().out
    assert key_id in listed and "demo-ny" in listed and "admin" in listed and key not in listed
    assert main(["keys", "revoke", key_id]) == 0
    capsys.readouterr()
    assert KeyStore(path).verify(key) is None
    assert [record["revoked_at"] is not None for record in json.loads(path.read_text())["keys"]] == [
        True,
        False,
    ]
    assert main(["keys", "revoke", "ffffffff"]) == 1
    assert "no key ffffffff" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["keys", "create"])  # a tenant or --admin is required
