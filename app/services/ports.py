"""Ports: what the use cases need from the outside world, as typing.Protocols.

Adapters in ``app/adapters`` implement them; unit tests use the fakes in ``tests/fakes``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from types import TracebackType
from typing import Protocol, Self
from uuid import UUID
from zoneinfo import ZoneInfo

from app.domain.access import ApiKey, Scope
from app.domain.contracts import Contract, Installment, InstallmentChange
from app.domain.customers import Customer
from app.domain.delivery import DeliveryAttempt, DeliveryStatus, WebhookDelivery
from app.domain.events import OutboxEvent
from app.domain.idempotency import IdempotencyRecord, StoredResponse
from app.domain.ingest import IngestRecord, IngestStatus, RecordKey
from app.domain.installments import Ledger
from app.domain.invoices import Invoice, InvoiceStatus
from app.domain.money import Money
from app.domain.payments import Allocation, Payment, PaymentStatus
from app.domain.plans import PlanChange
from app.domain.webhooks import WebhookEndpoint
from app.services.collection_ports import (
    DunningPolicyRepository,
    InteractionRepository,
    PromiseRepository,
    RiskFlagRepository,
    TargetRepository,
    TaskRepository,
)
from app.services.pagination import PageRequest
from app.services.report_ports import ReportQueries
from app.services.worklist_ports import WorklistQueries


class Clock(Protocol):
    """The one source of time. ``today`` is the calendar date in HUIKUAN_TIMEZONE."""

    def now(self) -> datetime: ...

    def today(self) -> date: ...

    @property
    def zone(self) -> ZoneInfo:
        """HUIKUAN_TIMEZONE, in which ``today`` and every calendar day are reckoned."""


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

    async def lock(self, customer_id: UUID) -> bool:
        """Lock the customer row until the unit of work ends; False when it does not exist.

        Everything that changes which of a customer's invoices are payable, or how much
        they have outstanding, takes this lock first (see docs/architecture.md, "Lock order").
        """

    async def save(self, customer: Customer, expected_version: int) -> None:
        """Write back a changed customer; raises StaleVersion when someone else won."""

    async def list(
        self, *, external_id: str | None, q: str | None, page: PageRequest
    ) -> Sequence[Customer]: ...


class ContractRepository(Protocol):
    """Contracts with their live installments, and the installments' history.

    Locks (``lock=True``, :meth:`lock_installments`) are row locks held until the unit of
    work ends; see docs/architecture.md ("Lock order") for the one order they are taken in.
    """

    async def add(self, contract: Contract) -> None:
        """Insert the contract and its installments.

        Raises DuplicateExternalId, or UnknownReference when the customer does not exist.
        """

    async def get(self, contract_id: UUID, *, lock: bool = False) -> Contract | None: ...

    async def save(self, contract: Contract, expected_version: int) -> None:
        """Write back the contract's own fields; raises StaleVersion when someone else won."""

    async def save_plan(self, change: PlanChange, at: datetime) -> None:
        """Insert added installments, rewrite kept ones, mark removed ones removed."""

    async def list(
        self,
        *,
        customer_id: UUID | None,
        external_id: str | None,
        owner: str | None,
        page: PageRequest,
    ) -> Sequence[Contract]: ...

    async def lock_installments(self, installment_ids: Collection[UUID]) -> Sequence[Installment]:
        """Lock live installments in id order; unknown or removed ones are left out."""

    async def add_history(self, changes: Sequence[InstallmentChange]) -> None: ...

    async def history(self, installment_id: UUID) -> Sequence[InstallmentChange]:
        """Oldest first."""


@dataclass(frozen=True, slots=True)
class InvoiceFilter:
    customer_id: UUID | None = None
    contract_id: UUID | None = None
    status: InvoiceStatus | None = None
    overdue: bool | None = None
    due_before: date | None = None
    external_id: str | None = None


@dataclass(frozen=True, slots=True)
class PayerGroup:
    """Payments of one customer (by external id) in one currency, allocated together:
    ``available`` is their total, ``reference`` all their references, ``pay_first`` all
    the invoices they name."""

    customer_external_id: str
    available: Money
    reference: str
    pay_first: tuple[UUID, ...]


@dataclass(frozen=True, slots=True)
class LockedPayers:
    """What :meth:`InvoiceRepository.lock_payers_and_candidates` holds until the unit of work
    ends: the payers that exist (``{external_id: id}``), which of them have a promise still
    open, and the invoices their payments can reach."""

    payers: dict[str, UUID]
    promised: frozenset[UUID]
    invoices: Sequence[Invoice]


