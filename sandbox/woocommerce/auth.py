"""WooCommerce REST authentication, as ``WC_REST_Authentication`` does it.

* On HTTPS (``is_ssl()``; the in-process ``woosandbox://`` scheme counts as HTTPS): ``consumer_key`` and
  ``consumer_secret`` query parameters first, else HTTP Basic ``ck_…:cs_…``. An unknown key is just not
  authenticated (anonymous); a known key with a wrong secret is 401 "Consumer secret is invalid.".
* Then (plain HTTP, or HTTPS without keys) OAuth 1.0a one-legged: the ``oauth_*`` parameters from the query
  or an ``Authorization: OAuth …`` header. Unknown key: "Consumer key is invalid."; signature checked with
  WooCommerce's base string (below); timestamp outside ±15 minutes: "Invalid timestamp."; a nonce reused
  within 15 minutes: "Invalid nonce - nonce has already been used.".
* Basic credentials on plain HTTP are ignored (the plugin only reads them when ``is_ssl()``): the request
  is anonymous and the endpoint answers 401 ``woocommerce_rest_cannot_view``.

WooCommerce's signature base string (``check_oauth_signature``, WooCommerce 3.x to today's
``plugins/woocommerce/includes/class-wc-rest-authentication.php``): ``METHOD&rawurlencode(home URL + path)&``
then every request parameter except ``oauth_signature``, sorted by key (``uksort(…, 'strcmp')`` on the
decoded keys); ``normalize_parameters`` ``rawurlencode``-s each key and value, then ``join_with_equals_sign``
``rawurlencode``-s each ``key=value`` pair **again**, and the pairs are joined with ``%26``. So a value is
encoded twice (``modified_after=2026-01-01T00:00:00`` is signed as ``2026-01-01T00%253A00%253A00``), which
is RFC 5849's parameter string: standard signers (oauthlib) are accepted. (WooCommerce 2.6's
``includes/api/class-wc-rest-authentication.php`` encoded values only once; that plugin is long gone.)
Array parameters ``k[]=v`` are ``k%255B0%255D%3Dv`` (indexed, PHP's ``$_GET``). The secret is
``consumer_secret + "&"``; HMAC-SHA1 or HMAC-SHA256, base64.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import quote, unquote

VALID_WINDOW = 15 * 60
OAUTH_REQUIRED = (
    "oauth_consumer_key",
    "oauth_timestamp",
    "oauth_nonce",
    "oauth_signature",
    "oauth_signature_method",
)
BASIC_REALM = (
    'Basic realm="WooCommerce API - Use a consumer key in the username field and a consumer secret in the '
    'password field."'
)


@dataclass
class AuthResult:
    """``authenticated`` or not; ``error`` (code, message) is a 401 WooCommerce answers before routing."""

    authenticated: bool
    error: tuple[str, str] | None = None


def rawurlencode(value: str) -> str:
    """PHP's ``rawurlencode`` (RFC 3986: only ``A-Za-z0-9-_.~`` unescaped)."""
    return quote(value, safe="")


def _base_params(params: Mapping[str, str | list[str]]) -> str:
    """``normalize_parameters`` (each key and value ``rawurlencode``-d) then ``join_with_equals_sign``
    (each ``key=value`` ``rawurlencode``-d again; a list's items as ``key%5B{index}%5D``), joined by
    ``%26``."""
    parts = []
    for key in sorted(params, key=lambda k: k.encode()):
        value = params[key]
        if isinstance(value, list):
            for index, inner in enumerate(value):
                parts.append(rawurlencode(f"{rawurlencode(key)}%5B{index}%5D={rawurlencode(inner)}"))
        else:
            parts.append(rawurlencode(f"{rawurlencode(key)}={rawurlencode(value)}"))
    return "%26".join(parts)


def base_string(method: str, url: str, params: Mapping[str, str | list[str]]) -> str:
    """WooCommerce's string to sign (``params`` decoded, without ``oauth_signature``)."""
    return f"{method.upper()}&{rawurlencode(url)}&{_base_params(params)}"


def signature(
    method: str,
    url: str,
    params: Mapping[str, str | list[str]],
    consumer_secret: str,
    signature_method: str = "HMAC-SHA256",
) -> str:
    """The base64 HMAC WooCommerce expects for this request."""
    digest = {"HMAC-SHA1": hashlib.sha1, "HMAC-SHA256": hashlib.sha256}[signature_method]
    raw = hmac.new(f"{consumer_secret}&".encode(), base_string(method, url, params).encode(), digest).digest()
    return base64.b64encode(raw).decode()


