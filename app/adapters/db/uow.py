"""The unit of work: one connection, one transaction, the change and its outbox events.

``commit`` writes the pending events in the same transaction as the change; after the
commit, the ``OutboxSignal`` wakes the relays (decision 0114). When the request carries an
Idempotency-Key, the claim is stamped ``committed_at`` in the same transaction too (see
``app/domain/access/idempotency.py``).

A domain event a use case publishes (:meth:`SqlUnitOfWork.publish`) runs the handlers the
composition root subscribed to it (``app/services/reactions.py``) at once, in this
transaction, so their changes and events commit with the change that caused them.

The transaction is run on the asyncpg connection itself (``BEGIN``/``COMMIT``), with
SQLAlchemy's connection in autocommit mode inside it: SQLAlchemy Core statements and the
few hot statements that repositories send straight to asyncpg share one transaction, and
a request saves SQLAlchemy's bookkeeping (about a third of its CPU on the ingest path).

Database failures leave as domain errors: a lost or refused connection is
:class:`Unavailable` (503; the connection is invalidated, so the pool connects afresh), a
broken deadlock or serialization failure is :class:`Contention` (409).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Any, Self

from sqlalchemy.ext.asyncio import AsyncEngine

from app.adapters.db.access.api_keys import SqlApiKeyQueries, SqlApiKeyRepository
from app.adapters.db.access.idempotency_keys import SqlIdempotencyKeyRepository
from app.adapters.db.collection.confirmations import (
    SqlConfirmationRepository,
    SqlLegalActionRepository,
)
from app.adapters.db.collection.digest import SqlDigestQueries
from app.adapters.db.collection.dunning import SqlDunningPolicyRepository
from app.adapters.db.collection.interactions import SqlInteractionQueries, SqlInteractionRepository
from app.adapters.db.collection.paper_trail import SqlLimitationQueries
from app.adapters.db.collection.promises import SqlPromiseQueries, SqlPromiseRepository
from app.adapters.db.collection.risk_flags import SqlRiskFlagQueries, SqlRiskFlagRepository
from app.adapters.db.collection.targets import SqlTargetQueries, SqlTargetRepository
from app.adapters.db.collection.tasks import SqlTaskQueries, SqlTaskRepository
from app.adapters.db.collection.worklist import SqlWorklistQueries
from app.adapters.db.connection import PooledConnection
from app.adapters.db.controls.approvals import (
    SqlApprovalPolicyRepository,
    SqlApprovalRequestQueries,
    SqlApprovalRequestRepository,
)
from app.adapters.db.controls.audit import SqlAuditLog
from app.adapters.db.controls.audit_writes import (
    CREATIONS_SQL,
    INSERT_AUDIT,
    INSERT_EVENTS_AUDITED,
    audit_json,
)
from app.adapters.db.customers.customer_queries import SqlCustomerQueries
from app.adapters.db.customers.customers import SqlCustomerRepository
from app.adapters.db.delivery.delivery_queue import SqlDeliveryQueue
from app.adapters.db.delivery.outbox import SqlOutboxRepository
from app.adapters.db.delivery.stream_cursor import SqlStreamCursor
from app.adapters.db.delivery.webhook_deliveries import (
    SqlWebhookDeliveryQueries,
    SqlWebhookDeliveryRepository,
)
from app.adapters.db.delivery.webhook_endpoints import (
    SqlWebhookEndpointQueries,
    SqlWebhookEndpointRepository,
)
from app.adapters.db.engine import dumps
from app.adapters.db.errors import database_error, lost_connection
from app.adapters.db.intake.imports import SqlImportRepository
from app.adapters.db.intake.ingest import SqlIngestQueries, SqlIngestRepository
from app.adapters.db.organisation.org_units import SqlOrgUnitQueries, SqlOrgUnitRepository
from app.adapters.db.organisation.people import (
    SqlAssignments,
    SqlPersonQueries,
    SqlPersonRepository,
)
from app.adapters.db.organisation.projects import SqlProjectQueries, SqlProjectRepository
from app.adapters.db.outbox_signal import OutboxSignal
from app.adapters.db.receivables.contract_queries import SqlContractQueries
from app.adapters.db.receivables.contracts import SqlContractRepository
from app.adapters.db.receivables.invoice_queries import SqlInvoiceQueries
from app.adapters.db.receivables.invoices import SqlInvoiceRepository
from app.adapters.db.receivables.names import SqlSubjectNames
from app.adapters.db.receivables.payment_queries import SqlPaymentQueries
from app.adapters.db.receivables.payments import SqlPaymentRepository
from app.adapters.db.receivables.project_figures import SqlProjectMoney, SqlSubjectUnits
from app.adapters.db.reporting.reports import SqlReportQueries
from app.adapters.db.reporting.review import SqlReviewQueries
from app.adapters.db.reporting.statements import SqlStatementQueries
from app.adapters.db.scheduling.findings import SqlFindingRepository
from app.adapters.db.scheduling.scans import SqlScanRepository
from app.adapters.db.uow_repositories import BY_CONNECTION, BY_CONNECTION_AND_DRIVER
from app.domain.access.idempotency import SIGNED_MESSAGE_WINDOW
from app.domain.controls.audit import may_hold_secrets
from app.domain.errors import AuthFailure, Unauthenticated
from app.domain.events import DomainEvent, OutboxEvent
from app.request_context import request_id_var
from app.services.context import Context
from app.services.unit_of_work import Reactions, react

log = logging.getLogger(__name__)

OUTBOX_CHANNEL = "huikuan_outbox"  # notified after commits that wrote outbox events
# Without an OutboxSignal (tests, one-off tools), each commit that writes events notifies.
_NOTIFY = f"SELECT pg_notify('{OUTBOX_CHANNEL}', '')"

# The outbox insert travels with COMMIT in one simple-query round trip: the events are one
# JSON array literal, dollar-quoted with a random tag that the text is checked not to hold.
_INSERT_EVENTS = (
    "INSERT INTO outbox_events (id, type, source, subject, time, data) "
    "SELECT (e->>'id')::uuid, e->>'type', e->>'source', e->>'subject', "
    "(e->>'time')::timestamptz, e->'data' "
    "FROM jsonb_array_elements({events}::jsonb) WITH ORDINALITY AS t(e, n) ORDER BY n"
)
# Prepared (its plan kept by the connection), not a literal in the COMMIT's round trip:
# parsing and planning this statement anew cost PostgreSQL about 0.4 ms per commit, twice
# what the extra round trip costs (decision 0143).
_INSERT_EVENTS_AUDITED_PREPARED = INSERT_EVENTS_AUDITED.format(
    events="$1::text", request_id="$2::text", creations=CREATIONS_SQL
)
_STAMP_CLAIM = (
    "UPDATE idempotency_keys SET committed_at = now() WHERE scope = {scope} AND key = {key}"
)


# For hot paths: PostgreSQL plans a prepared statement whose parameters are arrays again on
# every call (its generic plan looks dearer than one made for the call's values), which cost
# the ingestion path about 0.9 ms of the database's CPU per event. In the same round trip
# as BEGIN, and for this transaction only.
BEGIN_REUSING_PLANS = "BEGIN; SET LOCAL plan_cache_mode = force_generic_plan"

# A signed request's webhook-id, remembered with its body's SHA-256 in the same round trip
# as BEGIN (Idempotency-Key claims share the table; a scope that is not a key hash keeps
# them apart). Inserted, or updated when seen before with the same body or longer ago than
# the signature tolerance: "INSERT 0 0" means seen lately with another body, a replay.
_REMEMBER_MESSAGE = """
INSERT INTO idempotency_keys AS k (scope, key, fingerprint, state, created_at, lease_until)
VALUES ('webhook-id', {key}, {fingerprint}, 'completed', now(), now())
ON CONFLICT (scope, key) DO UPDATE SET
    fingerprint = EXCLUDED.fingerprint,
    created_at = CASE WHEN k.fingerprint = EXCLUDED.fingerprint THEN k.created_at ELSE now() END,
    lease_until = EXCLUDED.lease_until
