"""The transport seam: a shop URL scheme other than http(s) is answered by the transport registered for it,
or else by the one its ``storehouse.transports`` entry point names (pyproject.toml declares the built-in
sandbox's for sandbox://); without either the client refuses the URL and says how to provide one. The
simulator seam (``storehouse.simulators``) works alike for what `storehouse demo` needs of a shop."""

from __future__ import annotations

from datetime import date
from importlib import metadata

import pytest
import requests

from platform_assets import simulators
from resources import transports
from resources.shopify.client import ShopifyShopClient
from resources.transports import (
    TransportNotRegistered,
    register_transport,
    registered_schemes,
    transport_for,
    unregister_transport,
)
from sandbox.shopify.inprocess import mount

UNREGISTERED_SANDBOX = (
    "shop_url: no transport registered for sandbox:// URLs and no 'storehouse.transports' entry point named "
    "'sandbox' is installed; install the package that provides it (`make install` installs this "
    "project's, `sandbox` for the built-in sandbox), or call "
    "resources.transports.register_transport('sandbox', mount)"
)


@pytest.fixture
def fresh_sandbox_transport():
    """The sandbox's transport forgotten for the test and afterwards (the next client loads it again)."""
    unregister_transport("sandbox")
    yield
    unregister_transport("sandbox")


@pytest.fixture
def no_entry_points(monkeypatch, fresh_sandbox_transport):
    """As if no package declared a ``storehouse.transports`` entry point."""
    monkeypatch.setattr(transports, "installed_entry_points", lambda group: ())


def test_the_installed_project_declares_the_sandbox_entry_points():
    (transport,) = metadata.entry_points(group="storehouse.transports", name="sandbox")
    assert transport.value == "sandbox.shopify.inprocess:mount"
    (simulator,) = metadata.entry_points(group="storehouse.simulators", name="sandbox")
    assert simulator.value == "sandbox.shopify.simulated:simulated_shops"


def test_the_sandbox_transport_is_loaded_from_its_entry_point_on_first_use(fresh_sandbox_transport):
    assert "sandbox" not in registered_schemes()
    assert transport_for("sandbox") is mount
    assert "sandbox" in registered_schemes()


def test_a_sandbox_url_without_a_transport_fails_naming_the_entry_point(no_entry_points):
    with pytest.raises(TransportNotRegistered) as raised:
        ShopifyShopClient("sandbox://demo-ny", "shpat_sandbox_demo_ny")
    assert str(raised.value) == UNREGISTERED_SANDBOX


def test_an_entry_point_that_does_not_load_fails_naming_it(monkeypatch, fresh_sandbox_transport):
    broken = metadata.EntryPoint("sandbox", "sandbox.shopify.no_such_module:mount", "storehouse.transports")
    monkeypatch.setattr(transports, "installed_entry_points", lambda group: (broken,))
    expected = (
        r"^shop_url: the 'storehouse.transports' entry point 'sandbox' "
        r"\(sandbox.shopify.no_such_module:mount\) for sandbox:// URLs failed to load: ModuleNotFoundError"
    )
    with pytest.raises(TransportNotRegistered, match=expected):
        transport_for("sandbox")


def test_an_unknown_scheme_fails_naming_it():
    expected = r"^shop_url: no transport registered for ftp:// URLs and no 'storehouse.transports' entry "
    with pytest.raises(TransportNotRegistered, match=expected):
        ShopifyShopClient("ftp://shop.example", "shpat_x")


def test_a_registered_transport_is_mounted_on_the_clients_session(fresh_sandbox_transport):
    mounted: list[requests.Session] = []
    register_transport("sandbox", mounted.append)
    session = requests.Session()
    with ShopifyShopClient("sandbox://demo-ny", "shpat_sandbox_demo_ny", session=session):
        assert mounted == [session]
    https = ShopifyShopClient("https://acme.myshopify.com", "shpat_x", session=requests.Session())
    assert mounted == [session]  # http(s) never goes through a registered transport
    https.close()


