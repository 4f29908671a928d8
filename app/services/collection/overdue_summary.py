"""``overdue-summary`` (daily): one ``customer.overdue_summary`` per customer with overdue
items, listing every overdue invoice and installment (finding: customer, date), so that a
mailer can send one letter instead of one per invoice.

Customers are those with an open invoice past due (the open-invoice due-date index) or an
installment found overdue by ``overdue-scan`` and not cleared since; an installment that is
no longer overdue (paid, rescheduled, removed) is cleared here, so this job reads what is
overdue now, not the history.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import TypedDict
from uuid import UUID

from app.domain.collection.scans import OverdueItem, overdue_totals
from app.domain.events import EventType
from app.domain.findings import Finding, FindingKind, finding
from app.domain.receivables.installments import InstallmentFigures, installment_figures
from app.domain.receivables.invoices import Invoice
from app.services.collection.ports import CollectionJobUnitOfWork, CollectionJobUnitOfWorkFactory
from app.services.context import Context
from app.services.customers.customers import subject as customer_subject
from app.services.customers.documents import customer_document
from app.services.jobs import Emitter, JobParams, JobResult, chunks
from app.services.receivables.ports import InstallmentToScan


async def run_overdue_summary(
    uow: CollectionJobUnitOfWorkFactory, ctx: Context, params: JobParams
) -> JobResult:
    today = ctx.clock.today()
    async with uow() as work:
        customer_ids = list(await work.findings.customers_with_overdue(today))
    total = JobResult()
    for batch in chunks(customer_ids, params.batch_size):
        async with uow() as work:
            total += await _summarize(work, ctx, batch, today)
            await work.commit()
    return total


class OverdueInvoiceLine(TypedDict):
    id: str
    external_id: str | None
    contract_id: str | None
    installment_id: str | None
    due_date: str
    days_overdue: int
    amount: str
    outstanding: str
    currency: str
    dunning_level: int
    disputed: bool
    on_hold: bool


class OverdueInstallmentLine(TypedDict):
    id: str
    contract_id: str
    contract_name: str
    name: str
    due_date: str
    days_overdue: int
    amount: str
    outstanding: str
    currency: str
    status: str


class OverdueTotalsLine(TypedDict):
    currency: str
    invoices: str
    installments: str


class OverdueSummaryDocument(TypedDict):
    """What ``customer.overdue_summary`` carries beside ``data.object``."""

    invoices: list[OverdueInvoiceLine]
    installments: list[OverdueInstallmentLine]
    totals: list[OverdueTotalsLine]


class _Summary:
    def __init__(self) -> None:
        self.invoices: list[OverdueInvoiceLine] = []
        self.installments: list[OverdueInstallmentLine] = []
        self.items: list[OverdueItem] = []

    def add_invoice(self, invoice: Invoice, today: date) -> None:
        days = invoice.days_overdue(today)
        self.items.append(
            OverdueItem(
                "invoice",
                invoice.id,
                invoice.external_id or str(invoice.id),
                invoice.due_date,
                days,
                invoice.amount,
                invoice.outstanding,
            )
        )
        self.invoices.append(
            {
                "id": str(invoice.id),
                "external_id": invoice.external_id,
                "contract_id": None if invoice.contract_id is None else str(invoice.contract_id),
                "installment_id": (
                    None if invoice.installment_id is None else str(invoice.installment_id)
                ),
                "due_date": invoice.due_date.isoformat(),
                "days_overdue": days,
                "amount": invoice.amount.to_wire(),
                "outstanding": invoice.outstanding.to_wire(),
                "currency": invoice.currency,
                "dunning_level": invoice.dunning_level,
                "disputed": invoice.disputed,
                "on_hold": invoice.on_hold(today),
            }
        )

    def add_installment(self, scan: InstallmentToScan, figures: InstallmentFigures) -> None:
        item = scan.installment
        self.items.append(
            OverdueItem(
                "installment",
                item.id,
                item.name,
                scan.due_date,
                figures.days_overdue,
                item.amount,
                figures.outstanding,
            )
        )
        self.installments.append(
            {
                "id": str(item.id),
                "contract_id": str(item.contract_id),
                "contract_name": scan.contract_name,
                "name": item.name,
                "due_date": scan.due_date.isoformat(),
                "days_overdue": figures.days_overdue,
                "amount": item.amount.to_wire(),
                "outstanding": figures.outstanding.to_wire(),
                "currency": item.currency,
                "status": figures.status.value,
            }
        )

    def document(self) -> OverdueSummaryDocument:
        return {
            "invoices": self.invoices,
            "installments": self.installments,
            "totals": [
                {
                    "currency": t.currency,
                    "invoices": t.invoices.to_wire(),
                    "installments": t.installments.to_wire(),
                }
                for t in overdue_totals(self.items)
            ],
        }


async def _summarize(
    work: CollectionJobUnitOfWork, ctx: Context, customer_ids: Sequence[UUID], today: date
) -> JobResult:
    now = ctx.clock.now()
    summaries: dict[UUID, _Summary] = defaultdict(_Summary)
    for invoice in await work.findings.overdue_invoices_of(customer_ids, today):
        summaries[invoice.customer_id].add_invoice(invoice, today)
    cleared: list[Finding] = []
    for standing in await work.findings.standing_installments_of(customer_ids):
        scan = standing.scan
        figures = installment_figures(scan.installment, scan.ledger, today)
        due = scan.installment.due_date
        current = due is not None and standing.finding.key == due.isoformat()
        if standing.removed or not figures.overdue or not current:
            cleared.append(standing.finding)
        else:
            summaries[scan.customer_id].add_installment(scan, figures)
    await work.findings.clear(cleared, now)
    found = [finding(FindingKind.CUSTOMER_OVERDUE_SUMMARY, c, today) for c in summaries]
    new = await work.findings.record(found, now)
    customers = await work.findings.customers(
        [item.subject_id for item in found if item.natural_key in new]
    )
    events = Emitter(work, ctx)
    for item in found:
        customer = customers.get(item.subject_id)
        if item.natural_key not in new or customer is None:
            continue
        data = {
            "object": customer_document(customer),
            "as_of": today.isoformat(),
            **summaries[item.subject_id].document(),
        }
        events.emit(EventType.CUSTOMER_OVERDUE_SUMMARY, customer_subject(customer.id), data)
    return JobResult(len(customer_ids), len(new), events.count)
