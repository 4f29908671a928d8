"""In-memory fakes of the service ports, for unit tests without a database."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from types import TracebackType
from typing import Self
from uuid import UUID
from zoneinfo import ZoneInfo

from app.adapters.ids import Uuid7Generator
from app.domain.access import ApiKey, Scope
from app.domain.customers import Customer
from app.domain.errors import DuplicateExternalId, StaleVersion
from app.domain.events import Actor, OutboxEvent
from app.domain.idempotency import ClaimState, IdempotencyRecord, StoredResponse
from app.services.context import Context
from app.services.pagination import PageRequest
from tests.fakes_ingest import FakeIngestRepository
from tests.fakes_receivables import (
    FakeContractRepository,
    FakeInvoiceRepository,
    FakePaymentRepository,
)


class FixedClock:
    """A clock that stands still until told to move."""

    def __init__(self, now: datetime | None = None, zone: str = "Asia/Shanghai") -> None:
        self.current = now or datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
        self.zone = ZoneInfo(zone)

    def now(self) -> datetime:
        return self.current

    def today(self) -> date:
        return self.current.astimezone(self.zone).date()

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)

    def set(self, moment: datetime) -> None:
        self.current = moment


class FakeCustomerRepository:
    def __init__(self) -> None:
        self.rows: dict[UUID, Customer] = {}

    async def add(self, customer: Customer) -> None:
        if customer.external_id and any(
            c.external_id == customer.external_id for c in self.rows.values()
        ):
            raise DuplicateExternalId("customer", customer.external_id)
        self.rows[customer.id] = copy.deepcopy(customer)

    async def get(self, customer_id: UUID) -> Customer | None:
        found = self.rows.get(customer_id)
        return copy.deepcopy(found) if found else None

    async def lock(self, customer_id: UUID) -> bool:
        return customer_id in self.rows

    async def save(self, customer: Customer, expected_version: int) -> None:
        current = self.rows.get(customer.id)
        if current is None or current.version != expected_version:
            raise StaleVersion("customer", expected_version)
        self.rows[customer.id] = copy.deepcopy(customer)

    async def list(
        self, *, external_id: str | None, q: str | None, page: PageRequest
    ) -> Sequence[Customer]:
        rows = sorted(self.rows.values(), key=lambda c: c.id)
        if external_id is not None:
            rows = [c for c in rows if c.external_id == external_id]
        if q:
            rows = [c for c in rows if q.lower() in c.name.lower()]
        if page.after:
            rows = [c for c in rows if c.id > page.after_uuid()]
        return rows[: page.fetch]


class FakeApiKeyRepository:
    def __init__(self) -> None:
        self.rows: dict[UUID, ApiKey] = {}

    async def add(self, key: ApiKey) -> None:
        self.rows[key.id] = key

    async def add_if_absent(self, key: ApiKey) -> None:
        if await self.find_by_hash(key.key_hash) is None:
            self.rows[key.id] = key

    async def get(self, key_id: UUID) -> ApiKey | None:
        return self.rows.get(key_id)

    async def find_by_hash(self, key_hash: str) -> ApiKey | None:
        return next((k for k in self.rows.values() if k.key_hash == key_hash), None)

    async def list(self, page: PageRequest) -> Sequence[ApiKey]:
        return sorted(self.rows.values(), key=lambda k: k.id)[: page.fetch]

    async def revoke(self, key_id: UUID, at: datetime) -> ApiKey | None:
        key = self.rows.get(key_id)
        if key is None:
            return None
        self.rows[key_id] = replace(key, revoked_at=key.revoked_at or at)
        return self.rows[key_id]

    async def reinstate(self, key_id: UUID, scopes: frozenset[Scope]) -> ApiKey:
        self.rows[key_id] = replace(self.rows[key_id], revoked_at=None, scopes=scopes)
        return self.rows[key_id]


class FakeUnitOfWork:
    """Shares its repositories across uses; a rollback restores the state before ``async with``."""

    def __init__(self) -> None:
        self.customers = FakeCustomerRepository()
        self.api_keys = FakeApiKeyRepository()
        self.contracts = FakeContractRepository(self.customers)
        self.invoices = FakeInvoiceRepository(self.customers, self.contracts)
        self.payments = FakePaymentRepository(self.customers, self.invoices)
        self.ingest = FakeIngestRepository(
            self.customers, self.contracts, self.invoices, self.payments
        )
        self.events: list[OutboxEvent] = []
        self.committed = 0
        self._pending: list[OutboxEvent] = []
        self._snapshot: tuple[object, ...] | None = None

    def _state(self) -> tuple[object, ...]:
        return (
            copy.deepcopy(self.customers.rows),
            dict(self.api_keys.rows),
            self.contracts.snapshot(),
            copy.deepcopy(self.invoices.rows),
            copy.deepcopy(self.payments.rows),
            dict(self.ingest.rows),
        )

    def _restore(self, state: tuple[object, ...]) -> None:
        customers, keys, contracts, invoices, payments, ingest = state
        self.customers.rows = customers  # type: ignore[assignment]
        self.api_keys.rows = keys  # type: ignore[assignment]
        self.contracts.restore(contracts)
        self.invoices.rows = invoices  # type: ignore[assignment]
        self.payments.rows = payments  # type: ignore[assignment]
        self.ingest.rows = ingest  # type: ignore[assignment]

    async def __aenter__(self) -> Self:
        self._pending = []
        self._snapshot = self._state()
        return self

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        state, mark = self._state(), len(self._pending)
        try:
            yield
        except BaseException:
            self._restore(state)
            del self._pending[mark:]
            raise

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._snapshot is not None:  # not committed: roll back
            self._restore(self._snapshot)
        self._snapshot = None
        self._pending = []

    def add_event(self, event: OutboxEvent) -> None:
        self._pending.append(event)

    async def commit(self) -> None:
        self.events.extend(self._pending)
        self._pending = []
        self._snapshot = None
        self.committed += 1

    def __call__(self, idempotency_claim: tuple[str, str] | None = None) -> Self:
        return self


class FakeIdempotencyStore:
    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], IdempotencyRecord] = {}

    async def claim(self, record: IdempotencyRecord) -> IdempotencyRecord | None:
        existing = self.rows.get((record.scope, record.key))
        if existing is None:
            self.rows[(record.scope, record.key)] = record
        return existing

    async def take_over(self, record: IdempotencyRecord, previous: IdempotencyRecord) -> bool:
        if self.rows.get((record.scope, record.key)) != previous:
            return False
        self.rows[(record.scope, record.key)] = record
        return True

    async def complete(self, scope: str, key: str, response: StoredResponse) -> None:
        self.rows[(scope, key)] = replace(
            self.rows[(scope, key)], state=ClaimState.COMPLETED, response=response
        )

    async def release(self, scope: str, key: str) -> None:
        record = self.rows.get((scope, key))
        if record is not None and record.committed_at is None:
            del self.rows[(scope, key)]

    async def purge_expired(self, before: datetime, limit: int) -> int:
        doomed = [k for k, r in self.rows.items() if r.created_at < before][:limit]
        for k in doomed:
            del self.rows[k]
        return len(doomed)


def context(clock: FixedClock | None = None, actor: str = "test-key") -> Context:
    return Context(clock=clock or FixedClock(), ids=Uuid7Generator(), actor=Actor(actor))
