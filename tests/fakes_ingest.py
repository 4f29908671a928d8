"""An in-memory fake of the ingestion repository (events unique by source and event id)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from app.domain.intake.ingest import IngestRecord, IngestStatus, RecordKey, RecordKind
from app.services.intake.ports import Registered, Settlement


class HasRows(Protocol):
    @property
    def rows(self) -> Mapping[UUID, Any]: ...


class FakeIngestRepository:
    def __init__(
        self, customers: HasRows, contracts: HasRows, invoices: HasRows, payments: HasRows
    ) -> None:
        self.tables: dict[RecordKind, HasRows] = {
            RecordKind.CUSTOMER: customers,
            RecordKind.CONTRACT: contracts,
            RecordKind.INVOICE: invoices,
            RecordKind.PAYMENT: payments,
        }
        self.rows: dict[UUID, IngestRecord] = {}
        self.org_units: HasRows | None = None  # by code; set by the fake unit of work

    async def register(self, records: Sequence[IngestRecord]) -> Registered:
        subjects = {r.subject for r in records if r.subject}
        waiting = {r.id: r.waits_for for r in self._parked() if subjects & set(r.waits_for)}
        taken = {(r.source, r.event_id) for r in self.rows.values()}
        inserted = set()
        for record in records:
            if (record.source, record.event_id) not in taken:
                self.rows[record.id] = record
                taken.add((record.source, record.event_id))
                inserted.add(record.id)
        return Registered(inserted, waiting)

    async def claim(self, record_ids: Collection[UUID], at: datetime) -> set[UUID]:
        claimed = set()
        for record_id in record_ids:
            record = self.rows.get(record_id)
            if record is not None and record.status is IngestStatus.PARKED:
                self.rows[record_id] = replace(
                    record, status=IngestStatus.APPLIED, applied_at=at, waits_for=()
                )
                claimed.add(record_id)
        return claimed

    async def settle(self, settlements: Sequence[Settlement]) -> None:
        for s in settlements:
            record = self.rows[s.record_id]
            applied = s.status is IngestStatus.APPLIED
            self.rows[s.record_id] = replace(
                record,
                status=s.status,
                waits_for=s.waits_for,
                problem=s.problem,
                note=s.note,
                applied_at=record.applied_at if applied else None,
            )

    async def resolve(self, keys: Collection[RecordKey]) -> dict[RecordKey, UUID]:
        found = {}
        for key in keys:
            if key.kind is RecordKind.ORG_UNIT and self.org_units is not None:
                for unit in self.org_units.rows.values():
                    if unit.code == key.external_id:
                        found[key] = unit.id
            for row in getattr(self.tables.get(key.kind), "rows", {}).values():
                if row.external_id == key.external_id:
                    found[key] = row.id
        return found

    async def last_applied(self, subject: RecordKey, exclude: Collection[UUID]) -> datetime | None:
        times = [
            r.occurred_at
            for r in self.rows.values()
            if r.subject == subject
            and r.status is IngestStatus.APPLIED
            and r.id not in exclude
            and r.occurred_at is not None
        ]
        return max(times, default=None)

    def _parked(self) -> list[IngestRecord]:
        parked = [r for r in self.rows.values() if r.status is IngestStatus.PARKED]
        return sorted(parked, key=lambda r: (r.occurred_at or r.received_at, r.id))

    async def waiting_for(self, keys: Collection[RecordKey]) -> list[UUID]:
        return [r.id for r in self._parked() if set(r.waits_for) & set(keys)]

    async def ready(self, limit: int, among: Collection[UUID] | None = None) -> list[UUID]:
        candidates = [r for r in self._parked() if among is None or r.id in among]
        ready = [
            r.id for r in candidates if len(await self.resolve(r.waits_for)) == len(r.waits_for)
        ]
        return ready[:limit]

    async def parked(self, record_ids: Collection[UUID]) -> Sequence[IngestRecord]:
        return [r for r in self._parked() if r.id in record_ids]
