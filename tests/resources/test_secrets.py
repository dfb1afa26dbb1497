"""Secrets never in text: tokens are read stripped and checked, refused by the name of their variable, and
scrubbed from the client's exceptions (message, args, chained exceptions) and from request loggers' records.
Every test plants a fresh canary token and looks for it everywhere the text could go."""

from __future__ import annotations

import logging
import secrets as random_secrets
import traceback

import dagster as dg
import pytest
import requests
from requests.adapters import BaseAdapter

from platform_assets.sources.shopify.connection import ShopifyConnection
from platform_assets.tenants import TenantConfigError
from resources.http import PacerRegistry
from resources.secrets import REDACTED, SecretValueError, check_header_value, read_secret, remember, scrub
from resources.shopify.client import (
    ShopifyAPIError,
    ShopifyAuthError,
    ShopifyClientResource,
    ShopifyProtectedDataError,
    ShopifyShopClient,
)
from sandbox.shopify import registry
from sandbox.shopify.generator import build_shop
from sandbox.shopify.server import serve
from tests.resources.test_shopify_sandbox import AUTH_MSG, CLOCK, END, PROTECTED_MSG, small_spec

VARIABLE = "ACME_SHOPIFY_TOKEN"
SOURCE = f"environment variable {VARIABLE}"
UNUSABLE = (
    f"{SOURCE} does not hold a usable token: it contains spaces, line breaks, control or non-ASCII "
    "characters inside the value (a token is printable ASCII without spaces); the value is not shown"
)


def new_canary() -> str:
    return f"shpat_CANARY_{random_secrets.token_hex(8)}"


def everything_about(exc: BaseException) -> str:
    """All the text an exception can put in a log or the Dagster event log: message, args, attributes,
    the printed traceback with its chained exceptions."""
    chain = [exc.__cause__, exc.__context__]
    return "\n".join(
        [str(exc), repr(exc), repr(exc.args), repr(vars(exc)), repr(chain), *traceback.format_exception(exc)]
    )


@pytest.fixture
def make_client(fake_time):
    """Clients whose token comes from SOURCE, with fake sleep and a private pacer registry."""
    clients: list[ShopifyShopClient] = []

    def _make(shop_url: str, token: str, session: requests.Session | None = None) -> ShopifyShopClient:
        client = ShopifyClientResource(max_attempts=2).for_shop(
            shop_url,
            token,
            sleep=fake_time.sleep,
            pacers=PacerRegistry(clock=fake_time.monotonic),
            session=session,
            token_source=SOURCE,
        )
        clients.append(client)
        return client

    yield _make
    for client in clients:
        client.close()


def connection(shop_url: str = "https://acme.myshopify.com") -> ShopifyConnection:
    return ShopifyConnection(shop_url=shop_url, token_env=VARIABLE)


@pytest.mark.parametrize("padding", [("", "\n"), ("", "\r\n"), ("  ", "  "), ("\t", " \n")])
def test_a_token_is_read_without_surrounding_whitespace(monkeypatch, padding):
    canary = new_canary()
    monkeypatch.setenv(VARIABLE, padding[0] + canary + padding[1])
    assert connection().token() == canary


@pytest.mark.parametrize("inside", [" ", "\n", "\t", "\x1b", "\x7f", "é"])
def test_a_token_with_whitespace_or_control_characters_inside_is_refused_by_name(monkeypatch, inside):
    canary = new_canary()
    monkeypatch.setenv(VARIABLE, f"{canary}{inside}{canary}\n")
    with pytest.raises(TenantConfigError) as info:
        connection().token()
    assert str(info.value) == f"{UNUSABLE} (the Shopify token for https://acme.myshopify.com)"
    assert info.value.__context__ is None and info.value.__cause__ is None
    assert canary not in everything_about(info.value)


def test_an_empty_or_unset_token_variable_is_named(monkeypatch):
    monkeypatch.setenv(VARIABLE, " \n")
    with pytest.raises(SecretValueError, match=f"^{SOURCE} is empty$"):
        read_secret(VARIABLE)
    monkeypatch.delenv(VARIABLE)
    with pytest.raises(SecretValueError, match=f"^{SOURCE} is not set$"):
        read_secret(VARIABLE)


def test_scrub_hides_every_registered_secret_and_its_repr():
    canary = new_canary()
    backslashed = new_canary() + "\\x"
    remember(canary + "\n")
    remember(backslashed)
    text = f"header {canary + chr(10)!r}; {canary}; {backslashed!r}"
    assert scrub(text) == f"header '{REDACTED}'; {REDACTED}; '{REDACTED}'"
    assert scrub("short abc") == "short abc"


def test_request_loggers_scrub_messages_and_tracebacks(caplog):
    canary = check_header_value(new_canary(), "a test token")
    caplog.set_level(logging.DEBUG)
    log = logging.getLogger("resources.http")
    log.warning("sending %s", canary)
    try:
        raise RuntimeError(f"boom {canary}")
    except RuntimeError:
        logging.getLogger("urllib3.connectionpool").exception("failed")
    assert caplog.messages == [f"sending {REDACTED}", "failed"]
    assert canary not in caplog.text
    assert f"RuntimeError: boom {REDACTED}" in caplog.text


