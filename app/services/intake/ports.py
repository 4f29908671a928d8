"""Ports of intake: the inbound events, unique by ``(source, event_id)``."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from app.domain.intake.ingest import IngestRecord, IngestStatus, RecordKey
from app.services.customers.ports import CustomersUnitOfWork
from app.services.organisation.ports import OrganisationUnitOfWork
from app.services.pagination import PageRequest
from app.services.receivables.ports import ReceivablesUnitOfWork


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
    """Inbound events, unique by ``(source, event_id)``; see ``app/services/intake``."""

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


class IngestQueries(Protocol):
    """The read side of ingested events: lists, tested on PostgreSQL (the fakes do not answer)."""

    async def list(self, filters: IngestFilter, page: PageRequest) -> Sequence[IngestRecord]: ...


class IntakeUnitOfWork(
    ReceivablesUnitOfWork, CustomersUnitOfWork, OrganisationUnitOfWork, Protocol
):
    """The unit of work an ingest batch runs in: the events, and what they change."""

    @property
    def ingest(self) -> IngestRepository: ...

    @property
    def ingest_queries(self) -> IngestQueries: ...
