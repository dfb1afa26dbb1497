"""The transport seam: a shop URL scheme other than http(s) is answered by the transport registered for it
(the demo wiring registers the built-in sandbox for sandbox://); without one the client refuses the URL and
says how to wire it."""

from __future__ import annotations

import pytest
import requests

from demo.wiring import install
from resources.shopify_client import ShopifyShopClient
from resources.transports import (
    TransportNotRegistered,
    register_transport,
    registered_schemes,
    transport_for,
    unregister_transport,
)
from sandbox.shopify.inprocess import mount

UNREGISTERED_SANDBOX = (
    "shop_url: no transport registered for sandbox:// URLs; the demo wiring (demo.wiring.install(), "
    "run by `storehouse demo`, `make ui` and the tests) registers the built-in sandbox for sandbox://, "
    "and resources.transports.register_transport(scheme, mount) registers any other"
)


@pytest.fixture
def no_sandbox_transport():
    """The sandbox's transport unregistered for the test, registered again afterwards (as the tests run)."""
    unregister_transport("sandbox")
    yield
    install()


def test_the_tests_run_with_the_sandbox_registered():
    assert registered_schemes() == ["sandbox"]
    assert transport_for("sandbox") is mount


def test_a_sandbox_url_without_its_transport_fails_naming_the_wiring(no_sandbox_transport):
    with pytest.raises(TransportNotRegistered) as raised:
        ShopifyShopClient("sandbox://demo-ny", "shpat_sandbox_demo_ny")
    assert str(raised.value) == UNREGISTERED_SANDBOX


def test_an_unknown_scheme_fails_naming_it():
    with pytest.raises(TransportNotRegistered, match=r"^shop_url: no transport registered for ftp:// URLs; "):
        ShopifyShopClient("ftp://shop.example", "shpat_x")


def test_a_registered_transport_is_mounted_on_the_clients_session(no_sandbox_transport):
    mounted: list[requests.Session] = []
    register_transport("sandbox", mounted.append)
    session = requests.Session()
    with ShopifyShopClient("sandbox://demo-ny", "shpat_sandbox_demo_ny", session=session):
        assert mounted == [session]
    https = ShopifyShopClient("https://acme.myshopify.com", "shpat_x", session=requests.Session())
    assert mounted == [session]  # http(s) never goes through a registered transport
    https.close()


def test_the_sandbox_answers_once_installed():
    with ShopifyShopClient("sandbox://demo-ny", "shpat_sandbox_demo_ny") as client:
        assert client.shop_url == "sandbox://demo-ny"
        assert client.get_shop()["name"] == "Demo Outdoor Supply"


@pytest.mark.parametrize("scheme", ["http", "https", "Sandbox", "sand box", ""])
def test_network_and_malformed_schemes_cannot_be_registered(scheme):
    with pytest.raises(ValueError, match="a transport scheme must be lower-case letters and digits"):
        register_transport(scheme, mount)
