"""API keys of the reporting API: who may read which tenant's figures.

A key reads one tenant (a *tenant key*) or every tenant (an *admin key*). The key is shown once, when it
is created (``storehouse keys create``); the key file keeps only its SHA-256 digest, its id, the tenant and
when it was created and revoked. A key looks like ``shk_<id>_<secret>``: the id (8 hex characters) finds
its record, and the 32 random bytes of the secret make an unsalted digest as safe as a salted one (nobody
can guess a 256-bit secret from its hash), so checking a key costs one SHA-256.

The file (``STOREHOUSE_API_KEYS_FILE``, default ``data/api_keys.json``) is written to a temporary file
and renamed, readable by its owner only. The API reads it again when it changes, so a revoked key stops
working at its next request, without a restart.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import threading
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

PREFIX = "shk_"
_KEY = re.compile(r"^shk_([0-9a-f]{8})_([A-Za-z0-9_-]{43})$")


class UnknownKeyError(LookupError):
    """No key with that id in the key file."""


@dataclass(frozen=True)
class ApiKey:
    """One key's record. ``tenant_id`` None means an admin key (every tenant)."""

    id: str
    tenant_id: str | None
    sha256: str
    created_at: str
    revoked_at: str | None = None
    note: str = ""

    @property
    def is_admin(self) -> bool:
        return self.tenant_id is None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def may_read(self, tenant_id: str) -> bool:
        """The key reads ``tenant_id``: an admin key reads every tenant, a tenant key its own only."""
        return self.active and (self.is_admin or self.tenant_id == tenant_id)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


class KeyStore:
    """The key file: create, revoke, list and verify keys."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._cache: tuple[tuple[int, int], dict[str, ApiKey]] | None = None

    # ---- the file ----------------------------------------------------------------------------
    def _load(self) -> dict[str, ApiKey]:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return {}
        stamp = (stat.st_mtime_ns, stat.st_ino)
        with self._lock:
            if self._cache is not None and self._cache[0] == stamp:
                return self._cache[1]
            document = json.loads(self.path.read_text() or "{}")
            keys = {record["id"]: ApiKey(**record) for record in document.get("keys", [])}
            self._cache = (stamp, keys)
            return keys

    def _save(self, keys: dict[str, ApiKey]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{self.path.name}.{secrets.token_hex(4)}.tmp")
        text = json.dumps({"keys": [asdict(key) for key in keys.values()]}, indent=2) + "\n"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(text)
        os.replace(temporary, self.path)

    # ---- operations --------------------------------------------------------------------------
    def create(self, tenant_id: str | None, note: str = "") -> tuple[str, ApiKey]:
        """A new key for ``tenant_id`` (None: an admin key): the key itself (shown once) and its record."""
        keys = dict(self._load())
        key_id = secrets.token_hex(4)
        while key_id in keys:
            key_id = secrets.token_hex(4)
        key = f"{PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
        record = ApiKey(id=key_id, tenant_id=tenant_id, sha256=_digest(key), created_at=_now(), note=note)
        keys[key_id] = record
        self._save(keys)
        return key, record

    def revoke(self, key_id: str) -> ApiKey:
        """Revoke a key by its id (it stays listed, revoked); raises :class:`UnknownKeyError` if unknown."""
        keys = dict(self._load())
        if key_id not in keys:
            raise UnknownKeyError(key_id)
        record = keys[key_id]
        if record.active:
            record = keys[key_id] = replace(record, revoked_at=_now())
            self._save(keys)
        return record

    def list(self) -> list[ApiKey]:
        """Every key's record, active and revoked, in creation order."""
        return list(self._load().values())

    def verify(self, key: str) -> ApiKey | None:
        """The active key's record, or None for a malformed, unknown, wrong or revoked key."""
        match = _KEY.match(key)
        if match is None:
            return None
        record = self._load().get(match.group(1))
        if record is None or not hmac.compare_digest(record.sha256, _digest(key)):
            return None
        return record if record.active else None
