"""Ports: what the use cases need from the outside world, as typing.Protocols.

Adapters in ``app/adapters`` implement them; unit tests use the fakes in ``tests/fakes``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from types import TracebackType
from typing import Protocol, Self
from uuid import UUID

from app.domain.access import ApiKey, Scope
from app.domain.customers import Customer
from app.domain.events import OutboxEvent
from app.domain.idempotency import IdempotencyRecord, StoredResponse
from app.services.pagination import PageRequest


class Clock(Protocol):
    """The one source of time. ``today`` is the calendar date in HUIKUAN_TIMEZONE."""

    def now(self) -> datetime: ...

    def today(self) -> date: ...


class ClockControl(Protocol):
    """The test clock's controls (HUIKUAN_TEST_CLOCK=true only)."""

    def now(self) -> datetime: ...

    async def move_to(self, moment: datetime) -> bool:
        """Jump forward to ``moment``; False when it lies before the clock's now."""


class IdGenerator(Protocol):
    def new_id(self) -> UUID: ...


class CustomerFilter(Protocol):
    external_id: str | None
    q: str | None


class CustomerRepository(Protocol):
    async def add(self, customer: Customer) -> None:
        """Insert; raises DuplicateExternalId when the external_id is taken."""

    async def get(self, customer_id: UUID) -> Customer | None: ...

    async def save(self, customer: Customer, expected_version: int) -> None:
        """Write back a changed customer; raises StaleVersion when someone else won."""

    async def list(
        self, *, external_id: str | None, q: str | None, page: PageRequest
    ) -> Sequence[Customer]: ...


class ApiKeyRepository(Protocol):
    async def add(self, key: ApiKey) -> None: ...

    async def add_if_absent(self, key: ApiKey) -> None:
        """Insert unless a key with the same hash exists."""

    async def reinstate(self, key_id: UUID, scopes: frozenset[Scope]) -> ApiKey:
        """Un-revoke a key and set its scopes."""

    async def get(self, key_id: UUID) -> ApiKey | None: ...

    async def find_by_hash(self, key_hash: str) -> ApiKey | None: ...

    async def list(self, page: PageRequest) -> Sequence[ApiKey]: ...

    async def revoke(self, key_id: UUID, at: datetime) -> ApiKey | None: ...


class UnitOfWork(Protocol):
    """One database transaction. Rolls back on exit unless :meth:`commit` ran.

    Events added with :meth:`add_event` are written to the outbox in the same
    transaction as the change they describe.
    """

    @property
    def customers(self) -> CustomerRepository: ...

    @property
    def api_keys(self) -> ApiKeyRepository: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def add_event(self, event: OutboxEvent) -> None: ...

    async def commit(self) -> None: ...


class IdempotencyStore(Protocol):
    """Claims for Idempotency-Keys, each in its own short transaction."""

    async def claim(self, record: IdempotencyRecord) -> IdempotencyRecord | None:
        """Insert the claim; returns the existing record instead when the key is taken."""

    async def take_over(self, record: IdempotencyRecord, previous: IdempotencyRecord) -> bool:
        """Replace an expired or abandoned claim; False when another request got there first."""

    async def complete(self, scope: str, key: str, response: StoredResponse) -> None: ...

    async def release(self, scope: str, key: str) -> None:
        """Drop a claim whose change never committed, so a retry may run."""

    async def purge_expired(self, before: datetime, limit: int) -> int: ...
