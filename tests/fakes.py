"""In-memory fakes of the service ports, for unit tests without a database."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from types import TracebackType
from typing import Any, Self, cast
from uuid import UUID
from zoneinfo import ZoneInfo

from app.adapters.ids import Uuid7Generator
from app.domain.access.api_keys import ApiKey, Scope
from app.domain.access.idempotency import ClaimState, IdempotencyRecord, StoredResponse
from app.domain.customers.customers import Customer
from app.domain.delivery.delivery import DeliveryStatus, WebhookDelivery
from app.domain.delivery.webhooks import WebhookEndpoint
from app.domain.errors import DuplicateExternalId, StaleVersion
from app.domain.events import Actor, DomainEvent, OutboxEvent
from app.domain.intake.ingest import RecordKind
from app.services.context import Context
from app.services.delivery.ports import AttemptRecord, Backlog, DeliveryJob, FeedEvent
from app.services.intake.import_ports import ImportRepository
from app.services.reactions import REACTIONS
from app.services.unit_of_work import Reactions, react
from tests.fakes_collection import (
    FakeDunningPolicyRepository,
    FakeInteractionRepository,
    FakePromiseRepository,
    FakeRiskFlagQueries,
    FakeRiskFlagRepository,
    FakeTargetRepository,
    FakeTaskRepository,
)
from tests.fakes_controls import (
    FakeApprovalPolicyRepository,
    FakeApprovalRequestQueries,
    FakeApprovalRequestRepository,
    FakeAuditLog,
)
from tests.fakes_ingest import FakeIngestRepository
from tests.fakes_lists import (
    FakeApiKeyQueries,
    FakeCustomerQueries,
    FakeIngestQueries,
    FakeInteractionQueries,
    FakePaymentQueries,
    FakePromiseQueries,
    FakeWebhookDeliveryQueries,
    FakeWebhookEndpointQueries,
    NotFakedImports,
)
from tests.fakes_organisation import (
    FakeAssignments,
    FakeOrgUnitQueries,
    FakeOrgUnitRepository,
    FakePersonQueries,
    FakePersonRepository,
    FakeProjectMoney,
    FakeProjectQueries,
    FakeProjectRepository,
    FakeSubjectUnits,
)
from tests.fakes_paper_trail import (
    FakeConfirmationRepository,
    FakeLegalActionRepository,
    FakeLimitationQueries,
    FakeStatementQueries,
)
from tests.fakes_receivables import (
    FakeContractQueries,
    FakeContractRepository,
    FakeInvoiceQueries,
    FakeInvoiceRepository,
    FakePaymentRepository,
)
from tests.fakes_reports import FakeReportQueries, FakeReviewQueries
from tests.fakes_targets import FakeTargetQueries, FakeTaskQueries
from tests.fakes_worklist import FakeWorklistQueries


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

    def _check_unique(self, customer: Customer) -> None:
        if customer.external_id and any(
            c.external_id == customer.external_id and c.id != customer.id
            for c in self.rows.values()
        ):
            raise DuplicateExternalId("customer", customer.external_id)

    async def add(self, customer: Customer) -> None:
        self._check_unique(customer)
        self.rows[customer.id] = copy.deepcopy(customer)

    async def add_many(self, customers: Sequence[Customer]) -> None:
        snapshot = dict(self.rows)
        try:
            for customer in customers:
                await self.add(customer)
        except Exception:
            self.rows = snapshot  # one statement: all or none
            raise

    async def get(self, customer_id: UUID) -> Customer | None:
        found = self.rows.get(customer_id)
        return copy.deepcopy(found) if found else None

    async def lock(self, customer_id: UUID) -> bool:
        return customer_id in self.rows

    async def save(self, customer: Customer, expected_version: int) -> None:
        current = self.rows.get(customer.id)
        if current is None or current.version != expected_version:
            raise StaleVersion("customer", expected_version)
        self._check_unique(customer)
        self.rows[customer.id] = replace(copy.deepcopy(customer), created_at=current.created_at)


class FakeApiKeyRepository:
    def __init__(self) -> None:
        self.rows: dict[UUID, ApiKey] = {}

    async def add(self, key: ApiKey) -> None:
        self.rows[key.id] = key

    async def add_if_absent(self, key: ApiKey) -> None:
        # ON CONFLICT DO NOTHING: a taken id is a conflict as much as a taken hash.
        if key.id not in self.rows and await self.find_by_hash(key.key_hash) is None:
            self.rows[key.id] = key

    async def get(self, key_id: UUID) -> ApiKey | None:
        return self.rows.get(key_id)

    async def find_by_hash(self, key_hash: str) -> ApiKey | None:
        return next((k for k in self.rows.values() if k.key_hash == key_hash), None)

    async def revoke(self, key_id: UUID, at: datetime) -> ApiKey | None:
        key = self.rows.get(key_id)
        if key is None:
            return None
        self.rows[key_id] = replace(key, revoked_at=key.revoked_at or at)
        return self.rows[key_id]

    async def set_scopes(self, key_id: UUID, scopes: frozenset[Scope]) -> ApiKey:
        self.rows[key_id] = replace(self.rows[key_id], scopes=scopes)
        return self.rows[key_id]


class FakeWebhookEndpointRepository:
    def __init__(self) -> None:
        self.rows: dict[UUID, WebhookEndpoint] = {}

    async def add(self, endpoint: WebhookEndpoint) -> None:
        self.rows[endpoint.id] = copy.deepcopy(endpoint)

    async def get(self, endpoint_id: UUID) -> WebhookEndpoint | None:
        found = self.rows.get(endpoint_id)
        return copy.deepcopy(found) if found else None

    async def save(self, endpoint: WebhookEndpoint, expected_version: int) -> None:
        current = self.rows.get(endpoint.id)
        if current is None or current.version != expected_version:
            raise StaleVersion("webhook endpoint", expected_version)
        self.rows[endpoint.id] = replace(
            copy.deepcopy(endpoint),
            created_at=current.created_at,
            failing_since=current.failing_since,
        )

    async def delete(self, endpoint_id: UUID) -> bool:
        return self.rows.pop(endpoint_id, None) is not None

    async def mark_failing(
        self, endpoint_ids: Sequence[UUID], at: datetime
    ) -> dict[UUID, datetime]:
        streaks: dict[UUID, datetime] = {}
        for endpoint_id in endpoint_ids:
            row = self.rows.get(endpoint_id)
            if row is not None and row.enabled:
                row.failing_since = row.failing_since or at
                streaks[endpoint_id] = row.failing_since
        return streaks

    async def mark_healthy(self, endpoint_ids: Sequence[UUID]) -> None:
        for endpoint_id in endpoint_ids:
            if endpoint_id in self.rows:
                self.rows[endpoint_id].failing_since = None


class FakeWebhookDeliveryRepository:
    """Deliveries and, for the relay's use cases, their leases (``lease_tokens``)."""

    def __init__(self) -> None:
        self.rows: dict[UUID, WebhookDelivery] = {}
        self.lease_tokens: dict[UUID, UUID] = {}

    async def get(self, delivery_id: UUID) -> WebhookDelivery | None:
        found = self.rows.get(delivery_id)
        return copy.deepcopy(found) if found else None

    async def reschedule(self, delivery: WebhookDelivery) -> None:
        self.rows[delivery.id] = copy.deepcopy(delivery)

    async def fail_pending(self, endpoint_id: UUID, reason: str, now: datetime) -> int:
        doomed = [
            d
            for d in self.rows.values()
            if d.endpoint_id == endpoint_id and d.status is DeliveryStatus.PENDING
        ]
        for delivery in doomed:
            self.rows[delivery.id] = replace(
                delivery,
                status=DeliveryStatus.FAILED,
                next_attempt_at=None,
                last_error=reason,
                updated_at=now,
            )
            self.lease_tokens.pop(delivery.id, None)
        return len(doomed)