def test_the_sandbox_answers_through_its_entry_point(fresh_sandbox_transport):
    with ShopifyShopClient("sandbox://demo-ny", "shpat_sandbox_demo_ny") as client:
        assert client.shop_url == "sandbox://demo-ny"
        assert client.get_shop()["name"] == "Demo Outdoor Supply"


@pytest.mark.parametrize("scheme", ["http", "https", "Sandbox", "sand box", ""])
def test_network_and_malformed_schemes_cannot_be_registered(scheme):
    with pytest.raises(ValueError, match="a transport scheme must be lower-case letters and digits"):
        register_transport(scheme, mount)


def test_the_sandbox_simulator_is_loaded_from_its_entry_point():
    simulators.unregister_simulator("sandbox")
    try:
        shops = simulators.simulator_for("sandbox://demo-ny")
        assert type(shops).__module__ == "sandbox.shopify.simulated"
        assert shops.access_token("sandbox://demo-ny") == "shpat_sandbox_demo_ny"
        assert isinstance(shops.today("sandbox://demo-ny"), date)
        assert simulators.simulator_for("sandbox://demo-berlin") is shops
    finally:
        simulators.unregister_simulator("sandbox")


def test_real_shops_and_uninstalled_schemes_have_no_simulator(monkeypatch):
    assert simulators.simulator_for("https://acme.myshopify.com") is None
    monkeypatch.setattr(simulators, "installed_entry_points", lambda group: ())
    simulators.unregister_simulator("sandbox")
    try:
        assert simulators.simulator_for("sandbox://demo-ny") is None
    finally:
        simulators.unregister_simulator("sandbox")


def test_simulated_connections_get_every_secret_by_role_from_their_simulator():
    """`storehouse demo` gives a demo connection each of its secret variables: the Shopify sandbox offers a
    token, the WooCommerce sandbox the consumer key and secret of demo-ny's wholesale site."""
    assert simulators.simulated_secrets("sandbox://demo-ny") == {"token": "shpat_sandbox_demo_ny"}
    assert simulators.simulated_secrets("woosandbox://demo-ny-wholesale") == {
        "consumer_key": "ck_sandbox_demo_ny_wholesale",
        "consumer_secret": "cs_sandbox_demo_ny_wholesale",
    }
    assert simulators.simulated_secrets("https://acme.myshopify.com") == {}


def test_a_simulator_without_secrets_offers_its_access_token_as_the_token(monkeypatch):
    class TokenOnly:
        def access_token(self, shop_url: str) -> str:
            return "tok"

    simulators.register_simulator("tokenonly", TokenOnly())  # type: ignore[arg-type]
    try:
        assert simulators.simulated_secrets("tokenonly://x") == {"token": "tok"}
    finally:
        simulators.unregister_simulator("tokenonly")


def test_the_sandbox_world_is_found_by_its_entry_point_and_real_shops_have_no_spanning_truth():
    names = [ep.value for ep in simulators.installed_entry_points(simulators.WORLD_ENTRY_POINT_GROUP)]
    assert names == ["sandbox.demo_world:simulated_world"]
    day = date(2026, 1, 1)
    assert simulators.tenant_ground_truth({"shopify": "https://acme.myshopify.com"}, day, day) is None
    assert simulators.tenant_ground_truth({}, day, day) is None


def test_a_registered_world_is_asked_first():
    day = date(2026, 1, 1)

    class World:
        def ground_truth(self, shop_urls, start, end):
            return [{"platform": "all", "urls": dict(shop_urls)}]

    world = World()
    simulators.register_world(world)  # type: ignore[arg-type]
    try:
        urls = {"shopify": "sandbox://demo-ny", "woocommerce": "woosandbox://demo-ny-wholesale"}
        assert simulators.tenant_ground_truth(urls, day, day) == [{"platform": "all", "urls": urls}]
    finally:
        simulators.unregister_world(world)  # type: ignore[arg-type]