WHERE k.fingerprint = EXCLUDED.fingerprint OR k.created_at < now() - interval '{window} seconds'
"""
REPLAYED = "INSERT 0 0"


def dollar_quoted(text: str) -> str:
    """``text`` as a PostgreSQL dollar-quoted literal that it cannot break out of."""
    while True:
        tag = f"$q{secrets.token_hex(6)}$"
        if tag not in text:
            return f"{tag}{text}{tag}"


def _event_json(event: OutboxEvent) -> dict[str, object]:
    return {
        "id": str(event.id),
        "type": event.type,
        "source": event.source,
        "subject": event.subject,
        "time": event.time.isoformat(),
        "data": event.data,
    }


class SqlUnitOfWork:
    customers: SqlCustomerRepository
    customer_queries: SqlCustomerQueries
    api_keys: SqlApiKeyRepository
    api_key_queries: SqlApiKeyQueries
    contracts: SqlContractRepository
    contract_queries: SqlContractQueries
    invoices: SqlInvoiceRepository
    invoice_queries: SqlInvoiceQueries
    payments: SqlPaymentRepository
    payment_queries: SqlPaymentQueries
    targets: SqlTargetRepository
    target_queries: SqlTargetQueries
    tasks: SqlTaskRepository
    task_queries: SqlTaskQueries
    interactions: SqlInteractionRepository
    interaction_queries: SqlInteractionQueries
    promises: SqlPromiseRepository
    promise_queries: SqlPromiseQueries
    risk_flags: SqlRiskFlagRepository
    risk_flag_queries: SqlRiskFlagQueries
    dunning_policy: SqlDunningPolicyRepository
    confirmations: SqlConfirmationRepository
    legal_actions: SqlLegalActionRepository
    limitation: SqlLimitationQueries
    worklist: SqlWorklistQueries
    webhook_endpoints: SqlWebhookEndpointRepository
    webhook_endpoint_queries: SqlWebhookEndpointQueries
    webhook_deliveries: SqlWebhookDeliveryRepository
    webhook_delivery_queries: SqlWebhookDeliveryQueries
    delivery_queue: SqlDeliveryQueue
    outbox: SqlOutboxRepository
    stream_cursor: SqlStreamCursor
    subject_names: SqlSubjectNames
    digest: SqlDigestQueries
    scans: SqlScanRepository
    findings: SqlFindingRepository
    idempotency_keys: SqlIdempotencyKeyRepository
    reports: SqlReportQueries
    review: SqlReviewQueries
    statements: SqlStatementQueries
    ingest: SqlIngestRepository
    ingest_queries: SqlIngestQueries
    imports: SqlImportRepository
    org_units: SqlOrgUnitRepository
    org_unit_queries: SqlOrgUnitQueries
    people: SqlPersonRepository
    person_queries: SqlPersonQueries
    projects: SqlProjectRepository
    project_queries: SqlProjectQueries
    assignments: SqlAssignments
    project_money: SqlProjectMoney
    subject_units: SqlSubjectUnits
    approval_policy: SqlApprovalPolicyRepository
    approval_requests: SqlApprovalRequestRepository
    approval_request_queries: SqlApprovalRequestQueries
    audit_log: SqlAuditLog

    def __init__(
        self,
        engine: AsyncEngine,
        reactions: Reactions,
        idempotency_claim: tuple[str, str] | None = None,
        *,
        reuse_plans: bool = False,
        message: tuple[str, str] | None = None,
        signal: OutboxSignal | None = None,
        audit: bool = True,
    ) -> None:
        self.engine = engine
        self.audit = audit  # False only where a benchmark measures what the trail costs
        self.reactions = reactions
        self.idempotency_claim = idempotency_claim
        self.message = message
        self.signal = signal
        self._begin = BEGIN_REUSING_PLANS if reuse_plans else "BEGIN"
        if message is not None:
            key, fingerprint = (dollar_quoted(part) for part in message)
            window = int(SIGNED_MESSAGE_WINDOW.total_seconds())
            remember = _REMEMBER_MESSAGE.format(key=key, fingerprint=fingerprint, window=window)
            self._begin = f"{self._begin};{remember}"
        self._conn: PooledConnection | None = None
        self._events: list[OutboxEvent] = []
        self._audited: list[OutboxEvent] = []  # changes for the audit trail only
        self._built: list[str] = []  # repositories made in this transaction

    def __getattr__(self, name: str) -> Any:
        """A repository, made on first use in this transaction (``uow_repositories.py``)."""
        plain = BY_CONNECTION.get(name)
        if plain is None and name not in BY_CONNECTION_AND_DRIVER:
            raise AttributeError(name)
        conn = self.connection
        made = plain(conn) if plain else BY_CONNECTION_AND_DRIVER[name](conn, conn.driver)
        self.__dict__[name] = made
        self._built.append(name)
        return made

    def _clear_repositories(self) -> None:
        for name in self._built:
            del self.__dict__[name]
        self._built = []

    @property
    def connection(self) -> PooledConnection:
        if self._conn is None:
            raise RuntimeError("the unit of work is used outside 'async with'")
        return self._conn

    async def __aenter__(self) -> Self:
        try:
            self._conn = await PooledConnection.checkout(self.engine)
            status = await self._conn.driver.execute(self._begin)
        except BaseException as exc:
            await self._release(exc)
            raise database_error(exc) or exc from exc
        if self.message is not None and status == REPLAYED:
            await self._release(None)
            raise Unauthenticated(
                "this webhook-id was used lately for another body; sign each message with "
                "an id of its own",
                AuthFailure.REPLAY,
            )
        self._events, self._audited = [], []
        self._clear_repositories()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._release(exc)
        translated = database_error(exc)
        if translated is not None:
            raise translated from exc

    async def _release(self, exc: BaseException | None) -> None:
        """Roll back what did not commit and give the connection back (or drop it when
        it is broken, so the pool does not hand it out again)."""
        conn, self._conn, self._events, self._audited = self._conn, None, [], []
        if conn is None:
            return
        driver = conn.driver
        try:
            if lost_connection(exc) or driver.is_closed():
                await conn.invalidate()
                # The server may have restarted: no pooled connection is worth keeping.
                await self.engine.dispose(close=False)
                return
            if driver.is_in_transaction():
                await driver.execute("ROLLBACK")
        except Exception:
            if exc is None:
                raise
            log.warning("rollback after a failure failed too", exc_info=True)
            await conn.invalidate()
            return
        await conn.close()

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        driver = self.connection.driver
        mark, audited = len(self._events), len(self._audited)
        await driver.execute("SAVEPOINT huikuan_step")
        try:
            yield
        except BaseException:
            await driver.execute("ROLLBACK TO SAVEPOINT huikuan_step")
            del self._events[mark:]
            del self._audited[audited:]
            raise
        await driver.execute("RELEASE SAVEPOINT huikuan_step")

    def add_event(self, event: OutboxEvent) -> None:
        self._events.append(event)

    def add_audit(self, record: OutboxEvent) -> None:
        self._audited.append(record)

    async def publish(self, ctx: Context, event: DomainEvent) -> None:
        await react(self.reactions, self, ctx, event)

    async def commit(self) -> None:
        """Outbox events with their audit entries (the common case) as a prepared statement,
        then what else there is (entries built in Python, the Idempotency-Key stamp) and
        COMMIT in one round trip: if a statement there fails, PostgreSQL turns the COMMIT
        into a rollback and reports it."""
        statements: list[str] = []
        request_id = request_id_var.get()
        audited = list(self._audited) if self.audit else []
        driver = self.connection.driver
        if self._events:
            events = dumps([_event_json(e) for e in self._events])
            if self.audit and not may_hold_secrets(events):
                await driver.execute(_INSERT_EVENTS_AUDITED_PREPARED, events, request_id)
            else:  # audit entries, if any, built in Python where secrets must be masked
                statements.append(_INSERT_EVENTS.format(events=dollar_quoted(events)))
                if self.audit:
                    audited = [*self._events, *audited]
        if audited:
            entries = dumps([audit_json(e, request_id) for e in audited])
            statements.append(INSERT_AUDIT.format(entries=dollar_quoted(entries)))
        if self.idempotency_claim is not None:
            scope, key = self.idempotency_claim
            claim = {"scope": dollar_quoted(scope), "key": dollar_quoted(key)}
            statements.append(_STAMP_CLAIM.format(**claim))
        wrote_events = bool(self._events)
        if wrote_events and self.signal is None:
            statements.append(_NOTIFY)
        statements.append("COMMIT")
        await driver.execute(";\n".join(statements))
        self._events, self._audited = [], []
        if wrote_events and self.signal is not None:
            self.signal.committed()


class SqlUnitOfWorkFactory:
    """Units of work on ``engine`` that run ``reactions`` (the composition root's handler
    table, ``app/services/reactions.py``) when a use case publishes a domain event."""

    def __init__(
        self,
        engine: AsyncEngine,
        reactions: Reactions,
        signal: OutboxSignal | None = None,
        *,
        audit: bool = True,
    ) -> None:
        self.engine = engine
        self.reactions = reactions
        self.signal = signal
        self.audit = audit

    def __call__(
        self,
        idempotency_claim: tuple[str, str] | None = None,
        *,
        reuse_plans: bool = False,
        message: tuple[str, str] | None = None,
    ) -> SqlUnitOfWork:
        return SqlUnitOfWork(
            self.engine,
            self.reactions,
            idempotency_claim,
            reuse_plans=reuse_plans,
            message=message,
            signal=self.signal,
            audit=self.audit,
        )
