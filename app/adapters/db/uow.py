"""The unit of work: one connection, one transaction, the change and its outbox events.

``commit`` writes the pending events in the same transaction as the change and sends a
``NOTIFY`` that PostgreSQL delivers only when the transaction commits, which wakes the
relay. When the request carries an Idempotency-Key, the claim is stamped
``committed_at`` in the same transaction too (see ``app/domain/idempotency.py``).
"""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import insert, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncTransaction

from app.adapters.db.repositories.api_keys import SqlApiKeyRepository
from app.adapters.db.repositories.contracts import SqlContractRepository
from app.adapters.db.repositories.customers import SqlCustomerRepository
from app.adapters.db.repositories.delivery_queue import SqlDeliveryQueue
from app.adapters.db.repositories.dunning import SqlDunningPolicyRepository
from app.adapters.db.repositories.findings import SqlFindingRepository
from app.adapters.db.repositories.interactions import SqlInteractionRepository
from app.adapters.db.repositories.invoices import SqlInvoiceRepository
from app.adapters.db.repositories.outbox import SqlOutboxRepository
from app.adapters.db.repositories.payments import SqlPaymentRepository
from app.adapters.db.repositories.promises import SqlPromiseRepository
from app.adapters.db.repositories.risk_flags import SqlRiskFlagRepository
from app.adapters.db.repositories.scan_queues import SqlScanRepository
from app.adapters.db.repositories.targets import SqlTargetRepository
from app.adapters.db.repositories.tasks import SqlTaskRepository
from app.adapters.db.repositories.webhook_deliveries import SqlWebhookDeliveryRepository
from app.adapters.db.repositories.webhook_endpoints import SqlWebhookEndpointRepository
from app.adapters.db.repositories.worklist import SqlWorklistQueries
from app.adapters.db.tables import idempotency_keys, outbox_events
from app.domain.events import OutboxEvent

OUTBOX_CHANNEL = "huikuan_outbox"


def outbox_row(event: OutboxEvent) -> dict[str, object]:
    return {
        "id": event.id,
        "type": event.type,
        "source": event.source,
        "subject": event.subject,
        "time": event.time,
        "data": event.data,
    }


class SqlUnitOfWork:
    customers: SqlCustomerRepository
    api_keys: SqlApiKeyRepository
    contracts: SqlContractRepository
    invoices: SqlInvoiceRepository
    payments: SqlPaymentRepository
    targets: SqlTargetRepository
    tasks: SqlTaskRepository
    interactions: SqlInteractionRepository
    promises: SqlPromiseRepository
    risk_flags: SqlRiskFlagRepository
    dunning_policy: SqlDunningPolicyRepository
    worklist: SqlWorklistQueries
    webhook_endpoints: SqlWebhookEndpointRepository
    webhook_deliveries: SqlWebhookDeliveryRepository
    delivery_queue: SqlDeliveryQueue
    outbox: SqlOutboxRepository
    scans: SqlScanRepository
    findings: SqlFindingRepository

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
        self._conn = await self.engine.connect()
        self._tx = await self._conn.begin()
        self._events = []
        self.customers = SqlCustomerRepository(self._conn)
        self.api_keys = SqlApiKeyRepository(self._conn)
        self.contracts = SqlContractRepository(self._conn)
        self.invoices = SqlInvoiceRepository(self._conn)
        self.payments = SqlPaymentRepository(self._conn)
        self.targets = SqlTargetRepository(self._conn)
        self.tasks = SqlTaskRepository(self._conn)
        self.interactions = SqlInteractionRepository(self._conn)
        self.promises = SqlPromiseRepository(self._conn)
        self.risk_flags = SqlRiskFlagRepository(self._conn)
        self.dunning_policy = SqlDunningPolicyRepository(self._conn)
        self.worklist = SqlWorklistQueries(self._conn)
        self.webhook_endpoints = SqlWebhookEndpointRepository(self._conn)
        self.webhook_deliveries = SqlWebhookDeliveryRepository(self._conn)
        self.delivery_queue = SqlDeliveryQueue(self._conn)
        self.outbox = SqlOutboxRepository(self._conn)
        self.scans = SqlScanRepository(self._conn)
        self.findings = SqlFindingRepository(self._conn)
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
        finally:
            if self._conn is not None:
                await self._conn.close()
            self._conn = None
            self._tx = None
            self._events = []

    def add_event(self, event: OutboxEvent) -> None:
        self._events.append(event)

    async def commit(self) -> None:
        conn = self.connection
        if self._events:
            await conn.execute(insert(outbox_events), [outbox_row(e) for e in self._events])
            await conn.execute(text(f"NOTIFY {OUTBOX_CHANNEL}"))
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