@dataclass(frozen=True, slots=True)
class Balance:
    """What a customer owes in one currency, and how much of it is overdue."""

    currency: str
    outstanding: Money
    overdue: Money


@dataclass(frozen=True, slots=True)
class CreditExposure:
    credit_limit: Money | None
    outstanding: Money


class InvoiceRepository(Protocol):
    async def add(self, invoice: Invoice) -> None:
        """Insert; raises DuplicateExternalId, or UnknownReference for an unknown customer."""

    async def get(self, invoice_id: UUID, *, lock: bool = False) -> Invoice | None: ...

    async def get_many(
        self, invoice_ids: Collection[UUID], *, lock: bool = False
    ) -> Sequence[Invoice]:
        """The invoices that exist, in id order (and locked in that order with ``lock``)."""

    async def lock_allocation_candidates(
        self,
        customer_id: UUID,
        available: Money,
        reference: str | None,
        pay_first: Collection[UUID],
    ) -> Sequence[Invoice]:
        """Lock, in id order, the customer's open invoices in ``available``'s currency that
        automatic allocation may reach: those in ``pay_first``, those whose number occurs in
        ``reference``, and, oldest due first, undisputed ones until ``available`` is covered.

        Any superset is correct (the policy picks from it); with the customer locked this
        one is exact, so only the rows a payment can touch are loaded and locked.
        """

    async def lock_payers_and_candidates(self, groups: Sequence[PayerGroup]) -> LockedPayers:
        """Lock the groups' customers, noting those with an open promise, then, like
        :meth:`lock_allocation_candidates`, the invoices each group's payments can reach;
        both in id order."""

    async def save(self, invoice: Invoice, expected_version: int) -> None:
        """Write back an invoice changed by an action; raises StaleVersion."""

    async def rearm_overdue_scans(self, today: date) -> int:
        """Make the overdue scan look at every overdue open invoice again on its next run
        (the dunning policy changed); returns how many."""

    async def add_paid(self, amounts: Mapping[UUID, Money], at: datetime) -> None:
        """Add (or with negative amounts, take back) to each invoice's ``amount_paid``."""

    async def list(
        self, filters: InvoiceFilter, today: date, page: PageRequest
    ) -> Sequence[Invoice]: ...

    async def installment_ledgers(
        self, installment_ids: Collection[UUID], today: date
    ) -> dict[UUID, Ledger]:
        """Totals of the (non-void) invoices of each installment."""

    async def contract_ledgers(
        self, contract_ids: Collection[UUID], today: date
    ) -> dict[UUID, Ledger]:
        """Totals of the (non-void) invoices of each contract; overdue without installment."""

    async def customer_balances(self, customer_id: UUID, today: date) -> Sequence[Balance]:
        """Outstanding and overdue per currency, currencies in alphabetical order."""

    async def credit_exposure(self, customer_id: UUID) -> CreditExposure | None:
        """The customer's credit limit beside what its open invoices in the customer's
        currency have outstanding (one statement); None for an unknown customer."""

    async def any_open_with_outstanding(
        self, customer_id: UUID, amount: Money, excluding: Collection[UUID]
    ) -> bool:
        """Whether one of the customer's open invoices (other than ``excluding``) has
        exactly ``amount`` outstanding."""


class PaymentRepository(Protocol):
    async def add(self, payment: Payment) -> None:
        """Insert the payment and its allocations.

        Raises DuplicateExternalId, or UnknownReference when the customer does not exist.
        """

    async def add_allocated(
        self, payments: Sequence[Payment], paid: Mapping[UUID, Money], at: datetime
    ) -> None:
        """Insert new payments with their allocations, and add ``paid`` to the invoices'
        ``amount_paid`` (stamped ``at``), all at once.

        Raises DuplicateExternalId or UnknownReference like :meth:`add`.
        """

    async def get(self, payment_id: UUID, *, lock: bool = False) -> Payment | None:
        """With all its allocations, undone ones included, oldest first."""

    async def list(
        self,
        *,
        customer_id: UUID | None,
        external_id: str | None,
        status: PaymentStatus | None,
        page: PageRequest,
    ) -> Sequence[Payment]: ...

    async def add_allocations(self, payment: Payment, allocations: Sequence[Allocation]) -> None:
        """Insert allocations and bring the payment row to ``payment`` (already including them)."""

    async def mark_undone(self, payment: Payment, allocations: Sequence[Allocation]) -> None:
        """Stamp allocations undone and bring the payment row to ``payment``."""


