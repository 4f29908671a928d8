"""API keys: hashed at rest, shown once, scopes are independent, revocation is final."""

from __future__ import annotations

import logging

import pytest

from app.domain.access.api_keys import ALL_SCOPES, Scope, hash_secret, secret_matches
from app.domain.errors import Forbidden, Unauthenticated, ValidationFailed
from app.services.access import api_keys
from app.services.unit_of_work import in_transaction
from tests.fakes import FakeUnitOfWork, FixedClock, context


async def test_a_created_key_is_stored_as_a_hash_and_authenticates() -> None:
    uow, ctx = FakeUnitOfWork(), context()
    created = await in_transaction(
        uow, api_keys.create_api_key, ctx.clock, ctx.ids, "erp", ["ingest"]
    )
    assert created.secret.startswith("hk_")
    stored = uow.api_keys.rows[created.key.id]
    assert stored.key_hash == hash_secret(created.secret)
    assert created.secret not in repr(stored)
    key = await api_keys.authenticate(uow.api_keys.find_by_hash, created.secret, Scope.INGEST)
    assert key.name == "erp"


async def test_scopes_are_independent() -> None:
    uow, ctx = FakeUnitOfWork(), context()
    created = await in_transaction(
        uow, api_keys.create_api_key, ctx.clock, ctx.ids, "ops", ["admin"]
    )
    with pytest.raises(Forbidden):
        await api_keys.authenticate(uow.api_keys.find_by_hash, created.secret, Scope.READ)


async def test_missing_unknown_and_revoked_keys_are_unauthenticated() -> None:
    uow, ctx = FakeUnitOfWork(), context()
    created = await in_transaction(uow, api_keys.create_api_key, ctx.clock, ctx.ids, "x", ["read"])
    with pytest.raises(Unauthenticated):
        await api_keys.authenticate(uow.api_keys.find_by_hash, None, Scope.READ)
    with pytest.raises(Unauthenticated):
        await api_keys.authenticate(uow.api_keys.find_by_hash, created.secret + "x", Scope.READ)
    await in_transaction(uow, api_keys.revoke_api_key, ctx.clock, created.key.id)
    with pytest.raises(Unauthenticated):
        await api_keys.authenticate(uow.api_keys.find_by_hash, created.secret, Scope.READ)


async def test_bootstrap_key_is_idempotent_and_stays_revoked_once_revoked() -> None:
    uow, clock = FakeUnitOfWork(), FixedClock()
    ctx = context(clock)
    secret = "boot-secret-" + "b" * 20
    first = await in_transaction(uow, api_keys.ensure_bootstrap_key, clock, ctx.ids, secret)
    again = await in_transaction(uow, api_keys.ensure_bootstrap_key, clock, ctx.ids, secret)
    assert first.id == again.id
    assert first.scopes == ALL_SCOPES
    await in_transaction(uow, api_keys.revoke_api_key, clock, first.id)
    after = await in_transaction(uow, api_keys.ensure_bootstrap_key, clock, ctx.ids, secret)
    assert after.id == first.id
    assert not after.active
    with pytest.raises(Unauthenticated):
        await api_keys.authenticate(uow.api_keys.find_by_hash, secret, Scope.READ)


async def test_a_short_bootstrap_key_is_warned_about_without_being_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    uow, clock = FakeUnitOfWork(), FixedClock()
    ctx = context(clock)
    with caplog.at_level(logging.WARNING, logger="app.services.access.api_keys"):
        await in_transaction(uow, api_keys.ensure_bootstrap_key, clock, ctx.ids, "x" * 24)
        assert not caplog.records
        await in_transaction(
            uow, api_keys.ensure_bootstrap_key, clock, ctx.ids, "short-boot-key-23-chars"
        )
    (record,) = caplog.records
    assert "shorter than 24 characters" in record.getMessage()
    assert "short-boot-key" not in caplog.text


@pytest.mark.parametrize(("name", "scopes"), [("", ["read"]), ("x", []), ("x", ["root"])])
async def test_bad_key_requests_are_refused(name: str, scopes: list[str]) -> None:
    uow, ctx = FakeUnitOfWork(), context()
    with pytest.raises(ValidationFailed):
        await in_transaction(uow, api_keys.create_api_key, ctx.clock, ctx.ids, name, scopes)


def test_comparison_is_by_hash() -> None:
    assert secret_matches("abc", hash_secret("abc"))
    assert not secret_matches("abd", hash_secret("abc"))


async def test_the_key_cache_saves_lookups_until_its_ttl_and_forgets_on_revoke() -> None:
    from datetime import timedelta

    uow, clock = FakeUnitOfWork(), FixedClock()
    ctx = context(clock)
    cache = api_keys.KeyCache(clock, timedelta(seconds=5))
    created = await in_transaction(uow, api_keys.create_api_key, clock, ctx.ids, "x", ["read"])
    await api_keys.authenticate(uow.api_keys.find_by_hash, created.secret, Scope.READ, cache)
    # Revoked behind the cache's back (another replica): trusted until the TTL ends.
    await in_transaction(uow, api_keys.revoke_api_key, clock, created.key.id)
    assert (
        await api_keys.authenticate(uow.api_keys.find_by_hash, created.secret, Scope.READ, cache)
    ).active
    clock.advance(seconds=6)
    with pytest.raises(Unauthenticated):
        await api_keys.authenticate(uow.api_keys.find_by_hash, created.secret, Scope.READ, cache)


async def test_a_revoked_key_is_refused_once_the_cache_is_cleared() -> None:
    # The revoke route clears the cache after its commit: tests/integration/test_bootstrap_key.py.
    from datetime import timedelta

    uow, clock = FakeUnitOfWork(), FixedClock()
    ctx = context(clock)
    cache = api_keys.KeyCache(clock, timedelta(seconds=5))
    created = await in_transaction(uow, api_keys.create_api_key, clock, ctx.ids, "x", ["read"])
    await api_keys.authenticate(uow.api_keys.find_by_hash, created.secret, Scope.READ, cache)
    await in_transaction(uow, api_keys.revoke_api_key, clock, created.key.id)
    cache.clear()  # what the revoke route does after the commit (test_bootstrap_key.py)
    with pytest.raises(Unauthenticated):
        await api_keys.authenticate(uow.api_keys.find_by_hash, created.secret, Scope.READ, cache)