class FakeDeliveryQueue:
    """Only what the relay's unit-tested use cases need: writing outcomes back."""

    def __init__(self, deliveries: FakeWebhookDeliveryRepository) -> None:
        self.deliveries = deliveries

    async def fan_out_events(self, limit: int, allowed_attempts: int, now: datetime) -> int:
        return 0

    async def claim_due_deliveries(
        self,
        limit: int,
        *,
        per_endpoint: int,
        busy: Mapping[UUID, int],
        lease: timedelta,
        now: datetime,
    ) -> Sequence[DeliveryJob]:
        return []

    async def record_attempts(self, records: Sequence[AttemptRecord]) -> set[UUID]:
        written: set[UUID] = set()
        for record in records:
            row = self.deliveries.rows.get(record.delivery_id)
            token = self.deliveries.lease_tokens.get(record.delivery_id)
            if (
                row is None
                or token != record.lease_token
                or row.status is not DeliveryStatus.PENDING
            ):
                continue
            self.deliveries.rows[row.id] = replace(
                row,
                status=record.status,
                attempt_count=record.attempt.number,
                next_attempt_at=record.next_attempt_at,
                delivered_at=record.delivered_at or row.delivered_at,
                last_status_code=record.attempt.status_code,
                last_error=record.attempt.error,
                attempts=(*row.attempts, record.attempt),
            )
            del self.deliveries.lease_tokens[row.id]
            written.add(row.id)
        return written

    async def release_claims(self, tokens: Sequence[UUID]) -> int:
        doomed = [k for k, v in self.deliveries.lease_tokens.items() if v in tokens]
        for key in doomed:
            del self.deliveries.lease_tokens[key]
        return len(doomed)

    async def backlog(self, now: datetime) -> Backlog:
        return Backlog(pending=0, oldest=None)

    async def delete_finished_before(self, cutoff: datetime, limit: int) -> int:
        return 0


