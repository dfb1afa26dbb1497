"""Authentication: Basic and the query fallback on HTTPS (the in-process scheme), OAuth 1.0a on plain HTTP
over a real server on 127.0.0.1, and WooCommerce's exact 401 bodies."""

from __future__ import annotations

import time

import pytest
import requests

from sandbox.woocommerce.auth import base_string, sign_oauth1
from sandbox.woocommerce.inprocess import mount
from sandbox.woocommerce.server import serve
from tests.sandbox.woocommerce.conftest import BASE

CANNOT_VIEW = {
    "code": "woocommerce_rest_cannot_view",
    "message": "Sorry, you cannot list resources.",
    "data": {"status": 401},
}
BAD_KEY = {
    "code": "woocommerce_rest_authentication_error",
    "message": "Consumer key is invalid.",
    "data": {"status": 401},
}
BAD_SIGNATURE = {
    "code": "woocommerce_rest_authentication_error",
    "message": "Invalid signature - provided signature does not match.",
    "data": {"status": 401},
}


@pytest.fixture
def server(site):
    with serve({"woo-test": site}) as running:
        yield running


def test_basic_and_query_fallback_in_process(site):
    anonymous = mount(requests.Session())
    response = anonymous.get(f"{BASE}/orders")
    assert response.status_code == 401 and response.json() == CANNOT_VIEW
    assert (
        anonymous.get(f"{BASE}/orders", auth=(site.spec.consumer_key, site.spec.consumer_secret)).status_code
        == 200
    )
    query = {"consumer_key": site.spec.consumer_key, "consumer_secret": site.spec.consumer_secret}
    assert anonymous.get(f"{BASE}/orders", params=query).status_code == 200
    wrong = anonymous.get(f"{BASE}/orders", auth=(site.spec.consumer_key, "cs_wrong"))
    assert wrong.status_code == 401
    assert wrong.json() == {
        "code": "woocommerce_rest_authentication_error",
        "message": "Consumer secret is invalid.",
        "data": {"status": 401},
    }
    assert "WWW-Authenticate" in wrong.headers
    unknown = anonymous.get(f"{BASE}/orders", auth=("ck_unknown", "cs_unknown"))
    assert unknown.json() == CANNOT_VIEW  # an unknown key is simply not authenticated
    single = anonymous.get(f"{BASE}/orders/{site.orders()[0].id}")
    assert single.json()["message"] == "Sorry, you cannot view this resource."


def test_basic_over_plain_http_is_refused(site, server):
    url = f"{server.base_url('woo-test')}/wp-json/wc/v3/orders"
    response = requests.get(url, auth=(site.spec.consumer_key, site.spec.consumer_secret), timeout=10)
    assert response.status_code == 401 and response.json() == CANNOT_VIEW
    query = {"consumer_key": site.spec.consumer_key, "consumer_secret": site.spec.consumer_secret}
    assert requests.get(url, params=query, timeout=10).json() == CANNOT_VIEW


def test_basic_behind_a_tls_proxy(site):
    with serve({"woo-test": site}, trust_forwarded_proto=True) as server:
        url = f"{server.base_url('woo-test')}/wp-json/wc/v3/orders"
        keys = (site.spec.consumer_key, site.spec.consumer_secret)
        assert (
            requests.get(url, auth=keys, headers={"X-Forwarded-Proto": "https"}, timeout=10).status_code
            == 200
        )
        assert requests.get(url, auth=keys, timeout=10).status_code == 401


@pytest.mark.parametrize("method", ["HMAC-SHA1", "HMAC-SHA256"])
def test_oauth1_over_http(site, server, method):
    url = f"{server.base_url('woo-test')}/wp-json/wc/v3/orders"
    params = {
        "per_page": "5",
        "page": "2",
        "modified_after": "2026-02-01T00:00:00",
        "status": "completed,refunded",
    }
    signed = sign_oauth1(
        "GET", url, params, site.spec.consumer_key, site.spec.consumer_secret, signature_method=method
    )
    good = requests.get(url, params=signed, timeout=10)
    assert good.status_code == 200, good.text
    assert len(good.json()) == 5 and {o["status"] for o in good.json()} <= {"completed", "refunded"}
    again = requests.get(url, params=signed, timeout=10)  # same nonce within 15 minutes
    assert again.status_code == 401
    assert again.json() == {
        "code": "woocommerce_rest_authentication_error",
        "message": "Invalid nonce - nonce has already been used.",
        "data": {"status": 401},
    }


