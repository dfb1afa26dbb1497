"""What a tenants file may say: its keys at every level, the shape of a connection's URL and of the
names of the environment variables holding its secrets. A source's connection model
(``platform_assets/sources/<platform>/connection.py``) builds on these rules.

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
TENANT_KEYS = ("id", "name", "start_date", "timezone", "connections", "reports")
REPORT_KEYS = ("to", "daily", "weekly")

#: Key names that hold secrets (matched case-insensitively anywhere in an unknown key).
_SECRET_KEY = re.compile(
    r"token|secret|passw|pwd|credential|bearer|oauth|^auth|_auth|key$|^key_|_key_",
    re.IGNORECASE,
)
_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
#: Known API credential prefixes (Admin API, custom and private app tokens, shared secrets, consumer keys
#: and secrets: shpat_, shpca_, …, ck_, cs_).
_TOKEN_PREFIX = re.compile(r"^(shpat|shpca|shppa|shpss|shpua|shpsa|ck|cs)_", re.IGNORECASE)
#: A long run of hex digits: a token in capitals would pass as a variable name without this.
_HEX_RUN = re.compile(r"[0-9A-Fa-f]{16,}")
_SANDBOX_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")

TOKEN_ENV_MESSAGE = (
    "must name an environment variable (like SHOP_TOKEN); the value given looks like a token "
    "itself — put the token in the environment and name the variable here"
)
URL_RULE = (
    "https://host[:port][/path]; http:// only for a loopback host (127.0.0.0/8, ::1, localhost); "
    "sandbox://name for the built-in sandbox"
)
SECRET_HINT = (
    "secrets must not be written in the tenants file: put the token in an environment variable and name "
    "the variable in the connection's token_env"
)


class TenantConfigError(ValueError):
    """The tenants file is malformed; the message names the tenant and the field."""


def looks_like_token(text: str) -> bool:
    """A known credential prefix or a long run of hex digits."""
    return bool(_TOKEN_PREFIX.match(text) or _HEX_RUN.search(text))


def check_keys(block: Mapping, allowed: tuple[str, ...], where: str) -> None:
    """Refuse keys of ``block`` that are not ``allowed``: a secret-like key with the hint to use
    ``token_env``, another with the list of allowed keys. ``where`` says whose keys they are
    ("tenant acme: connections.<platform>")."""
    for raw_key in block:
        key = str(raw_key)
        if key in allowed:
            continue
        if looks_like_token(key):
            raise TenantConfigError(
                f"{where} has a key that looks like a token itself (not shown); {SECRET_HINT}"
            )
        if _SECRET_KEY.search(key):
            raise TenantConfigError(
                f"{where}: key {key!r} looks like a secret (its value is not shown); {SECRET_HINT}"
            )
        raise TenantConfigError(f"{where}: unknown key {key!r}; allowed keys: {', '.join(allowed)}")


def check_variable_name(value: object) -> str:
    """The name of a secret's environment variable; refused (without echoing it) unless it reads as one:
    capitals, digits and '_', not starting with a digit, not a token's prefix or hex digits."""
    text = str(value)
    if not _ENV_NAME.match(text) or looks_like_token(text):
        raise ValueError(TOKEN_ENV_MESSAGE)
    return text


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(
    value: object, *, simulator_schemes: tuple[str, ...] = ("sandbox",), rule: str = URL_RULE
) -> str:
    """A connection URL without a trailing '/', if it follows :data:`URL_RULE` and carries no user name,
    password, query or fragment. Errors say what is wrong, never the URL.

    ``simulator_schemes``: the in-process simulators' schemes a source accepts (``name://store``, answered
    by a registered transport; the built-in sandbox's is ``sandbox``); ``rule`` is the sentence
    that says so in errors."""
    text = str(value).strip()
    try:
        parts = urlsplit(text)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in 0-65535
    except ValueError:
        parts = None
    if parts is None:  # raised here, not in the except block: the parser's message quotes the URL
        raise ValueError(f"is not a valid URL; expected {rule}")
    if "@" in parts.netloc:
        raise ValueError(
            "must not carry a user name or password (user:pass@host; not shown): the token goes in "
            "the environment variable named by the connection's token_env"
        )
    if parts.query or parts.fragment:
        raise ValueError("must not carry a query (?…) or fragment (#…)")
    scheme = parts.scheme.lower()
    if scheme in simulator_schemes:
        if not _SANDBOX_NAME.match(parts.netloc) or parts.path.strip("/"):
            raise ValueError(f"must be {scheme}://name for a {scheme} shop (a-z, 0-9, '-', '_')")
    elif scheme == "http":
        if not _is_loopback(host):
            raise ValueError(
                "uses http:// for a host that is not loopback; use https:// "
                "(http:// is only for 127.0.0.0/8, ::1 and localhost)"
            )
    elif scheme != "https" or not host:
        got = f"scheme {scheme}://" if scheme.isalnum() and host else "no scheme://host"
        raise ValueError(f"must be {rule}; got {got}")
    return text.rstrip("/")
