"""API key use cases: create (the secret is shown once), list, revoke, authenticate.

Like every use case they run in the unit of work their entry point opened and commits.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID, uuid4

from app.domain.access.api_keys import (
    ALL_SCOPES,
    ApiKey,
    Scope,
    generate_secret,
    hash_secret,
    parse_scopes,
    secret_matches,
    validate_key_name,
)
from app.domain.errors import AuthFailure, Forbidden, NotFound, Unauthenticated
from app.domain.events import Actor, OutboxEvent, rfc3339
from app.services.access.ports import AccessUnitOfWork
from app.services.context import Clock, IdGenerator
from app.services.pagination import Page, PageRequest, make_page

log = logging.getLogger(__name__)
CLI = Actor.system("cli")  # who changes keys from the command line

# A shorter bootstrap key is guessable; it still works, but start-up says so.
MIN_BOOTSTRAP_KEY_LENGTH = 24


class KeyCache:
    """Recently verified keys, by hash, for ``ttl``: one database read per key per ttl.

    Revoking through this process forgets every entry at once (the entry point clears the
    cache once the revocation has committed); another replica may accept a
    revoked key for at most ``ttl`` (HUIKUAN_AUTH_CACHE_SECONDS, 0 turns the cache off).
    """

    def __init__(self, clock: Clock, ttl: timedelta, max_entries: int = 10_000) -> None:
        self.clock = clock
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: dict[str, tuple[datetime, ApiKey]] = {}

    def get(self, key_hash: str) -> ApiKey | None:
        entry = self._entries.get(key_hash)
        if entry is None:
            return None
        expires, key = entry
        if self.clock.now() >= expires:
            del self._entries[key_hash]
            return None
        return key

    def put(self, key: ApiKey) -> None:
        if self.ttl <= timedelta(0):
            return
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        self._entries[key.key_hash] = (self.clock.now() + self.ttl, key)

    def clear(self) -> None:
        self._entries.clear()


@dataclass(frozen=True, slots=True)
class CreatedKey:
    key: ApiKey
    secret: str  # returned once, never stored


class _RandomIds:
    def new_id(self) -> UUID:
        return uuid4()


def _audit(
    uow: AccessUnitOfWork, clock: Clock, ids: IdGenerator, action: str, key: ApiKey, by: Actor
) -> None:
    """Key changes are told to no subscriber; the audit trail records them (never a hash)."""
    document = {
        "id": str(key.id),
        "name": key.name,
        "scopes": sorted(s.value for s in key.scopes),
        "fixed_actor": key.fixed_actor,
        "revoked_at": rfc3339(key.revoked_at) if key.revoked_at else None,
    }
    data = {"object": document, "actor": by.as_dict()}
    uow.add_audit(OutboxEvent(ids.new_id(), action, f"api-keys/{key.id}", clock.now(), data))


async def create_api_key(
    uow: AccessUnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    name: str,
    scopes: list[str],
    *,
    fixed_actor: bool = False,
    by: Actor = CLI,
) -> CreatedKey:
    """A new key; ``fixed_actor``: every change it makes names the key's name as the person,
    whatever X-Actor says."""
    secret = generate_secret()
    key = ApiKey(
        id=ids.new_id(),
        name=validate_key_name(name),
        key_hash=hash_secret(secret),
        scopes=parse_scopes(scopes),
        created_at=clock.now(),
        fixed_actor=fixed_actor,
    )
    await uow.api_keys.add(key)
    _audit(uow, clock, ids, "api_key.created", key, by)
    return CreatedKey(key=key, secret=secret)


async def ensure_bootstrap_key(
    uow: AccessUnitOfWork, clock: Clock, ids: IdGenerator, secret: str
) -> ApiKey:
    """Make sure a key with this exact secret and every scope exists (safe to race).

    A revoked bootstrap key stays revoked: revoking is how an admin retires a leaked one,
    and a restart must not undo it. Another value makes a new key."""
    if len(secret) < MIN_BOOTSTRAP_KEY_LENGTH:
        log.warning(
            "HUIKUAN_BOOTSTRAP_API_KEY is shorter than %d characters: easy to guess; "
            "use a long random value",
            MIN_BOOTSTRAP_KEY_LENGTH,
        )
    key_hash = hash_secret(secret)
    candidate = ApiKey(
        id=ids.new_id(),
        name="bootstrap",
        key_hash=key_hash,
        scopes=ALL_SCOPES,
        created_at=clock.now(),
    )
    await uow.api_keys.add_if_absent(candidate)
    key = await uow.api_keys.find_by_hash(key_hash)
    assert key is not None
    if not key.active:
        log.warning(
            "the key in HUIKUAN_BOOTSTRAP_API_KEY was revoked and stays revoked; "
            "set another value to get a working bootstrap key"
        )
    elif key.scopes != ALL_SCOPES:
        key = await uow.api_keys.set_scopes(key.id, ALL_SCOPES)
    return key


async def list_api_keys(uow: AccessUnitOfWork, page: PageRequest) -> Page[ApiKey]:
    rows = await uow.api_key_queries.list(page)
    return make_page(rows, page, key=lambda k: (str(k.id),))


async def revoke_api_key(
    uow: AccessUnitOfWork,
    clock: Clock,
    key_id: UUID,
    *,
    ids: IdGenerator | None = None,
    by: Actor = CLI,
) -> ApiKey:
    """The revoked key. A process with a :class:`KeyCache` clears it after the commit.
    ``ids`` numbers its audit entry (a random UUID without)."""
    key = await uow.api_keys.revoke(key_id, clock.now())
    if key is None:
        raise NotFound("api key", key_id)
    _audit(uow, clock, ids or _RandomIds(), "api_key.revoked", key, by)
    return key


# Finds a key by its hash: a repository's ``find_by_hash``, or (at the API's edge, before
# any route's unit of work exists) one short read of its own, asked only on a cache miss.
KeyFinder = Callable[[str], Awaitable[ApiKey | None]]


async def authenticate(
    find: KeyFinder, secret: str | None, scope: Scope, cache: KeyCache | None = None
) -> ApiKey:
    """The key behind a bearer secret, if it is active and holds ``scope``."""
    if not secret:
        raise Unauthenticated(
            "an API key is required: Authorization: Bearer <key>", AuthFailure.MISSING
        )
    key_hash = hash_secret(secret)
    key = cache.get(key_hash) if cache is not None else None
    if key is None:
        key = await find(key_hash)
        if key is not None and key.active and cache is not None:
            cache.put(key)
    if key is None or not secret_matches(secret, key.key_hash):
        raise Unauthenticated("the API key is unknown or revoked", AuthFailure.UNKNOWN)
    if not key.active:  # the same answer: the caller learns nothing from it
        raise Unauthenticated("the API key is unknown or revoked", AuthFailure.REVOKED)
    if not key.allows(scope):
        raise Forbidden(f"this API key lacks the {scope.value!r} scope")
    return key