def test_oauth1_bad_signature_unknown_key_and_stale_timestamp(site, server):
    url = f"{server.base_url('woo-test')}/wp-json/wc/v3/orders"
    key, secret = site.spec.consumer_key, site.spec.consumer_secret
    bad = sign_oauth1("GET", url, {"per_page": "5"}, key, "cs_not_the_secret")
    assert requests.get(url, params=bad, timeout=10).json() == BAD_SIGNATURE
    tampered = {**sign_oauth1("GET", url, {"per_page": "5"}, key, secret), "per_page": "6"}
    assert requests.get(url, params=tampered, timeout=10).json() == BAD_SIGNATURE
    unknown = sign_oauth1("GET", url, {}, "ck_unknown", secret)
    assert requests.get(url, params=unknown, timeout=10).json() == BAD_KEY
    stale = sign_oauth1("GET", url, {}, key, secret, timestamp=int(time.time()) - 16 * 60)
    assert requests.get(url, params=stale, timeout=10).json() == {
        "code": "woocommerce_rest_authentication_error",
        "message": "Invalid timestamp.",
        "data": {"status": 401},
    }
    fresh = sign_oauth1("GET", url, {}, key, secret, timestamp=int(time.time()) - 14 * 60)
    assert requests.get(url, params=fresh, timeout=10).status_code == 200
    partial = {"oauth_consumer_key": key, "oauth_nonce": "abc"}
    assert requests.get(url, params=partial, timeout=10).json()["message"] == (
        "Missing OAuth parameters oauth_timestamp, oauth_signature, oauth_signature_method"
    )


def test_oauth1_in_the_authorization_header(site, server):
    url = f"{server.base_url('woo-test')}/wp-json/wc/v3/customers"
    signed = sign_oauth1("GET", url, {}, site.spec.consumer_key, site.spec.consumer_secret)
    header = "OAuth " + ", ".join(f'{k}="{requests.utils.quote(v, safe="")}"' for k, v in signed.items())
    response = requests.get(url, headers={"Authorization": header}, timeout=10)
    assert response.status_code == 200 and response.json()


def test_the_base_string_follows_woocommerce():
    """``normalize_parameters`` encodes each key and value, ``join_with_equals_sign`` each ``k=v`` again:
    values that need encoding are encoded twice (as in RFC 5849); lists are indexed ``k[0]``."""
    params = {"oauth_consumer_key": "ck_1", "b": "x y", "a": "2026-01-01T00:00:00", "c": ["1", "2"]}
    assert base_string("get", "http://h/wp-json/wc/v3/orders", params) == (
        "GET&http%3A%2F%2Fh%2Fwp-json%2Fwc%2Fv3%2Forders&a%3D2026-01-01T00%253A00%253A00%26b%3Dx%2520y"
        "%26c%255B0%255D%3D1%26c%255B1%255D%3D2%26oauth_consumer_key%3Dck_1"
    )


@pytest.mark.parametrize("signature_type", ["QUERY", "AUTH_HEADER"])
def test_oauthlib_signatures_agree_when_values_need_encoding(site, server, signature_type):
    """WooCommerce's base string is RFC 5849's also for values that need percent-encoding (the date
    filters), so a standard signer is accepted for windowed walks; a signature over the once-encoded
    string (WooCommerce 2.6's) is refused."""
    from oauthlib import oauth1

    from sandbox.woocommerce.auth import rawurlencode

    base = f"{server.base_url('woo-test')}/wp-json/wc/v3/orders"
    url = f"{base}?modified_after=2026-01-01T00%3A00%3A00&dates_are_gmt=true&per_page=2"
    client = oauth1.Client(
        site.spec.consumer_key,
        client_secret=site.spec.consumer_secret,
        signature_method="HMAC-SHA256",
        signature_type=signature_type,
    )
    signed_url, headers, _ = client.sign(url)
    response = requests.get(signed_url, headers=headers, timeout=10)
    assert response.status_code == 200, response.text

    import base64
    import hashlib
    import hmac
    import time as clock

    params = {
        "dates_are_gmt": "true",
        "modified_after": "2026-01-01T00:00:00",
        "oauth_consumer_key": site.spec.consumer_key,
        "oauth_nonce": "once-encoded-nonce",
        "oauth_signature_method": "HMAC-SHA256",
        "oauth_timestamp": str(int(clock.time())),
        "per_page": "2",
    }
    once = "%26".join(f"{rawurlencode(k)}%3D{rawurlencode(v)}" for k, v in sorted(params.items()))
    string = f"GET&{rawurlencode(base)}&{once}"
    secret = f"{site.spec.consumer_secret}&".encode()
    params["oauth_signature"] = base64.b64encode(hmac.new(secret, string.encode(), hashlib.sha256).digest())
    refused = requests.get(base, params=params, timeout=10)
    assert refused.status_code == 401
    assert refused.json()["message"] == "Invalid signature - provided signature does not match."


@pytest.mark.parametrize("signature_type", ["QUERY", "AUTH_HEADER"])
@pytest.mark.parametrize("method", ["HMAC-SHA1", "HMAC-SHA256"])
def test_oauthlib_signatures_agree(site, server, signature_type, method):
    """A standard RFC 5849 client (oauthlib) is accepted: its base string is WooCommerce's."""
    from oauthlib import oauth1

    url = f"{server.base_url('woo-test')}/wp-json/wc/v3/orders?per_page=3&page=2"
    client = oauth1.Client(
        site.spec.consumer_key,
        client_secret=site.spec.consumer_secret,
        signature_method=method,
        signature_type=signature_type,
    )
    signed_url, headers, _ = client.sign(url)
    response = requests.get(signed_url, headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    assert len(response.json()) == 3