class FakeOutboxRepository:
    async def read_feed(
        self,
        *,
        after: tuple[int, int] | None,
        event_type: str | None,
        subject: str | None,
        limit: int,
    ) -> Sequence[FeedEvent]:
        return []

    async def delete_dispatched_before(self, cutoff: datetime, limit: int) -> int:
        return 0


class FakeStreamCursor:
    def __init__(self) -> None:
        self.cursors: dict[str, tuple[int, int]] = {}

    async def get(self, stream: str) -> tuple[int, int] | None:
        return self.cursors.get(stream)

    async def advance(
        self, stream: str, start: tuple[int, int] | None, to: tuple[int, int], at: datetime
    ) -> bool:
        if self.cursors.get(stream) != start:
            return False
        self.cursors[stream] = to
        return True

    async def lag_seconds(self, stream: str) -> float:
        return 0.0


class FakeSubjectNames:
    def __init__(self, customers: FakeCustomerRepository, invoices: FakeInvoiceRepository) -> None:
        self.customers = customers
        self.invoices = invoices

    async def customer_names(self, customer_ids: Sequence[UUID]) -> dict[UUID, str]:
        return {i: self.customers.rows[i].name for i in customer_ids if i in self.customers.rows}

    async def invoice_numbers(self, invoice_ids: Sequence[UUID]) -> dict[UUID, str]:
        found = {
            i: self.invoices.rows[i].external_id for i in invoice_ids if i in self.invoices.rows
        }
        return {i: number for i, number in found.items() if number is not None}

    async def contract_owners(self, contract_ids: Sequence[UUID]) -> dict[UUID, str]:
        rows = self.invoices.contracts.rows
        found = {i: rows[i].owner for i in contract_ids if i in rows}
        return {i: owner for i, owner in found.items() if owner is not None}


