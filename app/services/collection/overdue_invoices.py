"""The invoice part of ``overdue-scan``: overdue events, dunning levels and the overdue risk
rule, for the open invoices whose next scan date has come.

An invoice is scanned the day after its due date, then again on each day it reaches a new
dunning level or overdue severity (or the day after its hold ends); an action on it, or a
new dunning policy, puts it back in the queue at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime

from app.domain.collection.dunning import DunningLevel, DunningPolicy
from app.domain.collection.risk import RiskKind, Subject, SubjectType
from app.domain.collection.scans import InvoiceCheck, check_invoice, dunning_task
from app.domain.collection.tasks import Task, TaskLinks
from app.domain.events import EventType
from app.domain.findings import FindingKind
from app.domain.receivables.invoices import Invoice
from app.services.collection.dunning import current_policy
from app.services.collection.ports import (
    CollectionJobUnitOfWork,
    CollectionJobUnitOfWorkFactory,
    InvoiceScanned,
    InvoiceToScan,
)
from app.services.collection.risk_rules import RuleFlag, raise_flags
from app.services.collection.tasks import NewTask, create_task
from app.services.context import Context
from app.services.jobs import Emitter, JobParams, JobResult, NaturalKey, in_batches
from app.services.receivables.invoice_documents import invoice_document
from app.services.receivables.invoices import subject

RULE_OVERDUE = "overdue"


def invoice_name(invoice: Invoice) -> str:
    return invoice.external_id or str(invoice.id)


async def scan_overdue_invoices(
    uow: CollectionJobUnitOfWorkFactory, ctx: Context, params: JobParams
) -> JobResult:
    today = ctx.clock.today()

    async def batch(work: CollectionJobUnitOfWork) -> tuple[int, JobResult]:
        policy = await current_policy(work)
        rows = await work.scans.lock_invoices_to_scan(today, params.batch_size)
        return len(rows), await _scan(work, ctx, policy, rows, today)

    return await in_batches(uow, params.batch_size, batch)


class _InvoiceScan:
    """One batch: the checks, the findings new among them, and what to write back."""

    def __init__(self, work: CollectionJobUnitOfWork, ctx: Context, new: set[NaturalKey]) -> None:
        self.work = work
        self.ctx = ctx
        self.new = new
        self.events = Emitter(work, ctx)
        self.flags: list[RuleFlag] = []
        self.scanned: list[InvoiceScanned] = []

    async def apply(
        self, row: InvoiceToScan, check: InvoiceCheck, today: date, now: datetime
    ) -> None:
        before = row.invoice
        new = {f.kind for f in check.findings(before) if f.natural_key in self.new}
        level = check.dunning.level if check.dunning else before.dunning_level
        after = before
        if level > before.dunning_level:
            after = replace(before, dunning_level=level, version=before.version + 1, updated_at=now)
        if FindingKind.INVOICE_OVERDUE in new:
            data = {"object": invoice_document(after, today), "days_overdue": check.days_overdue}
            self.events.emit(EventType.INVOICE_OVERDUE, subject(before.id), data)
        if check.dunning is not None and FindingKind.INVOICE_DUNNING in new:
            await self._dunning_changed(row, after, check.dunning, check.days_overdue, today)
        if check.severity is not None and FindingKind.INVOICE_OVERDUE_RISK in new:
            self.flags.append(
                RuleFlag(
                    subject=Subject(SubjectType.INVOICE, before.id),
                    customer_id=before.customer_id,
                    kind=RiskKind.OVERDUE,
                    severity=check.severity,
                    rule=RULE_OVERDUE,
                    description=(
                        f"invoice {invoice_name(before)} is {check.days_overdue} days overdue "
                        f"({before.outstanding} outstanding)"
                    ),
                )
            )
        self.scanned.append(InvoiceScanned(before.id, level, check.next_scan_on))

    async def _dunning_changed(
        self, row: InvoiceToScan, after: Invoice, level: DunningLevel, days: int, today: date
    ) -> None:
        task = await self._task(row, level, days, today) if level.create_task else None
        data = {
            "object": invoice_document(after, today),
            "changes": {"dunning_level": {"from": row.invoice.dunning_level, "to": level.level}},
            "level": {
                "level": level.level,
                "days_overdue": level.days_overdue,
                "action": level.action,
                "create_task": level.create_task,
            },
            "days_overdue": days,
            "task_id": None if task is None else str(task.id),
        }
        self.events.emit(EventType.INVOICE_DUNNING_LEVEL_CHANGED, subject(after.id), data)

    async def _task(self, row: InvoiceToScan, level: DunningLevel, days: int, today: date) -> Task:
        invoice = row.invoice
        shape = dunning_task(level, invoice_name(invoice), days, today, self.ctx.locale)
        task = await create_task(
            self.work,
            self.ctx,
            NewTask(
                title=shape.title,
                kind=shape.kind,
                assignee=row.owner,
                due_date=shape.due_date,
                priority=shape.priority,
                links=TaskLinks(invoice_id=invoice.id),
                description=(
                    f"{level.action} for invoice {invoice_name(invoice)}: {invoice.outstanding} "
                    f"outstanding, due {invoice.due_date.isoformat()}"
                ),
            ),
        )
        self.events.counted(1)  # task.created
        return task


async def _scan(
    work: CollectionJobUnitOfWork,
    ctx: Context,
    policy: DunningPolicy,
    rows: Sequence[InvoiceToScan],
    today: date,
) -> JobResult:
    now = ctx.clock.now()
    checks = [(row, check_invoice(row.invoice, today, policy)) for row in rows]
    findings = [f for row, check in checks for f in check.findings(row.invoice)]
    new = await work.findings.record(findings, now)
    scan = _InvoiceScan(work, ctx, new)
    for row, check in checks:
        await scan.apply(row, check, today, now)
    raised = await raise_flags(work, ctx, scan.flags)
    scan.events.counted(len(raised))
    await work.scans.finish_invoice_scans(scan.scanned, now)
    return JobResult(len(checks), len(new), scan.events.count)
