"""``unbilled-scan``: installments due but still not fully invoiced
HUIKUAN_UNBILLED_AFTER_DAYS later — work accepted, no invoice, the leak finance teams miss
most.

Findings: ``installment.unbilled`` (installment), once per installment whatever happens to
its due date later. The queue holds live installments not yet scanned for their current
due date; an installment awaiting its milestone has none, so nothing scans it. One that
was fully invoiced when scanned leaves the queue until its due date changes.
"""

from __future__ import annotations

from app.domain.events import EventType
from app.domain.findings import FindingKind, finding
from app.domain.receivables.installments import (
    installment_figures,
    unbilled_amount,
    unbilled_due_by,
)
from app.services.context import Context
from app.services.jobs import Emitter, JobParams, JobResult, Scanned, in_batches
from app.services.receivables.contract_documents import installment_document
from app.services.receivables.installments import subject as installment_subject
from app.services.receivables.ports import ReceivablesJobUnitOfWork, ReceivablesJobUnitOfWorkFactory


async def run_unbilled_scan(
    uow: ReceivablesJobUnitOfWorkFactory, ctx: Context, params: JobParams
) -> JobResult:
    today = ctx.clock.today()
    after = params.unbilled_after_days
    due_by = unbilled_due_by(today, after)

    async def installments(work: ReceivablesJobUnitOfWork) -> tuple[int, JobResult]:
        rows = await work.scans.installments_unbilled_to_scan(due_by, params.batch_size)
        unbilled = []
        for row in rows:
            amount = unbilled_amount(row.installment, row.ledger, today, after)
            if amount.is_positive():
                unbilled.append((row, amount))
        found = [finding(FindingKind.INSTALLMENT_UNBILLED, r.installment.id) for r, _ in unbilled]
        new = await work.findings.record(found, ctx.clock.now())
        events = Emitter(work, ctx)
        for (row, amount), item in zip(unbilled, found, strict=True):
            if item.natural_key in new:
                figures = installment_figures(row.installment, row.ledger, today)
                data = {
                    "object": installment_document(row.installment, figures),
                    "customer_id": str(row.customer_id),
                    "contract_name": row.contract_name,
                    "unbilled_amount": amount.to_wire(),
                    "days_since_due": (today - row.due_date).days,
                }
                events.emit(
                    EventType.INSTALLMENT_UNBILLED, installment_subject(row.installment.id), data
                )
        await work.scans.mark_installments_unbilled_scanned(
            [Scanned(r.installment.id, r.due_date) for r in rows]
        )
        return len(rows), JobResult(len(rows), len(new), events.count)

    return await in_batches(uow, params.batch_size, installments)
