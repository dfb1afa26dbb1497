"""A ``requests.Session`` that reads the environment's proxy settings once per host, not on every request.

``requests`` honours ``HTTP(S)_PROXY``, ``ALL_PROXY``, ``NO_PROXY`` and ``REQUESTS_CA_BUNDLE`` /
``CURL_CA_BUNDLE`` (``trust_env``), but it looks them up again for every request: ``get_environ_proxies``
walks the whole environment (lower-casing every variable) two or three times and matches ``NO_PROXY``
against the host each time. For a client that sends hundreds of small GraphQL queries to one shop (a bulk
load's refund reads, its polls) that was most of ``requests``' CPU per request (~1-3 ms with a large
environment). :class:`EnvironmentOnceSession` resolves those settings the first time it sends to a
scheme and host, exactly as ``requests`` would, and reuses the answer for the session's life.

What a user behind a proxy sees does not change: the proxies, the ``NO_PROXY`` exceptions and the CA
bundle are the environment's as of the session's first request to each host (a process that changes its
proxy variables mid-run needs a new session, as it would for ``requests``' connection pools). Arguments
given per request (``proxies=``, ``verify=``) and the session's own ``proxies``/``verify`` keep their
precedence, as in ``requests.Session.merge_environment_settings``. Redirects, which ``requests`` handles
elsewhere (``rebuild_proxies``), are not affected.
"""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.sessions import merge_setting
from requests.utils import get_environ_proxies


def _environment_bundle(url: str) -> str | None:
    """The CA bundle the environment names for ``url`` (``REQUESTS_CA_BUNDLE``, else ``CURL_CA_BUNDLE``), as
    ``requests`` itself reads it: a plain session's settings for the URL (our modules leave reading the
    environment to the settings object and to the libraries whose conventions these variables are)."""
    with requests.Session() as plain:
        verify = plain.merge_environment_settings(url, {}, None, None, None)["verify"]
    return verify if isinstance(verify, str) else None


class EnvironmentOnceSession(requests.Session):
    """A session that resolves the environment's proxies and CA bundle once per (scheme, host, port) (see
    the module doc). With ``trust_env`` off it behaves exactly as ``requests.Session``."""

    def __init__(self) -> None:
        super().__init__()
        self._environment: dict[tuple[str, str, str | None], tuple[dict[str, str], str | None]] = {}
        self._environment_lock = threading.Lock()

    def environment_for(self, url: str, no_proxy: str | None = None) -> tuple[dict[str, str], str | None]:
        """The environment's proxies for ``url`` (``NO_PROXY`` applied) and its CA bundle, if any:
        looked up on the first request to the URL's scheme and host, remembered after."""
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc, no_proxy)
        known = self._environment.get(key)
        if known is None:
            proxies = get_environ_proxies(url, no_proxy=no_proxy)
            bundle = _environment_bundle(url)
            known = (dict(proxies), bundle)
            with self._environment_lock:
                self._environment[key] = known
        return known

    def merge_environment_settings(
        self,
        url: str,
        proxies: dict[str, str] | None,
        stream: bool | None,
        verify: Any,
        cert: Any,
    ) -> dict[str, Any]:
        """``requests.Session.merge_environment_settings`` with the environment read through
        :meth:`environment_for`."""
        if self.trust_env:
            no_proxy = proxies.get("no_proxy") if proxies is not None else None
            env_proxies, bundle = self.environment_for(url, no_proxy)
            if proxies is not None:
                for key, value in env_proxies.items():
                    proxies.setdefault(key, value)
            if verify is True or verify is None:
                verify = bundle or verify
        return {
            "proxies": merge_setting(proxies, self.proxies),
            "stream": merge_setting(stream, self.stream),
            "verify": merge_setting(verify, self.verify),
            "cert": merge_setting(cert, self.cert),
        }
