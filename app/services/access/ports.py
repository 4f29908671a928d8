"""Ports of access: API keys, and the Idempotency-Key claims (each in its own transaction)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID

from app.domain.access.api_keys import ApiKey, Scope
from app.domain.access.idempotency import IdempotencyRecord, StoredResponse
from app.services.pagination import PageRequest
from app.services.unit_of_work import UnitOfWork


class ApiKeyRepository(Protocol):
    async def add(self, key: ApiKey) -> None: ...

    async def add_if_absent(self, key: ApiKey) -> None:
        """Insert unless a key with the same hash exists."""

    async def set_scopes(self, key_id: UUID, scopes: frozenset[Scope]) -> ApiKey:
        """Set a key's scopes; a revoked key stays revoked."""

    async def get(self, key_id: UUID) -> ApiKey | None: ...

    async def find_by_hash(self, key_hash: str) -> ApiKey | None: ...

    async def revoke(self, key_id: UUID, at: datetime) -> ApiKey | None: ...


class ApiKeyQueries(Protocol):
    """The read side of API keys: lists, tested on PostgreSQL (the fakes do not answer)."""

    async def list(self, page: PageRequest) -> Sequence[ApiKey]: ...


class IdempotencyStore(Protocol):
    """Claims for Idempotency-Keys, each in its own short transaction."""

    async def claim(self, record: IdempotencyRecord) -> IdempotencyRecord | None:
        """Insert the claim; returns the existing record instead when the key is taken."""

    async def take_over(self, record: IdempotencyRecord, previous: IdempotencyRecord) -> bool:
        """Replace an expired or abandoned claim; False when another request got there first."""

    async def complete(self, scope: str, key: str, response: StoredResponse) -> None: ...

    async def release(self, scope: str, key: str) -> None:
        """Drop a claim whose change never committed, so a retry may run."""


class IdempotencyKeyRepository(Protocol):
    """Retention of ``idempotency_keys``: Idempotency-Key claims and signed requests'
    webhook-ids. Rows others hold locked are skipped (a later batch or run gets them)."""

    async def delete_claims_before(self, cutoff: datetime, now: datetime, limit: int) -> int:
        """Delete up to ``limit`` Idempotency-Key claims created before ``cutoff`` whose
        lease has ended by ``now`` (the service's clock, which wrote both)."""

    async def delete_messages_older_than(self, age: timedelta, limit: int) -> int:
        """Delete up to ``limit`` webhook-ids remembered longer than ``age`` ago by the
        database's clock (the one that remembered them and judges replays)."""


class AccessUnitOfWork(UnitOfWork, Protocol):
    """The unit of work the API-key use cases run in."""

    @property
    def api_keys(self) -> ApiKeyRepository: ...

    @property
    def api_key_queries(self) -> ApiKeyQueries: ...


class KeyRetentionUnitOfWork(UnitOfWork, Protocol):
    """The unit of work the ``idempotency-cleanup`` job runs in."""

    @property
    def idempotency_keys(self) -> IdempotencyKeyRepository: ...


class KeyRetentionUnitOfWorkFactory(Protocol):
    def __call__(self) -> KeyRetentionUnitOfWork: ...
