"""Who is asking, what they may read, and how often.

* A key comes **only from a header**, ``Authorization: Bearer <key>`` or ``X-API-Key: <key>``, never from
  the query string: access logs (uvicorn's included) write the path and query, so a key there would be
  logged. The key itself is never logged; a refusal logs the key's id when it has one.
* No key, a malformed, unknown or revoked key: **401** ``{"detail": "missing or invalid API key"}`` with
  ``WWW-Authenticate: Bearer``.
* A tenant the key may not read: **404** ``{"detail": "tenant not found"}``, the same answer as for a
  tenant that does not exist, so a key cannot even learn which other tenants exist (a 403 would tell it).
* Each key may make ``STOREHOUSE_API_RATE_LIMIT`` requests (moving window, counted in a SQLite file beside
  the key file that every API process shares: :mod:`platform_assets.serving.api.rate_limits`); past it
  **429** ``{"detail": "rate limit exceeded: …"}`` with ``Retry-After`` in whole seconds.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from platform_assets.serving.api.rate_limits import RateLimit
from platform_assets.serving.keys import ApiKey, KeyStore

logger = logging.getLogger(__name__)

UNAUTHORIZED = "missing or invalid API key"
NOT_FOUND = "tenant not found"

bearer = HTTPBearer(auto_error=False, description="Authorization: Bearer <API key>")
api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="The API key")


def _unauthorized() -> HTTPException:
    return HTTPException(401, UNAUTHORIZED, headers={"WWW-Authenticate": "Bearer"})


def caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
    header_key: Annotated[str | None, Security(api_key_header)],
) -> ApiKey:
    """The caller's active key (401 without one), counted against its rate limit (429 past it)."""
    given = credentials.credentials if credentials is not None else header_key
    store: KeyStore = request.app.state.keys
    key = store.verify(given) if given else None
    if key is None:
        logger.info("refused a request to %s: %s", request.url.path, "no key" if not given else "invalid key")
        raise _unauthorized()
    limit: RateLimit = request.app.state.rate_limit
    wait = limit.retry_after(key.id)
    if wait is not None:
        logger.info("key %s is over its rate limit %s", key.id, limit.text)
        raise HTTPException(429, f"rate limit exceeded: {limit.text}", headers={"Retry-After": str(wait)})
    return key


Caller = Annotated[ApiKey, Depends(caller)]


def readable_tenant(
    request: Request,
    key: Caller,
    tenant_id: Annotated[str, Path(description="The tenant's id.", max_length=63)],
) -> str:
    """The path's tenant when the key may read it; 404 when it may not or the tenant does not exist."""
    if not key.may_read(tenant_id) or tenant_id not in request.app.state.tenants():
        raise HTTPException(404, NOT_FOUND)
    return tenant_id


Tenant = Annotated[str, Depends(readable_tenant)]
