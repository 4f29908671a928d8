"""Ports of the scheduled jobs: the scan queues, the findings, and a unit of work with both.

Each scan reads "what is newly due" through an index that holds only the rows still to be
looked at, in batches; marking a row scanned takes it out of its queue, and changing its
due date puts it back. The findings are the record of what was emitted, under their
natural key (``app/domain/scheduling.py``): recording returns only the new ones.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol
from uuid import UUID

from app.domain.contracts import Installment
from app.domain.customers import Customer
from app.domain.installments import Ledger
from app.domain.invoices import Invoice
from app.domain.money import Money
from app.domain.scheduling import Finding
from app.domain.targets import Target
from app.domain.tasks import Task
from app.services.ports import UnitOfWork

NaturalKey = tuple[str, UUID, str]


@dataclass(frozen=True, slots=True)
class InvoiceToScan:
    invoice: Invoice
    owner: str | None  # the contract's owner, who gets dunning tasks


@dataclass(frozen=True, slots=True)
class InvoiceScanned:
    """Write back after a scan: the dunning level now reached (never lowered) and when to
    look again (None: not until the invoice changes)."""

    invoice_id: UUID
    dunning_level: int
    next_scan_on: date | None


@dataclass(frozen=True, slots=True)
class InstallmentToScan:
    installment: Installment
    ledger: Ledger  # totals of its invoices, for its figures
    customer_id: UUID
    contract_name: str


@dataclass(frozen=True, slots=True)
class Scanned:
    """A row scanned for ``due_date`` (the one read: if it changed meanwhile, the row stays
    in its queue and is looked at again for the new date)."""

    id: UUID
    due_date: date


@dataclass(frozen=True, slots=True)
class StandingInstallment:
    """An installment found overdue for the due date ``key``, not yet cleared."""

    finding: Finding
    scan: InstallmentToScan
    removed: bool


class ScanRepository(Protocol):
    async def lock_invoices_to_scan(self, today: date, limit: int) -> Sequence[InvoiceToScan]:
        """Open invoices whose next scan date (the day after the due date when never
        scanned) is today or earlier, oldest first, locked; rows others hold are skipped."""

    async def finish_invoice_scans(self, scanned: Sequence[InvoiceScanned], at: datetime) -> None:
        """Store next scan dates and dunning levels (a raised level bumps the version)."""

    async def installments_overdue_to_scan(
        self, today: date, limit: int
    ) -> Sequence[InstallmentToScan]:
        """Live installments due before today not yet scanned for their due date."""

    async def mark_installments_overdue_scanned(self, scanned: Sequence[Scanned]) -> None: ...

    async def installments_due_soon_to_scan(
        self, today: date, until: date, limit: int
    ) -> Sequence[InstallmentToScan]:
        """Live installments due from today to ``until`` not yet scanned for that date."""

    async def mark_installments_due_soon_scanned(self, scanned: Sequence[Scanned]) -> None: ...

    async def invoices_due_soon_to_scan(
        self, today: date, until: date, limit: int
    ) -> Sequence[Invoice]:
        """Open invoices due from today to ``until`` not yet scanned for that date."""

    async def mark_invoices_due_soon_scanned(self, scanned: Sequence[Scanned]) -> None: ...

    async def tasks_overdue_to_scan(self, today: date, limit: int) -> Sequence[Task]:
        """Open tasks due before today not yet scanned for their due date."""

    async def mark_tasks_overdue_scanned(self, scanned: Sequence[Scanned]) -> None: ...

    async def targets_to_scan(
        self, today: date, after: UUID | None, limit: int
    ) -> Sequence[Target]:
        """Targets whose period has begun and that target-pace has not closed, by id."""

    async def close_target_scans(self, target_ids: Collection[UUID], today: date) -> None: ...

    async def overdue_amounts(self, today: date) -> Sequence[Money]:
        """What open invoices past their due date have outstanding, per currency."""


class FindingRepository(Protocol):
    async def record(self, findings: Sequence[Finding], at: datetime) -> set[NaturalKey]:
        """Insert the findings not recorded yet (one statement); returns their keys. A
        concurrent recorder of the same finding waits for this transaction, then gets
        nothing: every finding is new exactly once."""

    async def clear(self, findings: Sequence[Finding], at: datetime) -> None:
        """Mark findings no longer standing (an overdue installment paid or rescheduled)."""

    async def customers_with_overdue(self, today: date) -> Sequence[UUID]:
        """Customers with an open invoice past due or a standing overdue installment."""

    async def overdue_invoices_of(
        self, customer_ids: Collection[UUID], today: date
    ) -> Sequence[Invoice]:
        """Their open invoices past due, oldest due date first."""

    async def standing_installments_of(
        self, customer_ids: Collection[UUID]
    ) -> Sequence[StandingInstallment]:
        """Their installments found overdue and not cleared, with their figures' inputs."""

    async def customers(self, customer_ids: Collection[UUID]) -> dict[UUID, Customer]: ...


class IdempotencyKeyRepository(Protocol):
    """Retention of ``idempotency_keys``: Idempotency-Key claims and signed requests'
    webhook-ids. Rows others hold locked are skipped (a later batch or run gets them)."""

    async def delete_claims_before(self, cutoff: datetime, now: datetime, limit: int) -> int:
        """Delete up to ``limit`` Idempotency-Key claims created before ``cutoff`` whose
        lease has ended by ``now`` (the service's clock, which wrote both)."""

    async def delete_messages_older_than(self, age: timedelta, limit: int) -> int:
        """Delete up to ``limit`` webhook-ids remembered longer than ``age`` ago by the
        database's clock (the one that remembered them and judges replays)."""


class SchedulerUnitOfWork(UnitOfWork, Protocol):
    """The unit of work the jobs run in: everything, plus the scan queues, findings and
    idempotency keys."""

    @property
    def scans(self) -> ScanRepository: ...

    @property
    def findings(self) -> FindingRepository: ...

    @property
    def idempotency_keys(self) -> IdempotencyKeyRepository: ...


class SchedulerUnitOfWorkFactory(Protocol):
    def __call__(self) -> SchedulerUnitOfWork: ...
