"""Ports of delivery: webhook endpoints and deliveries, the relay's queue, the outbox feed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID

from app.domain.delivery.chat import EndpointFormat
from app.domain.delivery.delivery import DeliveryAttempt, DeliveryStatus, WebhookDelivery
from app.domain.delivery.webhooks import WebhookEndpoint
from app.domain.events import OutboxEvent
from app.services.pagination import PageRequest
from app.services.unit_of_work import UnitOfWork


class WebhookEndpointRepository(Protocol):
    async def add(self, endpoint: WebhookEndpoint) -> None: ...

    async def get(self, endpoint_id: UUID) -> WebhookEndpoint | None: ...

    async def save(self, endpoint: WebhookEndpoint, expected_version: int) -> None:
        """Write back a changed endpoint; raises StaleVersion when someone else won."""

    async def delete(self, endpoint_id: UUID) -> bool:
        """Remove the endpoint and its deliveries; False when it did not exist."""

    async def mark_failing(
        self, endpoint_ids: Sequence[UUID], at: datetime
    ) -> dict[UUID, datetime]:
        """Start a failure streak where none runs; returns each enabled endpoint's streak start."""

    async def mark_healthy(self, endpoint_ids: Sequence[UUID]) -> None:
        """End the failure streaks of these endpoints."""


class WebhookEndpointQueries(Protocol):
    """The read side of webhook endpoints: lists, tested on PostgreSQL (the fakes do not answer)."""

    async def list(
        self, *, enabled: bool | None, page: PageRequest
    ) -> Sequence[WebhookEndpoint]: ...


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
    format: EndpointFormat = EndpointFormat.CLOUDEVENTS
    customer_name: str | None = None  # for a chat robot's message
    invoice_number: str | None = None  # for a chat robot's message about a promise
    owner: str | None = None  # the contract's owner, for a chat robot's message


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

    async def reschedule(self, delivery: WebhookDelivery) -> None:
        """Write a manual retry: status, allowed attempts and next attempt."""

    async def fail_pending(self, endpoint_id: UUID, reason: str, now: datetime) -> int:
        """Fail the endpoint's waiting deliveries (it was disabled); returns how many."""


class WebhookDeliveryQueries(Protocol):
    """The read side of webhook deliveries: lists, tested on PostgreSQL (not faked)."""

    async def list_for_endpoint(
        self, endpoint_id: UUID, *, status: DeliveryStatus | None, page: PageRequest
    ) -> Sequence[WebhookDelivery]:
        """Newest first."""


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


class StreamCursor(Protocol):
    """Where the stream publisher is in the feed's (xid, position) order."""

    async def get(self, stream: str) -> tuple[int, int] | None: ...

    async def advance(
        self, stream: str, start: tuple[int, int] | None, to: tuple[int, int], at: datetime
    ) -> bool:
        """Move the cursor from ``start`` (None: not set yet) to ``to``; False when it was
        not at ``start`` any more (another publisher moved it)."""

    async def lag_seconds(self, stream: str) -> float:
        """How long the oldest event after the cursor has waited (0 when none)."""


class SubjectNames(Protocol):
    """Customers' names, invoices' numbers and contracts' owners for chat messages; the
    receivables context answers (the delivery context knows no business records of its own)."""

    async def customer_names(self, customer_ids: Sequence[UUID]) -> dict[UUID, str]: ...

    async def invoice_numbers(self, invoice_ids: Sequence[UUID]) -> dict[UUID, str]:
        """Only invoices that have a number (``external_id``)."""

    async def contract_owners(self, contract_ids: Sequence[UUID]) -> dict[UUID, str]:
        """Only contracts that have an owner."""


class DeliveryUnitOfWork(UnitOfWork, Protocol):
    """The unit of work the delivery use cases and the relay run in."""

    @property
    def webhook_endpoints(self) -> WebhookEndpointRepository: ...

    @property
    def webhook_endpoint_queries(self) -> WebhookEndpointQueries: ...

    @property
    def webhook_deliveries(self) -> WebhookDeliveryRepository: ...

    @property
    def webhook_delivery_queries(self) -> WebhookDeliveryQueries: ...

    @property
    def delivery_queue(self) -> DeliveryQueue: ...

    @property
    def outbox(self) -> OutboxRepository: ...

    @property
    def stream_cursor(self) -> StreamCursor: ...

    @property
    def subject_names(self) -> SubjectNames: ...


class DeliveryUnitOfWorkFactory(Protocol):
    def __call__(self) -> DeliveryUnitOfWork: ...