class ApiKeyRepository(Protocol):
    async def add(self, key: ApiKey) -> None: ...

    async def add_if_absent(self, key: ApiKey) -> None:
        """Insert unless a key with the same hash exists."""

    async def set_scopes(self, key_id: UUID, scopes: frozenset[Scope]) -> ApiKey:
        """Set a key's scopes; a revoked key stays revoked."""

    async def get(self, key_id: UUID) -> ApiKey | None: ...

    async def find_by_hash(self, key_hash: str) -> ApiKey | None: ...

    async def list(self, page: PageRequest) -> Sequence[ApiKey]: ...

    async def revoke(self, key_id: UUID, at: datetime) -> ApiKey | None: ...


class WebhookEndpointRepository(Protocol):
    async def add(self, endpoint: WebhookEndpoint) -> None: ...

    async def get(self, endpoint_id: UUID) -> WebhookEndpoint | None: ...

    async def save(self, endpoint: WebhookEndpoint, expected_version: int) -> None:
        """Write back a changed endpoint; raises StaleVersion when someone else won."""

    async def delete(self, endpoint_id: UUID) -> bool:
        """Remove the endpoint and its deliveries; False when it did not exist."""

    async def list(
        self, *, enabled: bool | None, page: PageRequest
    ) -> Sequence[WebhookEndpoint]: ...

    async def mark_failing(
        self, endpoint_ids: Sequence[UUID], at: datetime
    ) -> dict[UUID, datetime]:
        """Start a failure streak where none runs; returns each enabled endpoint's streak start."""

    async def mark_healthy(self, endpoint_ids: Sequence[UUID]) -> None:
        """End the failure streaks of these endpoints."""


@dataclass(frozen=True, slots=True)
class DeliveryJob:
    """A delivery a relay has leased and must now send: attempt number ``attempt`` (1-based)."""

    delivery_id: UUID
    lease_token: UUID
    endpoint_id: UUID
    url: str
    event: OutboxEvent
    attempt: int
    allowed_attempts: int
    secrets: tuple[str, ...] = field(repr=False)
    endpoint_failing: bool = False  # its failure streak ran when this was claimed


@dataclass(frozen=True, slots=True)
class AttemptRecord:
    """An attempt's outcome to write back, only while the sender still holds the lease."""

    delivery_id: UUID
    lease_token: UUID
    attempt: DeliveryAttempt
    status: DeliveryStatus
    next_attempt_at: datetime | None
    delivered_at: datetime | None


@dataclass(frozen=True, slots=True)
class Backlog:
    """Work the relays should be doing now: events not fanned out, deliveries due."""

    pending: int
    oldest: datetime | None


class WebhookDeliveryRepository(Protocol):
    async def get(self, delivery_id: UUID) -> WebhookDelivery | None: ...

    async def list_for_endpoint(
        self, endpoint_id: UUID, *, status: DeliveryStatus | None, page: PageRequest
    ) -> Sequence[WebhookDelivery]:
        """Newest first."""

    async def reschedule(self, delivery: WebhookDelivery) -> None:
        """Write a manual retry: status, allowed attempts and next attempt."""

    async def fail_pending(self, endpoint_id: UUID, reason: str, now: datetime) -> int:
        """Fail the endpoint's waiting deliveries (it was disabled); returns how many."""


class DeliveryQueue(Protocol):
    """The relay's set-based work on the outbox and the deliveries."""

    async def fan_out_events(self, limit: int, allowed_attempts: int, now: datetime) -> int:
        """Turn up to ``limit`` new outbox events into one pending delivery per subscribed
        enabled endpoint; returns how many events were fanned out."""

    async def claim_due_deliveries(
        self,
        limit: int,
        *,
        per_endpoint: int,
        busy: Mapping[UUID, int],
        lease: timedelta,
        now: datetime,
    ) -> Sequence[DeliveryJob]:
        """Lease up to ``limit`` due deliveries (SKIP LOCKED), at most ``per_endpoint`` per
        endpoint counting the ``busy`` ones this relay is already sending."""

    async def record_attempts(self, records: Sequence[AttemptRecord]) -> set[UUID]:
        """Write outcomes whose lease still holds; returns the ids written."""

    async def release_claims(self, tokens: Sequence[UUID]) -> int:
        """Give back leases that were never used, so another relay may send at once."""

    async def backlog(self, now: datetime) -> Backlog: ...

    async def delete_finished_before(self, cutoff: datetime, limit: int) -> int:
        """Delete up to ``limit`` delivered or failed deliveries created and last changed
        before ``cutoff``."""


