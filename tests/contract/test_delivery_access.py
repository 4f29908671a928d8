"""The webhook endpoint and API key repositories: what the fake and PostgreSQL both do. An
endpoint's failure streak belongs to the relay (``mark_failing``/``mark_healthy``), never to
an edit; an API key's revocation stamp is the first one."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from uuid import uuid4

from app.domain.access.api_keys import ApiKey, Scope
from app.domain.delivery.webhooks import WebhookEndpoint
from app.domain.errors import StaleVersion
from tests.contract.conftest import Store, fails
from tests.unit.builders import NOW


def endpoint(*, enabled: bool = True) -> WebhookEndpoint:
    return WebhookEndpoint(
        id=uuid4(),
        url="https://hooks.example.com/huikuan",
        event_types=("*",),
        created_at=NOW,
        updated_at=NOW,
        secret="whsec_current",
        description="财务系统",
        enabled=enabled,
        disabled_reason=None if enabled else "manual",
    )


def key(key_hash: str = "a" * 64) -> ApiKey:
    return ApiKey(
        id=uuid4(),
        name="ERP 对接",
        key_hash=key_hash,
        scopes=frozenset({Scope.READ, Scope.WRITE}),
        created_at=NOW,
    )


async def test_add_then_get_gives_the_endpoint_back(uow: Store) -> None:
    added = replace(
        endpoint(),
        previous_secret="whsec_old",
        previous_secret_expires_at=NOW + timedelta(days=1),
    )
    await uow.webhook_endpoints.add(added)
    assert await uow.webhook_endpoints.get(added.id) == added
    assert await uow.webhook_endpoints.get(uuid4()) is None


async def test_endpoint_save_writes_all_but_id_created_at_and_the_streak(uow: Store) -> None:
    added = endpoint()
    await uow.webhook_endpoints.add(added)
    await uow.webhook_endpoints.mark_failing([added.id], NOW)
    changed = replace(
        added,
        url="https://hooks.example.com/v2",
        secret="whsec_new",
        previous_secret="whsec_current",
        previous_secret_expires_at=NOW + timedelta(days=1),
        description=None,
        enabled=False,
        disabled_reason="manual",
        failing_since=None,
        version=2,
        created_at=NOW + timedelta(days=1),
        updated_at=NOW + timedelta(hours=1),
    )
    await uow.webhook_endpoints.save(changed, expected_version=1)
    kept = replace(changed, created_at=NOW, failing_since=NOW)
    assert await uow.webhook_endpoints.get(added.id) == kept


async def test_endpoint_save_stale_or_unknown_changes_nothing(uow: Store) -> None:
    added = endpoint()
    await uow.webhook_endpoints.add(added)
    async with fails(uow, StaleVersion):
        await uow.webhook_endpoints.save(replace(added, enabled=False, version=3), 2)
    async with fails(uow, StaleVersion):
        await uow.webhook_endpoints.save(endpoint(), expected_version=1)
    assert await uow.webhook_endpoints.get(added.id) == added


async def test_delete_removes_the_endpoint_once(uow: Store) -> None:
    added = endpoint()
    await uow.webhook_endpoints.add(added)
    assert await uow.webhook_endpoints.delete(added.id) is True
    assert await uow.webhook_endpoints.get(added.id) is None
    assert await uow.webhook_endpoints.delete(added.id) is False


async def test_a_failure_streak_starts_once_on_enabled_endpoints_and_ends(uow: Store) -> None:
    live, off = endpoint(), endpoint(enabled=False)
    for each in (live, off):
        await uow.webhook_endpoints.add(each)
    ids = [live.id, off.id, uuid4()]
    assert await uow.webhook_endpoints.mark_failing(ids, NOW) == {live.id: NOW}
    later = NOW + timedelta(minutes=5)
    assert await uow.webhook_endpoints.mark_failing(ids, later) == {live.id: NOW}
    assert await uow.webhook_endpoints.get(live.id) == replace(live, failing_since=NOW)
    assert await uow.webhook_endpoints.get(off.id) == off
    await uow.webhook_endpoints.mark_healthy(ids)
    assert await uow.webhook_endpoints.get(live.id) == live
    assert await uow.webhook_endpoints.mark_failing(ids, later) == {live.id: later}


async def test_add_then_get_or_find_by_hash_gives_the_key_back(uow: Store) -> None:
    added = key()
    await uow.api_keys.add(added)
    assert await uow.api_keys.get(added.id) == added
    assert await uow.api_keys.find_by_hash(added.key_hash) == added
    assert await uow.api_keys.get(uuid4()) is None
    assert await uow.api_keys.find_by_hash("b" * 64) is None


async def test_add_if_absent_leaves_a_taken_hash_or_id_alone(uow: Store) -> None:
    first = key()
    await uow.api_keys.add_if_absent(first)
    await uow.api_keys.add_if_absent(replace(key(), name="别的"))  # the same hash
    await uow.api_keys.add_if_absent(replace(first, name="别的", key_hash="c" * 64))
    assert await uow.api_keys.find_by_hash(first.key_hash) == first
    assert await uow.api_keys.find_by_hash("c" * 64) is None
    second = key("d" * 64)
    await uow.api_keys.add_if_absent(second)
    assert await uow.api_keys.get(second.id) == second


async def test_revoke_keeps_the_first_stamp_and_scopes_stay_settable(uow: Store) -> None:
    added = key()
    await uow.api_keys.add(added)
    revoked = replace(added, revoked_at=NOW)
    assert await uow.api_keys.revoke(added.id, NOW) == revoked
    assert await uow.api_keys.revoke(added.id, NOW + timedelta(hours=1)) == revoked
    assert await uow.api_keys.revoke(uuid4(), NOW) is None
    admin = frozenset({Scope.ADMIN, Scope.READ})
    assert await uow.api_keys.set_scopes(added.id, admin) == replace(revoked, scopes=admin)
    assert await uow.api_keys.get(added.id) == replace(revoked, scopes=admin)
