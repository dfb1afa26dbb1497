"""What a tenants file may say: its keys at every level, the shape of ``shop_url`` and of ``token_env``.

The file is checked whole, when it is loaded, so a mistake stops ``storehouse sync-tenants`` and the tenant
sensor before anything changes, not a run hours later. Secrets have no place in it: a key that looks like
one (``token``, ``api_key``, ``password``…) is refused, and so is a ``token_env`` that holds a token rather
than a variable's name. Errors name the tenant and the field and never repeat a value that could be a
secret (a refused key's value, a URL's user name and password, a would-be variable name).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from urllib.parse import urlsplit

TOP_LEVEL_KEYS = ("tenants",)
TENANT_KEYS = ("id", "name", "start_date", "timezone", "shopify")
SHOPIFY_KEYS = ("shop_url", "token_env", "api_version")

#: Key names that hold secrets (matched case-insensitively anywhere in an unknown key).
_SECRET_KEY = re.compile(
    r"token|secret|passw|pwd|credential|bearer|oauth|^auth|_auth|key$|^key_|_key_",
    re.IGNORECASE,
)
_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
#: Shopify token prefixes (Admin API, custom app, private app, shared secret, storefront…).
_TOKEN_PREFIX = re.compile(r"^(shpat|shpca|shppa|shpss|shpua|shpsa)_", re.IGNORECASE)
#: A long run of hex digits: a token in capitals would pass as a variable name without this.
_HEX_RUN = re.compile(r"[0-9A-Fa-f]{16,}")
_SANDBOX_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
#: Shopify's Admin API versions: a quarter's release (YYYY-01, -04, -07, -10) or ``unstable``.
_API_VERSION = re.compile(r"^(?:20\d{2}-(?:01|04|07|10)|unstable)$")

TOKEN_ENV_MESSAGE = (
    "token_env must name an environment variable (like SHOP_TOKEN); the value given looks like a token "
    "itself — put the token in the environment and name the variable here"
)
URL_RULE = (
    "https://host[:port][/path]; http:// only for a loopback host (127.0.0.0/8, ::1, localhost); "
    "sandbox://name for the built-in sandbox"
)


class TenantConfigError(ValueError):
    """The tenants file is malformed; the message names the tenant and the field."""


def looks_like_token(text: str) -> bool:
    """A known Shopify token prefix or a long run of hex digits."""
    return bool(_TOKEN_PREFIX.match(text) or _HEX_RUN.search(text))


def check_keys(block: Mapping, allowed: tuple[str, ...], where: str) -> None:
    """Refuse keys of ``block`` that are not ``allowed``: a secret-like key with the hint to use
    ``token_env``, another with the list of allowed keys. ``where`` says whose keys they are
    ("tenant acme: shopify")."""
    for raw_key in block:
        key = str(raw_key)
        if key in allowed:
            continue
        if looks_like_token(key):
            raise TenantConfigError(
                f"{where} has a key that looks like a token itself (not shown); secrets must not be "
                "written in the tenants file: put the token in an environment variable and name the "
                "variable in shopify.token_env"
            )
        if _SECRET_KEY.search(key):
            raise TenantConfigError(
                f"{where}: key {key!r} looks like a secret (its value is not shown); secrets must not be "
                "written in the tenants file: put the token in an environment variable and name the "
                "variable in shopify.token_env"
            )
        raise TenantConfigError(f"{where}: unknown key {key!r}; allowed keys: {', '.join(allowed)}")


def check_token_env(value: object, tenant_id: str) -> str:
    """The name of the token's environment variable; refused (without echoing it) unless it reads as
    one: capitals, digits and '_', not starting with a digit, not a token's prefix or hex digits."""
    text = str(value)
    if not _ENV_NAME.match(text) or looks_like_token(text):
        raise TenantConfigError(f"tenant {tenant_id}: shopify.{TOKEN_ENV_MESSAGE}")
    return text


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_shop_url(value: object, tenant_id: str) -> str:
    """``shop_url`` without a trailing '/', if it follows :data:`URL_RULE` and carries no user name,
    password, query or fragment. Errors name the tenant and what is wrong, not the URL."""
    text = str(value).strip()
    field = f"tenant {tenant_id}: shopify.shop_url"
    try:
        parts = urlsplit(text)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in 0-65535
    except ValueError:
        parts = None
    if parts is None:  # raised here, not in the except block: the parser's message quotes the URL
        raise TenantConfigError(f"{field} is not a valid URL; expected {URL_RULE}")
    if "@" in parts.netloc:
        raise TenantConfigError(
            f"{field} must not carry a user name or password (user:pass@host; not shown): the token goes in "
            "the environment variable named by shopify.token_env"
        )
    if parts.query or parts.fragment:
        raise TenantConfigError(f"{field} must not carry a query (?…) or fragment (#…)")
    scheme = parts.scheme.lower()
    if scheme == "sandbox":
        if not _SANDBOX_NAME.match(parts.netloc) or parts.path.strip("/"):
            raise TenantConfigError(f"{field} must be sandbox://name for a sandbox shop (a-z, 0-9, '-', '_')")
    elif scheme == "http":
        if not _is_loopback(host):
            raise TenantConfigError(
                f"{field} uses http:// for a host that is not loopback; use https:// "
                "(http:// is only for 127.0.0.0/8, ::1 and localhost)"
            )
    elif scheme != "https" or not host:
        got = f"scheme {scheme}://" if scheme.isalnum() and host else "no scheme://host"
        raise TenantConfigError(f"{field} must be {URL_RULE}; got {got}")
    return text.rstrip("/")


def check_api_version(value: object, tenant_id: str) -> str:
    """``api_version`` if it names a Shopify Admin API release (``2025-07``) or ``unstable``: it becomes
    part of every request's path, so anything else is refused at load, not as a 404 at run time."""
    text = str(value).strip()
    if not _API_VERSION.match(text):
        shown = repr(text) if len(text) <= 20 and not looks_like_token(text) else "(not shown)"
        raise TenantConfigError(
            f"tenant {tenant_id}: shopify.api_version {shown} is not a Shopify Admin API version "
            "(YYYY-01, YYYY-04, YYYY-07 or YYYY-10, e.g. 2025-07, or unstable)"
        )
    return text