def sign_oauth1(
    method: str,
    url: str,
    params: Mapping[str, str],
    consumer_key: str,
    consumer_secret: str,
    timestamp: int | None = None,
    nonce: str | None = None,
    signature_method: str = "HMAC-SHA256",
) -> dict[str, str]:
    """The query parameters of a signed one-legged OAuth 1.0a request (``params`` plus ``oauth_*``), the
    way WooCommerce verifies them. ``url`` is the request URL without its query."""
    import secrets

    signed = {
        **params,
        "oauth_consumer_key": consumer_key,
        "oauth_nonce": nonce or secrets.token_hex(16),
        "oauth_signature_method": signature_method,
        "oauth_timestamp": str(int(time.time()) if timestamp is None else timestamp),
    }
    signed["oauth_signature"] = signature(method, url, signed, consumer_secret, signature_method)
    return signed


def parse_query(query: str) -> dict[str, str | list[str]]:
    """Query parameters as PHP's ``$_GET`` sees them: the last of repeated keys wins, ``k[]`` is a list."""
    result: dict[str, str | list[str]] = {}
    for piece in query.split("&"):
        if not piece:
            continue
        key, _, value = piece.partition("=")
        key = unquote(key.replace("+", " "))
        value = unquote(value.replace("+", " "))
        if key.endswith("[]"):
            existing = result.get(key[:-2])
            result[key[:-2]] = [*existing, value] if isinstance(existing, list) else [value]
        else:
            result[key] = value
    return result


def _oauth_header(header: str) -> dict[str, str]:
    if not header.lower().startswith("oauth "):
        return {}
    params = {}
    for part in header[6:].split(","):
        key, _, value = part.strip().partition("=")
        if key.startswith("oauth_"):
            params[key] = unquote(value.strip().strip('"'))
    return params


def _basic(header: str) -> tuple[str, str] | None:
    if not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip()).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else None


def authenticate(
    keys: Mapping[str, str],
    method: str,
    url: str,
    query: dict[str, str | list[str]],
    headers: Mapping[str, str],
    is_ssl: bool,
    nonces: dict[str, dict[str, int]],
    now: Callable[[], float] = time.time,
) -> AuthResult:
    """Authenticate a request against ``keys`` (consumer key → secret), as WooCommerce does."""
    authorization = headers.get("Authorization") or headers.get("authorization") or ""
    if is_ssl:
        key = secret = ""
        if query.get("consumer_key") and query.get("consumer_secret"):
            key, secret = str(query["consumer_key"]), str(query["consumer_secret"])
        basic = _basic(authorization)
        if not key and basic and basic[0] and basic[1]:
            key, secret = basic
        if key and secret and key in keys:
            if hmac.compare_digest(keys[key], secret):
                return AuthResult(True)
            return AuthResult(False, ("woocommerce_rest_authentication_error", "Consumer secret is invalid."))
    params: dict[str, str | list[str]] = dict(query)
    params.update(_oauth_header(authorization))
    missing = [name for name in OAUTH_REQUIRED if not params.get(name)]
    if len(missing) == len(OAUTH_REQUIRED):
        return AuthResult(False)
    if missing:
        noun = "parameter" if len(missing) == 1 else "parameters"
        return AuthResult(
            False,
            (
                "woocommerce_rest_authentication_missing_parameter",
                f"Missing OAuth {noun} {', '.join(missing)}",
            ),
        )
    consumer_key = str(params["oauth_consumer_key"])
    if consumer_key not in keys:
        return AuthResult(False, ("woocommerce_rest_authentication_error", "Consumer key is invalid."))
    provided = unquote(str(params.pop("oauth_signature")).replace(" ", "+"))
    method_name = str(params["oauth_signature_method"])
    if method_name not in ("HMAC-SHA1", "HMAC-SHA256"):
        return AuthResult(
            False,
            ("woocommerce_rest_authentication_error", "Invalid signature - signature method is invalid."),
        )
    expected = signature(method, url, params, keys[consumer_key], method_name)
    if not hmac.compare_digest(expected, provided):
        return AuthResult(
            False,
            (
                "woocommerce_rest_authentication_error",
                "Invalid signature - provided signature does not match.",
            ),
        )
    try:
        timestamp = int(str(params["oauth_timestamp"]))
    except ValueError:
        timestamp = 0
    current = now()
    if timestamp < current - VALID_WINDOW or timestamp > current + VALID_WINDOW:
        return AuthResult(False, ("woocommerce_rest_authentication_error", "Invalid timestamp."))
    used = nonces.setdefault(consumer_key, {})
    nonce = str(params["oauth_nonce"])
    if nonce in used:
        return AuthResult(
            False, ("woocommerce_rest_authentication_error", "Invalid nonce - nonce has already been used.")
        )
    used[nonce] = timestamp
    for old, stamp in list(used.items()):
        if stamp < current - VALID_WINDOW:
            del used[old]
    return AuthResult(True)
