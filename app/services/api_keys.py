"""API key use cases: create (the secret is shown once), list, revoke, authenticate."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from app.domain.access import (
    ALL_SCOPES,
    ApiKey,
    Scope,
    generate_secret,
    hash_secret,
    parse_scopes,
    secret_matches,
    validate_key_name,
)
from app.domain.errors import Forbidden, NotFound, Unauthenticated
from app.services.pagination import Page, PageRequest, make_page
from app.services.ports import Clock, IdGenerator, UnitOfWork


@dataclass(frozen=True, slots=True)
class CreatedKey:
    key: ApiKey
    secret: str  # returned once, never stored


async def create_api_key(
    uow: UnitOfWork, clock: Clock, ids: IdGenerator, name: str, scopes: list[str]
) -> CreatedKey:
    secret = generate_secret()
    key = ApiKey(
        id=ids.new_id(),
        name=validate_key_name(name),
        key_hash=hash_secret(secret),
        scopes=parse_scopes(scopes),
        created_at=clock.now(),
    )
    async with uow:
        await uow.api_keys.add(key)
        await uow.commit()
    return CreatedKey(key=key, secret=secret)


async def ensure_bootstrap_key(
    uow: UnitOfWork, clock: Clock, ids: IdGenerator, secret: str
) -> ApiKey:
    """Make sure a key with this exact secret and every scope exists (safe to race)."""
    key_hash = hash_secret(secret)
    async with uow:
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
        if not key.active or key.scopes != ALL_SCOPES:
            key = await uow.api_keys.reinstate(key.id, ALL_SCOPES)
        await uow.commit()
    return key


async def list_api_keys(uow: UnitOfWork, page: PageRequest) -> Page[ApiKey]:
    async with uow:
        rows = await uow.api_keys.list(page)
    return make_page(rows, page, key=lambda k: (str(k.id),))


async def revoke_api_key(uow: UnitOfWork, clock: Clock, key_id: UUID) -> ApiKey:
    async with uow:
        key = await uow.api_keys.revoke(key_id, clock.now())
        if key is None:
            raise NotFound("api key", key_id)
        await uow.commit()
    return key


async def authenticate(uow: UnitOfWork, secret: str | None, scope: Scope) -> ApiKey:
    """The key behind a bearer secret, if it is active and holds ``scope``."""
    if not secret:
        raise Unauthenticated("an API key is required: Authorization: Bearer <key>")
    async with uow:
        key = await uow.api_keys.find_by_hash(hash_secret(secret))
    if key is None or not secret_matches(secret, key.key_hash) or not key.active:
        raise Unauthenticated("the API key is unknown or revoked")
    if not key.allows(scope):
        raise Forbidden(f"this API key lacks the {scope.value!r} scope")
    return key