class FakeUnitOfWork:
    """Shares its repositories across uses; a rollback restores the state before ``async with``.
    Domain events reach the composition root's handler table, as in the SQL unit of work."""

    def __init__(self, reactions: Reactions = REACTIONS) -> None:
        self.reactions = reactions
        # Repositories (the write side), and only the queries use cases read (see each).
        self.customers = FakeCustomerRepository()
        self.customer_queries = FakeCustomerQueries()
        self.api_keys = FakeApiKeyRepository()
        self.api_key_queries = FakeApiKeyQueries()
        self.contracts = FakeContractRepository(self.customers)
        self.contract_queries = FakeContractQueries(self.contracts)
        self.invoices = FakeInvoiceRepository(self.customers, self.contracts)
        self.invoice_queries = FakeInvoiceQueries(self.invoices)
        self.payments = FakePaymentRepository(self.customers, self.invoices)
        self.payment_queries = FakePaymentQueries()
        self.targets = FakeTargetRepository(self.contracts)
        self.target_queries = FakeTargetQueries(self.contracts, self.invoices, self.payments)
        self.tasks = FakeTaskRepository(self.targets, self.invoices)
        self.task_queries = FakeTaskQueries(self.tasks)
        self.promises = FakePromiseRepository(self.invoices, self.payments)
        self.interactions = FakeInteractionRepository(self.invoices, self.promises)
        self.interaction_queries = FakeInteractionQueries()
        self.promise_queries = FakePromiseQueries()
        self.invoices.has_open_promise = self.promises.has_open
        self.risk_flags = FakeRiskFlagRepository()
        self.risk_flag_queries = FakeRiskFlagQueries(self.risk_flags)
        self.dunning_policy = FakeDunningPolicyRepository()
        self.worklist = FakeWorklistQueries()
        self.confirmations = FakeConfirmationRepository()
        self.legal_actions = FakeLegalActionRepository()
        self.limitation = FakeLimitationQueries()
        self.statements = FakeStatementQueries()
        self.webhook_endpoints = FakeWebhookEndpointRepository()
        self.webhook_endpoint_queries = FakeWebhookEndpointQueries()
        self.webhook_deliveries = FakeWebhookDeliveryRepository()
        self.webhook_delivery_queries = FakeWebhookDeliveryQueries()
        self.delivery_queue = FakeDeliveryQueue(self.webhook_deliveries)
        self.outbox = FakeOutboxRepository()
        self.stream_cursor = FakeStreamCursor()
        self.subject_names = FakeSubjectNames(self.customers, self.invoices)
        self.reports = FakeReportQueries()
        self.review = FakeReviewQueries()
        self.ingest = FakeIngestRepository(
            self.customers, self.contracts, self.invoices, self.payments
        )
        self.ingest_queries = FakeIngestQueries()
        self.imports = cast(ImportRepository, NotFakedImports())
        self.org_units = FakeOrgUnitRepository()
        self.org_unit_queries = FakeOrgUnitQueries()
        self.people = FakePersonRepository(self.org_units)
        self.person_queries = FakePersonQueries()
        self.projects = FakeProjectRepository(self.org_units, self.customers)
        self.project_queries = FakeProjectQueries()
        self.ingest.org_units = self.org_units
        self.ingest.tables[RecordKind.PROJECT] = self.projects
        self.assignments = FakeAssignments()
        self.project_money = FakeProjectMoney()
        self.subject_units = FakeSubjectUnits()
        self.approval_policy = FakeApprovalPolicyRepository()
        self.approval_requests = FakeApprovalRequestRepository()
        self.approval_request_queries = FakeApprovalRequestQueries()
        self.audit_log = FakeAuditLog()
        self.events: list[OutboxEvent] = []
        self.committed = 0
        self._pending: list[OutboxEvent] = []
        self._pending_audit: list[OutboxEvent] = []
        self.audited: list[OutboxEvent] = []  # committed changes for the audit trail only
        self._snapshot: dict[str, Any] | None = None

    # Repositories whose ``rows`` a rollback restores (contracts restore themselves).
    _ROLLED_BACK = (
        "customers",
        "api_keys",
        "invoices",
        "payments",
        "webhook_endpoints",
        "webhook_deliveries",
        "targets",
        "tasks",
        "interactions",
        "promises",
        "risk_flags",
        "dunning_policy",
        "approval_policy",
        "approval_requests",
        "ingest",
        "org_units",
        "people",
        "projects",
        "assignments",
    )

    def _state(self) -> dict[str, Any]:
        state = {name: copy.deepcopy(getattr(self, name).rows) for name in self._ROLLED_BACK}
        state["contracts"] = self.contracts.snapshot()
        return state

    def _restore(self, state: dict[str, Any]) -> None:
        for name in self._ROLLED_BACK:
            getattr(self, name).rows = state[name]
        self.contracts.restore(state["contracts"])

    async def __aenter__(self) -> Self:
        self._pending, self._pending_audit = [], []
        self._snapshot = self._state()
        return self

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        state, mark, audited = self._state(), len(self._pending), len(self._pending_audit)
        try:
            yield
        except BaseException:
            self._restore(state)
            del self._pending[mark:]
            del self._pending_audit[audited:]
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
        self._pending, self._pending_audit = [], []

    def add_event(self, event: OutboxEvent) -> None:
        self._pending.append(event)

    def add_audit(self, record: OutboxEvent) -> None:
        self._pending_audit.append(record)

    async def publish(self, ctx: Context, event: DomainEvent) -> None:
        await react(self.reactions, self, ctx, event)

    async def commit(self) -> None:
        self.events.extend(self._pending)
        self.audited.extend(self._pending_audit)
        self._pending, self._pending_audit = [], []
        self._snapshot = None
        self.committed += 1

    def __call__(
        self,
        idempotency_claim: tuple[str, str] | None = None,
        *,
        reuse_plans: bool = False,
        message: tuple[str, str] | None = None,
    ) -> Self:
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


def context(clock: FixedClock | None = None, actor: str = "test-key") -> Context:
    return Context(clock=clock or FixedClock(), ids=Uuid7Generator(), actor=Actor(actor))
