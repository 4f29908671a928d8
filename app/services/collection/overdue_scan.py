"""``overdue-scan``: invoices, installments and tasks whose due date has passed.

Findings (each emitted once): ``invoice.overdue`` (invoice, due date),
``invoice.dunning_level_changed`` (invoice, level), the overdue risk flag raised to a
severity (invoice, due date, severity), ``installment.overdue`` (installment, due date) and
``task.overdue`` (task, due date). A rescheduled installment or task, or an invoice given a
new due date, is due for a new finding once its new date passes.
"""

from __future__ import annotations

from datetime import date

from app.domain.events import EventType
from app.domain.findings import Finding, FindingKind, finding
from app.domain.receivables.installments import installment_figures
from app.services.collection.documents import task_document
from app.services.collection.overdue_invoices import scan_overdue_invoices
from app.services.collection.ports import CollectionJobUnitOfWork, CollectionJobUnitOfWorkFactory
from app.services.collection.tasks import subject as task_subject
from app.services.context import Context
from app.services.jobs import Emitter, JobParams, JobResult, Scanned, in_batches
from app.services.receivables.contract_documents import installment_document
from app.services.receivables.installments import subject as installment_subject


async def run_overdue_scan(
    uow: CollectionJobUnitOfWorkFactory, ctx: Context, params: JobParams
) -> JobResult:
    """Invoices first (dunning, risk), then installments, then tasks, each in batches."""
    invoices = await scan_overdue_invoices(uow, ctx, params)
    installments = await scan_overdue_installments(uow, ctx, params)
    tasks = await scan_overdue_tasks(uow, ctx, params)
    return invoices + installments + tasks


async def scan_overdue_installments(
    uow: CollectionJobUnitOfWorkFactory, ctx: Context, params: JobParams
) -> JobResult:
    today = ctx.clock.today()

    async def batch(work: CollectionJobUnitOfWork) -> tuple[int, JobResult]:
        rows = await work.scans.installments_overdue_to_scan(today, params.batch_size)
        overdue = []
        for row in rows:
            figures = installment_figures(row.installment, row.ledger, today)
            if figures.overdue:
                overdue.append((row, figures))
        found = [
            Finding(
                FindingKind.INSTALLMENT_OVERDUE,
                row.installment.id,
                row.due_date.isoformat(),
                customer_id=row.customer_id,
            )
            for row, _ in overdue
        ]
        new = await work.findings.record(found, ctx.clock.now())
        events = Emitter(work, ctx)
        for (row, figures), item in zip(overdue, found, strict=True):
            if item.natural_key in new:
                data = {
                    "object": installment_document(row.installment, figures),
                    "customer_id": str(row.customer_id),
                    "contract_name": row.contract_name,
                }
                events.emit(
                    EventType.INSTALLMENT_OVERDUE, installment_subject(row.installment.id), data
                )
        await work.scans.mark_installments_overdue_scanned(
            [Scanned(r.installment.id, r.due_date) for r in rows]
        )
        return len(rows), JobResult(len(rows), len(new), events.count)

    return await in_batches(uow, params.batch_size, batch)


async def scan_overdue_tasks(
    uow: CollectionJobUnitOfWorkFactory, ctx: Context, params: JobParams
) -> JobResult:
    today: date = ctx.clock.today()

    async def batch(work: CollectionJobUnitOfWork) -> tuple[int, JobResult]:
        tasks = await work.scans.tasks_overdue_to_scan(today, params.batch_size)
        overdue = [t for t in tasks if t.is_overdue(today)]
        found = [finding(FindingKind.TASK_OVERDUE, t.id, t.due_date) for t in overdue]
        new = await work.findings.record(found, ctx.clock.now())
        events = Emitter(work, ctx)
        for task, item in zip(overdue, found, strict=True):
            if item.natural_key in new:
                data = {"object": task_document(task, today)}
                events.emit(EventType.TASK_OVERDUE, task_subject(task.id), data)
        await work.scans.mark_tasks_overdue_scanned(
            [Scanned(t.id, t.due_date) for t in tasks if t.due_date is not None]
        )
        return len(tasks), JobResult(len(tasks), len(new), events.count)

    return await in_batches(uow, params.batch_size, batch)
