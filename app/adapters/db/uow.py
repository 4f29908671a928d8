"""The unit of work: one connection, one transaction, the change and its outbox events.

``commit`` writes the pending events in the same transaction as the change; a trigger on
``outbox_events`` sends ``NOTIFY huikuan_outbox``, which PostgreSQL delivers only when the
transaction commits and which wakes the relay. When the request carries an
Idempotency-Key, the claim is stamped ``committed_at`` in the same transaction too (see
``app/domain/idempotency.py``).

Database failures leave as domain errors: a lost or refused connection is
:class:`Unavailable` (503; the pool drops such connections, so the next request gets a
fresh one), a broken deadlock or serialization failure is :class:`Contention` (409).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Self

from sqlalchemy import insert, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncTransaction

from app.adapters.db.repositories.api_keys import SqlApiKeyRepository
from app.adapters.db.repositories.contracts import SqlContractRepository
from app.adapters.db.repositories.customers import SqlCustomerRepository
from app.adapters.db.repositories.ingest import SqlIngestRepository
from app.adapters.db.repositories.invoices import SqlInvoiceRepository
from app.adapters.db.repositories.payments import SqlPaymentRepository
from app.adapters.db.tables import idempotency_keys, outbox_events
from app.domain.errors import Contention, DomainError, Unavailable
from app.domain.events import OutboxEvent

log = logging.getLogger(__name__)

OUTBOX_CHANNEL = "huikuan_outbox"  # notified by the outbox_events_notify trigger
CONTENTION_STATES = frozenset({"40P01", "40001"})  # deadlock_detected, serialization_failure

_SAVEPOINT = text("SAVEPOINT huikuan_step")
_RELEASE = text("RELEASE SAVEPOINT huikuan_step")
_ROLLBACK_TO = text("ROLLBACK TO SAVEPOINT huikuan_step")


def outbox_row(event: OutboxEvent) -> dict[str, object]:
    return {
        "id": event.id,
        "type": event.type,
        "source": event.source,
        "subject": event.subject,
        "time": event.time,
        "data": event.data,
    }


def database_error(error: BaseException | None) -> DomainError | None:
    """The domain error a database failure stands for, or None for other errors."""
    if isinstance(error, DBAPIError):
        if error.connection_invalidated:
            return Unavailable("the database connection was lost; retry the request")
        state = getattr(getattr(error.orig, "__cause__", None), "sqlstate", None)
        if state in CONTENTION_STATES:
            return Contention("the change collided with a concurrent one; retry it")
    if isinstance(error, (OSError, ConnectionError)):
        return Unavailable("the database cannot be reached; retry the request")
    return None


class SqlUnitOfWork:
    customers: SqlCustomerRepository
    api_keys: SqlApiKeyRepository
    contracts: SqlContractRepository
    invoices: SqlInvoiceRepository
    payments: SqlPaymentRepository
    ingest: SqlIngestRepository

    def __init__(
        self, engine: AsyncEngine, idempotency_claim: tuple[str, str] | None = None
    ) -> None:
        self.engine = engine
        self.idempotency_claim = idempotency_claim
        self._conn: AsyncConnection | None = None
        self._tx: AsyncTransaction | None = None
        self._events: list[OutboxEvent] = []

    @property
    def connection(self) -> AsyncConnection:
        if self._conn is None:
            raise RuntimeError("the unit of work is used outside 'async with'")
        return self._conn

    async def __aenter__(self) -> Self:
        try:
            self._conn = await self.engine.connect()
            self._tx = await self._conn.begin()
        except (DBAPIError, OSError) as exc:
            if self._conn is not None:
                await self._conn.close()
                self._conn = None
            raise database_error(exc) or exc from exc
        self._events = []
        self.customers = SqlCustomerRepository(self._conn)
        self.api_keys = SqlApiKeyRepository(self._conn)
        self.contracts = SqlContractRepository(self._conn)
        self.invoices = SqlInvoiceRepository(self._conn)
        self.payments = SqlPaymentRepository(self._conn)
        self.ingest = SqlIngestRepository(self._conn)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self._tx is not None and self._tx.is_active:
                await self._tx.rollback()
            if self._conn is not None:
                await self._conn.close()
        except (DBAPIError, OSError):
            if exc is None:
                raise
            log.warning("rollback after a failure failed too", exc_info=True)
        finally:
            self._conn = None
            self._tx = None
            self._events = []
        translated = database_error(exc)
        if translated is not None:
            raise translated from exc

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        conn = self.connection
        mark = len(self._events)
        await conn.execute(_SAVEPOINT)
        try:
            yield
        except BaseException:
            await conn.execute(_ROLLBACK_TO)
            del self._events[mark:]
            raise
        await conn.execute(_RELEASE)

    def add_event(self, event: OutboxEvent) -> None:
        self._events.append(event)

    async def commit(self) -> None:
        conn = self.connection
        if self._events:
            await conn.execute(insert(outbox_events), [outbox_row(e) for e in self._events])
        if self.idempotency_claim is not None:
            scope, key = self.idempotency_claim
            await conn.execute(
                update(idempotency_keys)
                .where(idempotency_keys.c.scope == scope, idempotency_keys.c.key == key)
                .values(committed_at=text("now()"))
            )
        assert self._tx is not None
        await self._tx.commit()
        self._events = []


class SqlUnitOfWorkFactory:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    def __call__(self, idempotency_claim: tuple[str, str] | None = None) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, idempotency_claim)
