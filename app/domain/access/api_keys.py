"""API keys and scopes. Keys are random secrets shown once; only their SHA-256 is kept.

A SHA-256 (not a slow password hash) is right here: keys carry 256 bits of entropy, so
there is nothing to brute-force, and every request must verify one quickly.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from app.domain.errors import ValidationFailed

KEY_PREFIX = "hk_"


class Scope(StrEnum):
    READ = "read"
    WRITE = "write"
    INGEST = "ingest"
    ADMIN = "admin"
    AUDIT = "audit"  # reads the audit log only


ALL_SCOPES = frozenset(Scope)


@dataclass(frozen=True, slots=True)
class ApiKey:
    id: UUID
    name: str
    key_hash: str
    scopes: frozenset[Scope]
    created_at: datetime
    revoked_at: datetime | None = None
    # Always acts as its own name, whatever X-Actor says (an ERP integration's key).
    fixed_actor: bool = False

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def allows(self, scope: Scope) -> bool:
        return self.active and scope in self.scopes


def generate_secret() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(secret: str, key_hash: str) -> bool:
    """Constant-time comparison of a presented secret against a stored hash."""
    return hmac.compare_digest(hash_secret(secret), key_hash)


def parse_scopes(values: list[str] | tuple[str, ...] | frozenset[str]) -> frozenset[Scope]:
    scopes: set[Scope] = set()
    for value in values:
        try:
            scopes.add(Scope(value.strip()))
        except ValueError:
            known = ", ".join(s.value for s in Scope)
            raise ValidationFailed(
                f"unknown scope {value!r} (known: {known})", ("scopes",)
            ) from None
    if not scopes:
        raise ValidationFailed("a key needs at least one scope", ("scopes",))
    return frozenset(scopes)


def validate_key_name(name: str) -> str:
    cleaned = name.strip()
    if not cleaned or len(cleaned) > 100:
        raise ValidationFailed("name must be 1..100 characters", ("name",))
    return cleaned