@dataclass(frozen=True, slots=True)
class FeedEvent:
    """An event and its place in the feed: (writing transaction id, outbox position)."""

    event: OutboxEvent
    xid: int
    position: int


class OutboxRepository(Protocol):
    async def read_feed(
        self,
        *,
        after: tuple[int, int] | None,
        event_type: str | None,
        subject: str | None,
        limit: int,
    ) -> Sequence[FeedEvent]:
        """Events after ``(xid, position)`` in (xid, position) order, only from transactions
        older than every one still running, so that no later commit can land behind."""

    async def delete_dispatched_before(self, cutoff: datetime, limit: int) -> int:
        """Delete up to ``limit`` fanned-out events created before ``cutoff`` whose
        deliveries are all gone."""


@dataclass(frozen=True, slots=True)
class IngestFilter:
    status: IngestStatus | None = None
    source: str | None = None
    type: str | None = None
    event_id: str | None = None


@dataclass(frozen=True, slots=True)
class Settlement:
    """How an event registered as applied ended: parked (waiting for ``waits_for``),
    rejected (with ``problem``), or applied with a ``note`` (e.g. stale)."""

    record_id: UUID
    status: IngestStatus
    waits_for: tuple[RecordKey, ...] = ()
    problem: Mapping[str, object] | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Registered:
    """Which events were new, and the parked events waiting for what they are about."""

    inserted: set[UUID]
    waiting: dict[UUID, tuple[RecordKey, ...]]


class IngestRepository(Protocol):
    """Inbound events, unique by ``(source, event_id)``; see ``app/services/ingest``."""

    async def register(self, records: Sequence[IngestRecord]) -> Registered:
        """Insert the events not stored yet, in (source, event_id) order. A concurrent
        insert of the same event waits for the other transaction and then counts as stored.
        Also finds the parked events waiting for the records' subjects."""

    async def claim(self, record_ids: Collection[UUID], at: datetime) -> set[UUID]:
        """Parked -> applied for those still parked (row-locked until the end); returns
        those claimed, so a parked event is applied by one transaction only."""

    async def settle(self, settlements: Sequence[Settlement]) -> None: ...

    async def resolve(self, keys: Collection[RecordKey]) -> dict[RecordKey, UUID]:
        """The ids of the records that exist, by kind and external id."""

    async def last_applied(self, subject: RecordKey, exclude: Collection[UUID]) -> datetime | None:
        """When the newest applied event about ``subject`` occurred (``exclude`` left out)."""

    async def waiting_for(self, keys: Collection[RecordKey]) -> list[UUID]:
        """Parked events that wait for any of ``keys``."""

    async def ready(self, limit: int, among: Collection[UUID] | None = None) -> list[UUID]:
        """Parked events (of ``among``, when given) whose awaited records all exist now."""

    async def parked(self, record_ids: Collection[UUID]) -> Sequence[IngestRecord]:
        """Those of ``record_ids`` still parked."""

    async def list(self, filters: IngestFilter, page: PageRequest) -> Sequence[IngestRecord]: ...


class UnitOfWork(Protocol):
    """One database transaction. Rolls back on exit unless :meth:`commit` ran.

    Events added with :meth:`add_event` are written to the outbox in the same
    transaction as the change they describe.
    """

    @property
    def customers(self) -> CustomerRepository: ...

    @property
    def api_keys(self) -> ApiKeyRepository: ...

    @property
    def contracts(self) -> ContractRepository: ...

    @property
    def invoices(self) -> InvoiceRepository: ...

    @property
    def payments(self) -> PaymentRepository: ...

    @property
    def targets(self) -> TargetRepository: ...

    @property
    def tasks(self) -> TaskRepository: ...

    @property
    def interactions(self) -> InteractionRepository: ...

    @property
    def promises(self) -> PromiseRepository: ...

    @property
    def risk_flags(self) -> RiskFlagRepository: ...

    @property
    def dunning_policy(self) -> DunningPolicyRepository: ...

    @property
    def worklist(self) -> WorklistQueries: ...

    @property
    def webhook_endpoints(self) -> WebhookEndpointRepository: ...

    @property
    def webhook_deliveries(self) -> WebhookDeliveryRepository: ...

    @property
    def delivery_queue(self) -> DeliveryQueue: ...

    @property
    def outbox(self) -> OutboxRepository: ...

    @property
    def reports(self) -> ReportQueries: ...

    @property
    def ingest(self) -> IngestRepository: ...

    def savepoint(self) -> AbstractAsyncContextManager[None]:
        """A part of the transaction that an exception undoes alone (its events too)."""

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
