"""Access: 401 without a valid key, 404 for a tenant the key may not read (on every route, found from the
OpenAPI spec so a new endpoint is covered without editing this test), 429 past the rate limit, keys
never logged and stored only hashed."""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from platform_assets.cli import main
from platform_assets.serving.api.rate_limits import RateLimit, store_path_for
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


def test_two_app_instances_sharing_the_key_file_share_each_keys_budget(served: Served):
    """Two apps (two API processes, or two uvicorn workers) over the same key file count the same window:
    2 requests on one and 1 on the other use up 3/hour, and both then refuse the key. An app configured
    with another limit counts its own window."""
    first = make_client(served.url, served.snapshot, served.keys, rate_limit="3/hour")
    second = make_client(served.url, served.snapshot, served.keys, rate_limit="3/hour")
    other_limit = make_client(served.url, served.snapshot, served.keys, rate_limit="4/hour")
    headers = served.headers(served.admin)
    answers = [client.get("/api/v1/tenants", headers=headers) for client in (first, second, first)]
    assert [answer.status_code for answer in answers] == [200, 200, 200]
    assert second.get("/api/v1/tenants", headers=headers).status_code == 429
    assert first.get("/api/v1/tenants", headers=headers).status_code == 429
    assert other_limit.get("/api/v1/tenants", headers=headers).status_code == 200
    assert store_path_for(served.keys.path).exists()


def test_the_moving_window_frees_a_request_when_the_oldest_leaves_it(tmp_path: Path):
    now = [1000.0]
    limit = RateLimit("2/minute", tmp_path / "keys.rate-limits.sqlite", clock=lambda: now[0])
    assert limit.retry_after("k1") is None  # t = 1000
    now[0] = 1010.0
    assert limit.retry_after("k1") is None
    now[0] = 1020.5
    assert limit.retry_after("k1") == 40  # the hit of t = 1000 leaves at 1060: 39.5 s → 40
    assert limit.retry_after("k2") is None  # per key
    now[0] = 1060.0
    assert limit.retry_after("k1") is None  # refusals are not counted; the first hit has left
    assert limit.retry_after("k1") == 10
    now[0] = 1060.0 + 86_400
    RateLimit("5/minute", limit.store, clock=lambda: now[0]).retry_after("k3")  # opening forgets stale hits
    with sqlite3.connect(limit.store) as db:
        assert db.execute("SELECT bucket, at FROM api_hits").fetchall() == [("5/minute k3", 87460.0)]
    with pytest.raises(ValueError, match="N/second, N/minute, N/hour or N/day, got '3 per fortnight'"):
        RateLimit("3 per fortnight", tmp_path / "x.sqlite")


def test_threads_opening_a_new_store_at_once_all_get_in(tmp_path):
    """The first connections to a new store switch it to WAL together, which SQLite may refuse at once
    ("database is locked") rather than wait: every request of six threads starting together still counts."""
    import threading

    for trial in range(20):
        limit = RateLimit("1000/minute", tmp_path / f"new-{trial}.sqlite")
        start, errors = threading.Barrier(6), []

        def requests(
            limit: RateLimit = limit, start: threading.Barrier = start, errors: list[str] = errors
        ) -> None:
            start.wait()
            try:
                for _ in range(10):
                    assert limit.retry_after("k") is None
            except Exception as exc:  # collected and asserted below
                errors.append(repr(exc))

        threads = [threading.Thread(target=requests) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        with sqlite3.connect(limit.store) as conn:
            assert conn.execute("SELECT COUNT(*) FROM api_hits").fetchone() == (60,)


#: One process hammering the shared store: prints how many of its tries were allowed.
HAMMER = """
import sys
from pathlib import Path
from platform_assets.serving.api.rate_limits import RateLimit
limit = RateLimit("50/hour", Path(sys.argv[1]))
print(sum(limit.retry_after("k1") is None for _ in range(40)))
"""


def test_two_processes_hitting_the_store_at_once_allow_exactly_the_limit(tmp_path: Path):
    """Two processes each try 40 requests of one key at the same time against 50/hour: exactly 50 are
    allowed between them (a per-process count would allow 80)."""
    store = tmp_path / "api_keys.rate-limits.sqlite"
    command = [sys.executable, "-c", HAMMER, str(store)]
    processes = [subprocess.Popen(command, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    allowed = [int(process.communicate(timeout=60)[0]) for process in processes]
    assert all(process.returncode == 0 for process in processes)
    assert sum(allowed) == 50 and min(allowed) >= 10


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