class InvalidHeaderAdapter(BaseAdapter):
    """What requests does with a header value it refuses: an InvalidHeader quoting the value."""

    def send(self, request, **kwargs):
        token = request.headers["X-Shopify-Access-Token"]
        raise requests.exceptions.InvalidHeader(
            f"Invalid leading whitespace, reserved character(s), or return character(s) in header value: "
            f"{token!r}"
        )

    def close(self) -> None:
        pass


def test_a_request_exception_quoting_the_token_is_wrapped_and_scrubbed(make_client, caplog):
    canary = new_canary()
    session = requests.Session()
    session.mount("https://", InvalidHeaderAdapter())
    client = make_client("https://acme.myshopify.com", canary + "\n", session)
    with pytest.raises(ShopifyAPIError) as info:
        client.get_shop()
    assert str(info.value) == (
        "GET /admin/api/2026-10/shop.json -> request not sent (InvalidHeader): Invalid leading whitespace, "
        f"reserved character(s), or return character(s) in header value: '{REDACTED}'"
    )
    assert info.value.status is None
    assert info.value.__context__ is None and info.value.__cause__ is None
    assert canary not in everything_about(info.value) + caplog.text


@pytest.mark.parametrize("inside", [" ", "\n"])
def test_the_client_refuses_an_unusable_token_naming_its_source(make_client, inside):
    canary = new_canary()
    with pytest.raises(SecretValueError) as info:
        make_client("https://acme.myshopify.com", f"{canary}{inside}x")
    assert str(info.value) == UNUSABLE
    assert canary not in everything_about(info.value)


def sandbox_url(transport: str, name: str, server) -> str:
    return server.base_url(name) if transport == "http" else f"sandbox://{name}"


@pytest.fixture(params=["http", "sandbox"])
def canary_shop(request):
    """A sandbox shop whose own token is a canary, served over HTTP or in-process; customers are protected
    data the app may not read (403)."""
    canary = new_canary()
    name = f"t-canary-{random_secrets.token_hex(4)}"
    shop = build_shop(small_spec(name, access_token=canary, forbidden_resources={"customers"}), CLOCK)
    registry.register(name, shop)
    with serve({name: shop}) as server:
        yield sandbox_url(request.param, name, server), canary
    registry.unregister(name)


def test_a_401_names_the_token_variable_and_shows_no_token(canary_shop, make_client, caplog):
    url, _ = canary_shop
    caplog.set_level(logging.DEBUG)
    wrong = new_canary()
    client = make_client(url, wrong + "\n")
    with pytest.raises(ShopifyAuthError) as info:
        client.get_shop()
    path = url.split("://", 1)[1].partition("/")[2]
    prefix = f"/{path}" if path else ""
    assert str(info.value) == (
        f"GET {prefix}/admin/api/2026-10/shop.json -> HTTP 401: {AUTH_MSG}; "
        f"the shop refused the token in {SOURCE}"
    )
    assert wrong not in everything_about(info.value) + caplog.text + repr(client)


def test_a_403_with_a_good_token_padded_by_a_newline_shows_no_token(canary_shop, make_client, caplog, capfd):
    url, canary = canary_shop
    caplog.set_level(logging.DEBUG)
    client = make_client(url, canary + "\n")
    assert client.get_shop()["name"]  # the stripped token is the shop's own
    with pytest.raises(ShopifyProtectedDataError) as info:
        list(client.iter_customers(None, END))
    assert info.value.api_message == PROTECTED_MSG
    out, err = capfd.readouterr()
    assert canary not in everything_about(info.value) + caplog.text + repr(client) + out + err


def test_the_client_refuses_credentials_in_the_shop_url_without_showing_them(make_client):
    canary = new_canary()
    for url in (f"https://acme:{canary}@acme.myshopify.com", f"ftp://acme:{canary}@acme.myshopify.com"):
        with pytest.raises(ValueError) as info:
            make_client(url, new_canary())
        assert str(info.value) == (
            "shop_url must not carry a user name or password (user:pass@host; not shown)"
        )


def test_a_secret_logged_through_context_log_never_reaches_the_event_log(monkeypatch, caplog):
    """Every log record the process makes is scrubbed once a secret is read, whatever the logger: here
    Dagster's ``context.log``, which writes the run's event log (what the UI shows)."""
    canary = new_canary()
    monkeypatch.setenv("TEST_CONTEXT_LOG_TOKEN", canary + "\n")

    @dg.asset
    def careless(context) -> None:
        token = read_secret("TEST_CONTEXT_LOG_TOKEN")
        context.log.info("calling the shop with %s", token)
        logging.getLogger("some.library").warning(f"retrying with token={token}")

    with dg.DagsterInstance.ephemeral() as instance, caplog.at_level(logging.INFO):
        assert dg.materialize([careless], instance=instance).success
        messages = [entry.user_message for entry in instance.all_logs(instance.get_runs()[0].run_id)]
    assert f"calling the shop with {REDACTED}" in messages
    assert not [m for m in messages if canary in m]
    assert canary not in caplog.text and f"retrying with token={REDACTED}" in caplog.text
