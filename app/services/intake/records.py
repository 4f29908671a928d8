"""Applying customer, contract and invoice upserts, invoice voids and payment reversals.

Each event goes through the same use-case functions as the REST API (so the same rules
and the same outbound events), inside the run's transaction. In a run of several events
each one runs in a savepoint: a rule it breaks undoes it alone and rejects it alone.
Upserts lock their record, then compare ``occurred_at`` with the newest event already
applied to it: an older one changes nothing (the staleness rule).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Protocol, TypeVar, cast
from uuid import UUID

from app.domain.errors import Contention, DomainError, Unavailable, ValidationFailed
from app.domain.events import rfc3339
from app.domain.intake.ingest import RecordKey, RecordKind, is_stale
from app.domain.intake.ingest_data import (
    ContractUpsert,
    CustomerUpsert,
    InvoiceUpsert,
    InvoiceVoid,
    MilestoneReached,
    PaymentReversal,
)
from app.domain.receivables.invoices import InvoiceStatus
from app.services.context import Context
from app.services.customers.customers import (
    NewCustomer,
    create_customer,
    create_customers,
    update_customer,
)
from app.services.intake.ports import IntakeUnitOfWork
from app.services.intake.steps import Step
from app.services.receivables.allocations import reverse_payment
from app.services.receivables.contracts import (
    NewContract,
    create_contract,
    locked_contract,
    update_contract,
)
from app.services.receivables.invoice_actions import act_on_invoice
from app.services.receivables.invoices import (
    NewInvoice,
    create_invoice,
    create_invoices,
    locked_invoice,
    update_invoice,
)
from app.services.receivables.milestones import reach_milestone


@dataclass
class Run:
    """What the steps of one run share: resolved references and their own record ids."""

    refs: dict[RecordKey, UUID]
    record_ids: list[UUID]

    def created(self, step: Step, record_id: UUID) -> None:
        self.refs[step.event.subject] = record_id
        step.created = step.event.subject


ApplyOne = Callable[[IntakeUnitOfWork, Step, Run], Awaitable[None]]
C = TypeVar("C")


async def _each(uow: IntakeUnitOfWork, steps: Sequence[Step], apply_one: ApplyOne) -> None:
    keys = {key for s in steps for key in (s.event.subject, *s.event.requires)}
    run = Run(await uow.ingest.resolve(keys), [s.record_id for s in steps])
    for step in steps:
        await _each_one(uow, step, run, apply_one, isolated=len(steps) > 1)


async def _each_one(
    uow: IntakeUnitOfWork, step: Step, run: Run, apply_one: ApplyOne, *, isolated: bool
) -> None:
    missing = [key for key in step.event.requires if key not in run.refs]
    if missing:
        step.park(missing)
    elif not isolated:
        await apply_one(uow, step, run)  # alone in its run: a failure rejects it there
    else:
        try:
            async with uow.savepoint():
                await apply_one(uow, step, run)
        except (Contention, Unavailable):
            raise
        except DomainError as error:
            step.reset()
            step.reject(error)


async def _stale(uow: IntakeUnitOfWork, step: Step, run: Run) -> bool:
    """Notes and says so when a newer event about the record was applied already."""
    subject = step.event.subject
    last = await uow.ingest.last_applied(subject, run.record_ids)
    if last is None or not is_stale(step.event.occurred_at, last):
        return False
    step.note = f"stale: an event about {subject} that occurred at {rfc3339(last)} is applied"
    return True


def _mismatch(field: str, what: str) -> ValidationFailed:
    return ValidationFailed(f"{what} cannot change once the record exists", ("data", field))


def _new_customer_command(data: CustomerUpsert) -> NewCustomer:
    currency = data.fields.get("currency")  # absent: HUIKUAN_DEFAULT_CURRENCY
    optional = {k: v for k, v in data.fields.items() if v is not None and k != "currency"}
    cmd = NewCustomer(
        name=data.name,
        currency=currency if isinstance(currency, str) else None,
        external_id=data.external_id,
    )
    return replace(cmd, **optional)


async def _upsert_customer(uow: IntakeUnitOfWork, step: Step, run: Run) -> None:
    data = cast(CustomerUpsert, step.event.data)
    customer_id = run.refs.get(step.event.subject)
    if customer_id is None:
        customer = await create_customer(uow, step.ctx, _new_customer_command(data))
        run.created(step, customer.id)
        return
    await uow.customers.lock(customer_id)
    if await _stale(uow, step, run):
        return
    current = await uow.customers.get(customer_id)
    assert current is not None  # customers are never deleted
    await update_customer(uow, step.ctx, current, {"name": data.name, **data.fields})


async def _upsert_contract(uow: IntakeUnitOfWork, step: Step, run: Run) -> None:
    data = cast(ContractUpsert, step.event.data)
    customer_id = run.refs[RecordKey(RecordKind.CUSTOMER, data.customer_external_id)]
    contract_id = run.refs.get(step.event.subject)
    rate = data.fields.get("late_fee_rate")
    project_id = None
    if data.project_external_id is not None:
        project_id = run.refs[RecordKey(RecordKind.PROJECT, data.project_external_id)]
    if contract_id is None:
        cmd = NewContract(
            customer_id=customer_id,
            name=data.name,
            amount=data.amount,
            currency=data.currency,
            owner=data.owner,
            signed_on=data.signed_on,
            external_id=data.external_id,
            late_fee_rate=cast(Decimal | None, rate),
            payment_terms_days=cast(int | None, data.fields.get("payment_terms_days")),
            installments=data.installments,
            project_id=project_id,
            milestones=data.milestones or (),
        )
        view = await create_contract(uow, step.ctx, cmd)
        run.created(step, view.contract.id)
        return
    current = await uow.contracts.get(contract_id, lock=True)
    assert current is not None  # contracts are never deleted
    if await _stale(uow, step, run):
        return
    if current.customer_id != customer_id:
        raise _mismatch("customer_external_id", "a contract's customer")
    if current.currency != data.currency:
        raise _mismatch("currency", "a contract's currency")
    values = {
        "name": data.name,
        "amount": data.amount,
        "owner": data.owner,
        "signed_on": data.signed_on,
        **data.fields,
    }
    if data.project_external_id is not None:  # absent: the contract keeps its project
        values["project_id"] = project_id
    await update_contract(
        uow, step.ctx, current, values, data.installments, milestones=data.milestones
    )


async def _installment_id(uow: IntakeUnitOfWork, contract_id: UUID, name: str) -> UUID:
    contract = await uow.contracts.get(contract_id)
    assert contract is not None
    found = next((i for i in contract.installments if i.name == name), None)
    if found is None:
        raise ValidationFailed(
            f"contract {contract.external_id} has no installment named {name!r}",
            ("data", "installment_name"),
        )
    return found.id


async def _upsert_invoice(uow: IntakeUnitOfWork, step: Step, run: Run) -> None:
    data = cast(InvoiceUpsert, step.event.data)
    customer_id = run.refs[RecordKey(RecordKind.CUSTOMER, data.customer_external_id)]
    contract_id = None
    if data.contract_external_id is not None:
        contract_id = run.refs[RecordKey(RecordKind.CONTRACT, data.contract_external_id)]
    installment_id = None
    if contract_id is not None and data.installment_name is not None:
        installment_id = await _installment_id(uow, contract_id, data.installment_name)
    invoice_id = run.refs.get(step.event.subject)
    if invoice_id is None:
        cmd = NewInvoice(
            customer_id=customer_id,
            amount=data.amount,
            currency=data.currency,
            issued_on=data.issued_on,
            due_date=data.due_date,
            external_id=data.external_id,
            contract_id=contract_id,
            installment_id=installment_id,
        )
        invoice = await create_invoice(uow, step.ctx, cmd)
        run.created(step, invoice.id)
        return
    current = await locked_invoice(uow, invoice_id)
    if await _stale(uow, step, run):
        return
    if current.customer_id != customer_id:
        raise _mismatch("customer_external_id", "an invoice's customer")
    if contract_id is not None and current.contract_id != contract_id:
        raise _mismatch("contract_external_id", "an invoice's contract")
    if installment_id is not None and current.installment_id != installment_id:
        raise _mismatch("installment_name", "an invoice's installment")
    if current.currency != data.currency:
        raise _mismatch("currency", "an invoice's currency")
    due_date = current.due_date if data.due_date is None else data.due_date
    values = {"amount": data.amount, "issued_on": data.issued_on, "due_date": due_date}
    if (current.amount.amount, current.issued_on, current.due_date) == tuple(values.values()):
        step.note = "unchanged"
        return
    await update_invoice(uow, step.ctx, current, values)


async def _void_invoice(uow: IntakeUnitOfWork, step: Step, run: Run) -> None:
    data = cast(InvoiceVoid, step.event.data)
    current = await locked_invoice(uow, run.refs[step.event.subject])
    if current.status is InvoiceStatus.VOID:
        step.note = "already void"
        return
    await act_on_invoice(uow, step.ctx, current, "void", data.reason)


async def _reverse_payment(uow: IntakeUnitOfWork, step: Step, run: Run) -> None:
    data = cast(PaymentReversal, step.event.data)
    payment = await uow.payments.get(run.refs[step.event.subject], lock=True)
    assert payment is not None  # payments are never deleted
    if payment.reversed_at is not None:
        step.note = "already reversed"
        return
    await reverse_payment(uow, step.ctx, payment, data.reason)


async def _reach_milestone(uow: IntakeUnitOfWork, step: Step, run: Run) -> None:
    data = cast(MilestoneReached, step.event.data)
    current = await locked_contract(uow, run.refs[step.event.subject])
    milestone = current.milestone(data.key)
    if milestone is not None and milestone.reached_on == data.reached_on:
        step.note = "already reached on that day"
        return
    await reach_milestone(uow, step.ctx, current, data.key, data.reached_on, data.evidence)


async def apply_customers(uow: IntakeUnitOfWork, steps: Sequence[Step]) -> None:
    await _in_stretches(uow, steps, _new_customer, create_customers, _upsert_customer)


async def apply_contracts(uow: IntakeUnitOfWork, steps: Sequence[Step]) -> None:
    await _each(uow, steps, _upsert_contract)


def _new_plain_invoice(step: Step, run: Run, pending: set[RecordKey]) -> NewInvoice | None:
    """The command of an invoice this run creates outside any contract, or None when the
    event needs the one-by-one path (an update, a contract, a missing record)."""
    data = cast(InvoiceUpsert, step.event.data)
    subject = step.event.subject
    customer = RecordKey(RecordKind.CUSTOMER, data.customer_external_id)
    if data.contract_external_id is not None or subject in run.refs or subject in pending:
        return None
    if data.due_date is None:  # due by the payment terms, which the one-by-one path reads
        return None
    if customer not in run.refs:
        return None
    return NewInvoice(
        customer_id=run.refs[customer],
        amount=data.amount,
        currency=data.currency,
        issued_on=data.issued_on,
        due_date=data.due_date,
        external_id=data.external_id,
    )


class _Created(Protocol):
    @property
    def id(self) -> UUID: ...


async def _in_stretches(
    uow: IntakeUnitOfWork,
    steps: Sequence[Step],
    new: Callable[[Step, Run, set[RecordKey]], C | None],
    create_many: Callable[[IntakeUnitOfWork, Context, list[C]], Awaitable[Sequence[_Created]]],
    apply_one: ApplyOne,
) -> None:
    """Records that ``new`` says are plainly new are created together (one insert for each
    stretch of them); the other events one by one, in order (a stretch ends before one)."""
    keys = {key for s in steps for key in (s.event.subject, *s.event.requires)}
    run = Run(await uow.ingest.resolve(keys), [s.record_id for s in steps])
    batch: list[tuple[Step, C]] = []
    pending: set[RecordKey] = set()

    async def flush() -> None:
        created = await create_many(uow, batch[0][0].ctx, [cmd for _, cmd in batch])
        for (step, _), record in zip(batch, created, strict=True):
            run.created(step, record.id)
        batch.clear()
        pending.clear()

    for step in steps:
        cmd = new(step, run, pending)
        if cmd is not None and batch and batch[0][0].ctx != step.ctx:
            await flush()  # the events of one stretch act for one key
        if cmd is not None:
            batch.append((step, cmd))
            pending.add(step.event.subject)
            continue
        if batch:
            await flush()
        await _each_one(uow, step, run, apply_one, isolated=len(steps) > 1)
    if batch:
        await flush()


def _new_customer(step: Step, run: Run, pending: set[RecordKey]) -> NewCustomer | None:
    if step.event.subject in run.refs or step.event.subject in pending:
        return None
    return _new_customer_command(cast(CustomerUpsert, step.event.data))


async def apply_invoices(uow: IntakeUnitOfWork, steps: Sequence[Step]) -> None:
    await _in_stretches(uow, steps, _new_plain_invoice, create_invoices, _upsert_invoice)


async def apply_voids(uow: IntakeUnitOfWork, steps: Sequence[Step]) -> None:
    await _each(uow, steps, _void_invoice)


async def apply_reversals(uow: IntakeUnitOfWork, steps: Sequence[Step]) -> None:
    await _each(uow, steps, _reverse_payment)


async def apply_milestones(uow: IntakeUnitOfWork, steps: Sequence[Step]) -> None:
    await _each(uow, steps, _reach_milestone)
