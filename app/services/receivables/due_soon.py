"""``due-soon``: installments and invoices falling due within HUIKUAN_DUE_SOON_DAYS.

Findings: ``installment.due_soon`` (installment, due date) for installments with money
outstanding, and ``invoice.due_soon`` (invoice, due date) for open invoices. A reschedule
(or a corrected due date) makes the item due for a new reminder.
"""

from __future__ import annotations

from app.domain.events import EventType
from app.domain.findings import FindingKind, finding
from app.domain.receivables.due_soon import due_soon_until
from app.domain.receivables.installments import installment_figures
from app.services.context import Context
from app.services.jobs import Emitter, JobParams, JobResult, Scanned, in_batches
from app.services.receivables.contract_documents import installment_document
from app.services.receivables.installments import subject as installment_subject
from app.services.receivables.invoice_documents import invoice_document
from app.services.receivables.invoices import subject as invoice_subject
from app.services.receivables.ports import ReceivablesJobUnitOfWork, ReceivablesJobUnitOfWorkFactory


async def run_due_soon(
    uow: ReceivablesJobUnitOfWorkFactory, ctx: Context, params: JobParams
) -> JobResult:
    today = ctx.clock.today()
    until = due_soon_until(today, params.due_soon_days)

    async def installments(work: ReceivablesJobUnitOfWork) -> tuple[int, JobResult]:
        rows = await work.scans.installments_due_soon_to_scan(today, until, params.batch_size)
        due = []
        for row in rows:
            figures = installment_figures(row.installment, row.ledger, today)
            if figures.outstanding.is_positive():
                due.append((row, figures))
        found = [
            finding(FindingKind.INSTALLMENT_DUE_SOON, r.installment.id, r.due_date) for r, _ in due
        ]
        new = await work.findings.record(found, ctx.clock.now())
        events = Emitter(work, ctx)
        for (row, figures), item in zip(due, found, strict=True):
            if item.natural_key in new:
                data = {
                    "object": installment_document(row.installment, figures),
                    "customer_id": str(row.customer_id),
                    "contract_name": row.contract_name,
                    "days_until_due": (row.due_date - today).days,
                }
                events.emit(
                    EventType.INSTALLMENT_DUE_SOON, installment_subject(row.installment.id), data
                )
        await work.scans.mark_installments_due_soon_scanned(
            [Scanned(r.installment.id, r.due_date) for r in rows]
        )
        return len(rows), JobResult(len(rows), len(new), events.count)

    async def invoices(work: ReceivablesJobUnitOfWork) -> tuple[int, JobResult]:
        rows = await work.scans.invoices_due_soon_to_scan(today, until, params.batch_size)
        found = [finding(FindingKind.INVOICE_DUE_SOON, i.id, i.due_date) for i in rows]
        new = await work.findings.record(found, ctx.clock.now())
        events = Emitter(work, ctx)
        for invoice, item in zip(rows, found, strict=True):
            if item.natural_key in new:
                data = {
                    "object": invoice_document(invoice, today),
                    "days_until_due": (invoice.due_date - today).days,
                }
                events.emit(EventType.INVOICE_DUE_SOON, invoice_subject(invoice.id), data)
        await work.scans.mark_invoices_due_soon_scanned([Scanned(i.id, i.due_date) for i in rows])
        return len(rows), JobResult(len(rows), len(new), events.count)

    first = await in_batches(uow, params.batch_size, installments)
    return first + await in_batches(uow, params.batch_size, invoices)
