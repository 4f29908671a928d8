"""Invoice use cases: issue, correct, read and list. Actions live in ``invoice_actions``.

Each runs in the unit of work its entry point opened and commits (see
``app/services/unit_of_work.py``); a change takes the invoice :func:`locked_invoice` locked."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from app.domain.customers.customers import Balance
from app.domain.customers.events import CreditExposureChanged, CreditExposuresChanged
from app.domain.errors import (
    CurrencyMismatch,
    IllegalStateTransition,
    NotFound,
    StaleVersion,
    UnknownReference,
    ValidationFailed,
)
from app.domain.events import EventType
from app.domain.money import Money
from app.domain.receivables.contracts import Contract, Installment
from app.domain.receivables.invoices import Invoice, due_by_terms, invoice_cap
from app.services.context import Clock, Context
from app.services.documents import document_changes
from app.services.pagination import Page, PageRequest, make_page
from app.services.receivables.invoice_documents import invoice_document
from app.services.receivables.ports import (
    InvoiceFilter,
    ReceivablesJobUnitOfWork,
    ReceivablesUnitOfWork,
)

EDITABLE_FIELDS = frozenset({"external_id", "amount", "issued_on", "due_date"})


@dataclass(frozen=True, slots=True)
class NewInvoice:
    customer_id: UUID
    amount: Decimal
    currency: str
    issued_on: date
    due_date: date | None  # None: issued_on plus the contract's, else the customer's terms
    external_id: str | None = None
    contract_id: UUID | None = None
    installment_id: UUID | None = None


def subject(invoice_id: UUID) -> str:
    return f"invoices/{invoice_id}"


async def locked_invoice(
    uow: ReceivablesUnitOfWork, invoice_id: UUID, expected_version: int | None = None
) -> Invoice:
    """The invoice to change: its customer locked, then the invoice (the order allocations
    take them in); 404 when unknown, 412 when ``expected_version`` is stale."""
    found = await uow.invoices.get(invoice_id)
    if found is None:
        raise NotFound("invoice", invoice_id)
    await uow.customers.lock(found.customer_id)
    current = await uow.invoices.get(invoice_id, lock=True)
    assert current is not None  # invoices are never deleted
    if expected_version is not None and expected_version != current.version:
        raise StaleVersion("invoice", expected_version, current.version)
    return current


async def _locked_installment(uow: ReceivablesUnitOfWork, installment_id: UUID) -> Installment:
    found = await uow.contracts.lock_installments([installment_id])
    if not found:
        raise UnknownReference("installment", installment_id, ("installment_id",))
    return found[0]


async def _check_installment_room(
    uow: ReceivablesUnitOfWork, installment: Installment, amount: Money, today: date, already: Money
) -> None:
    """422 when ``amount`` exceeds what the installment has un-invoiced (``already`` is the
    invoice's own previous amount when it is being corrected)."""
    ledger = (await uow.invoice_queries.installment_ledgers([installment.id], today)).get(
        installment.id
    )
    invoiced = (ledger.invoiced if ledger else Money.zero(amount.currency)) - already
    room = invoice_cap(installment.amount, invoiced)
    if amount > room:
        raise ValidationFailed(
            f"installment {installment.name!r} has {room} left to invoice, not {amount}",
            ("amount",),
        )


def _check_contract(contract: Contract, customer_id: UUID, currency: str, due_date: date) -> None:
    if contract.customer_id != customer_id:
        raise ValidationFailed("the contract belongs to another customer", ("contract_id",))
    if contract.currency != currency:
        raise CurrencyMismatch(
            f"the contract is in {contract.currency}, the invoice in {currency}", ("currency",)
        )
    if due_date < contract.signed_on:
        raise ValidationFailed(
            f"due_date {due_date} is before the contract was signed on {contract.signed_on}",
            ("due_date",),
        )


async def _due_by_terms(
    uow: ReceivablesUnitOfWork, cmd: NewInvoice, contract: Contract | None
) -> date:
    """``issued_on`` plus the payment terms of the contract, else of the customer; 422
    naming ``due_date`` when neither has agreed terms."""
    terms = contract.payment_terms_days if contract is not None else None
    if terms is None:
        customer = await uow.customers.get(cmd.customer_id)
        if customer is None:
            raise UnknownReference("customer", cmd.customer_id, ("customer_id",))
        terms = customer.payment_terms_days
    if terms is None:
        raise ValidationFailed(
            "due_date is required: neither the contract nor the customer has payment terms",
            ("due_date",),
        )
    return due_by_terms(cmd.issued_on, terms)


async def create_invoice(uow: ReceivablesUnitOfWork, ctx: Context, cmd: NewInvoice) -> Invoice:
    """Issue an invoice and emit ``invoice.created``; publishes ``CreditExposureChanged``
    (the ``credit`` risk rule checks the customer's limit in the same transaction).

    An invoice linked to an installment may not exceed what the installment still has
    un-invoiced; the installment row is locked meanwhile, so two invoices cannot both
    take the same room.
    """
    now = ctx.clock.now()
    today = ctx.clock.today()
    amount = Money.of(cmd.amount, cmd.currency)
    installment = None
    contract_id = cmd.contract_id
    if cmd.installment_id is not None:
        installment = await _locked_installment(uow, cmd.installment_id)
        if contract_id is not None and contract_id != installment.contract_id:
            raise ValidationFailed(
                "the installment belongs to another contract", ("installment_id",)
            )
        contract_id = installment.contract_id
    contract = None
    if contract_id is not None:
        contract = await uow.contracts.get(contract_id)
        if contract is None:
            raise UnknownReference("contract", contract_id, ("contract_id",))
    due_date = cmd.due_date
    if due_date is None:
        due_date = await _due_by_terms(uow, cmd, contract)
    if contract is not None:
        _check_contract(contract, cmd.customer_id, cmd.currency, due_date)
    invoice = Invoice(
        id=ctx.ids.new_id(),
        customer_id=cmd.customer_id,
        amount=amount,
        amount_paid=Money.zero(cmd.currency),
        issued_on=cmd.issued_on,
        due_date=due_date,
        external_id=cmd.external_id,
        contract_id=contract_id,
        installment_id=cmd.installment_id,
        late_fee_rate=contract.late_fee_rate if contract else None,
        created_at=now,
        updated_at=now,
    )
    if installment is not None:
        await _check_installment_room(uow, installment, amount, today, Money.zero(cmd.currency))
    await uow.invoices.add(invoice)
    document = invoice_document(invoice, today)
    uow.add_event(ctx.event(EventType.INVOICE_CREATED, subject(invoice.id), {"object": document}))
    await uow.publish(ctx, CreditExposureChanged(invoice.customer_id))
    return invoice


async def create_invoices(
    uow: ReceivablesUnitOfWork, ctx: Context, cmds: Sequence[NewInvoice]
) -> list[Invoice]:
    """:func:`create_invoice` for many invoices outside any contract, set-based: one insert,
    one ``invoice.created`` each, one ``CreditExposuresChanged`` for their customers."""
    if any(cmd.contract_id or cmd.installment_id for cmd in cmds):
        raise ValueError("invoices of a contract are created one by one (create_invoice)")
    dues = [cmd.due_date for cmd in cmds]
    if None in dues:
        raise ValueError("invoices due by payment terms are created one by one (create_invoice)")
    now = ctx.clock.now()
    today = ctx.clock.today()
    created = [
        Invoice(
            id=ctx.ids.new_id(),
            customer_id=cmd.customer_id,
            amount=Money.of(cmd.amount, cmd.currency),
            amount_paid=Money.zero(cmd.currency),
            issued_on=cmd.issued_on,
            due_date=due,
            external_id=cmd.external_id,
            created_at=now,
            updated_at=now,
        )
        for cmd, due in zip(cmds, dues, strict=True)
        if due is not None
    ]
    await uow.invoices.add_many(created)
    for invoice in created:
        document = invoice_document(invoice, today)
        uow.add_event(
            ctx.event(EventType.INVOICE_CREATED, subject(invoice.id), {"object": document})
        )
    customers = tuple(dict.fromkeys(i.customer_id for i in created))
    await uow.publish(ctx, CreditExposuresChanged(customers))
    return created


async def update_invoice(
    uow: ReceivablesUnitOfWork, ctx: Context, current: Invoice, values: dict[str, Any]
) -> Invoice:
    """Correct the number, amount or dates of an open invoice (as :func:`locked_invoice`
    locked it); emits ``invoice.updated``. The amount may not drop below what is paid.
    Returns ``current`` itself when nothing changes."""
    unknown = set(values) - EDITABLE_FIELDS
    if unknown:
        raise ValidationFailed(f"fields cannot be changed: {sorted(unknown)}")
    now = ctx.clock.now()
    today = ctx.clock.today()
    if not current.payable:
        raise IllegalStateTransition(f"a {current.status.value} invoice cannot be changed")
    changes = dict(values)
    if "amount" in changes:
        changes["amount"] = Money.of(changes["amount"], current.currency)
    updated = replace(current, **changes, updated_at=now, version=current.version + 1)
    if updated.amount < current.amount_paid:
        raise ValidationFailed(
            f"the amount cannot drop below the {current.amount_paid} already paid", ("amount",)
        )
    before, after = invoice_document(current, today), invoice_document(updated, today)
    changed = document_changes(before, after)
    if not changed:
        return current
    if current.contract_id is not None and "due_date" in changed:
        contract = await uow.contracts.get(current.contract_id)
        assert contract is not None
        _check_contract(contract, current.customer_id, current.currency, updated.due_date)
    if current.installment_id is not None and updated.amount > current.amount:
        installment = await _locked_installment(uow, current.installment_id)
        await _check_installment_room(uow, installment, updated.amount, today, current.amount)
    await uow.invoices.save(updated, expected_version=current.version)
    data = {"object": after, "changes": changed}
    uow.add_event(ctx.event(EventType.INVOICE_UPDATED, subject(current.id), data))
    if updated.amount > current.amount:
        await uow.publish(ctx, CreditExposureChanged(current.customer_id))
    return updated


async def get_invoice(uow: ReceivablesUnitOfWork, invoice_id: UUID) -> Invoice:
    invoice = await uow.invoices.get(invoice_id)
    if invoice is None:
        raise NotFound("invoice", invoice_id)
    return invoice


async def list_invoices(
    uow: ReceivablesUnitOfWork, clock: Clock, filters: InvoiceFilter, page: PageRequest
) -> Page[Invoice]:
    rows = await uow.invoice_queries.list(filters, clock.today(), page)
    return make_page(rows, page, key=lambda i: (str(i.id),))


async def customer_balances(
    uow: ReceivablesUnitOfWork, clock: Clock, customer_id: UUID
) -> list[Balance]:
    return list(await uow.invoice_queries.customer_balances(customer_id, clock.today()))


async def overdue_amounts(uow: ReceivablesJobUnitOfWork, clock: Clock) -> Sequence[Money]:
    """What open invoices past their due date have outstanding, per currency (the
    ``huikuan_receivables_overdue_amount`` gauge)."""
    return await uow.scans.overdue_amounts(clock.today())
