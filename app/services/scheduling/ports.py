"""The unit of work the scheduled jobs run in: every context's repositories, the scan
queues and the findings (each job body asks only for its own context's part)."""

from __future__ import annotations

from typing import Protocol

from app.services.access.ports import KeyRetentionUnitOfWork
from app.services.collection.paper_trail_ports import LimitationJobUnitOfWork
from app.services.collection.ports import OverdueFindings, OverdueScans
from app.services.controls.ports import ControlsUnitOfWork
from app.services.delivery.ports import DeliveryUnitOfWork
from app.services.receivables.ports import DueSoonScans, ReceivablesJobUnitOfWork


class ScanRepository(DueSoonScans, OverdueScans, Protocol):
    """Every scan queue: due soon (receivables) and overdue (collection)."""


class SchedulerUnitOfWork(
    LimitationJobUnitOfWork,
    ReceivablesJobUnitOfWork,
    ControlsUnitOfWork,
    DeliveryUnitOfWork,
    KeyRetentionUnitOfWork,
    Protocol,
):
    """The unit of work the jobs run in: everything, plus the scan queues, findings and
    idempotency keys."""

    @property
    def scans(self) -> ScanRepository: ...

    @property
    def findings(self) -> OverdueFindings: ...


class SchedulerUnitOfWorkFactory(Protocol):
    def __call__(self) -> SchedulerUnitOfWork: ...
