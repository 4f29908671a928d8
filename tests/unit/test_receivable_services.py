"""Receivables use cases against the in-memory fakes: events, history, rollback."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest

from app.domain.errors import Conflict, IllegalStateTransition, ValidationFailed
from app.domain.receivables.contracts import ChangeKind
from app.domain.receivables.plans import PlannedInstallment
from app.services.customers.customers import NewCustomer, create_customer
from app.services.receivables.allocations import AllocationRequest
from app.services.receivables.contracts import NewContract, create_contract
from app.services.receivables.installments import installment_history
from app.services.receivables.invoices import NewInvoice, create_invoice
from app.services.receivables.payments import NewPayment, record_payment
from app.services.unit_of_work import in_transaction
from tests.fakes import FakeUnitOfWork, FixedClock, context
from tests.use_cases import (
    reschedule_installment,
    reverse_payment,
    undo_allocation,
    update_contract,
    void_invoice,
)

SIGNED = date(2026, 1, 10)


async def a_customer(uow: FakeUnitOfWork) -> UUID:
    return (await in_transaction(uow, create_customer, context(), NewCustomer("客户", "CNY"))).id


def plan(*percents: int) -> tuple[PlannedInstallment, ...]:
    return tuple(
        PlannedInstallment(f"第{n + 1}期", date(2026, 2 + n, 1), percent=Decimal(p))
        for n, p in enumerate(percents)
    )


async def test_create_contract_records_history_and_emits_contract_created() -> None:
    uow = FakeUnitOfWork()
    customer_id = await a_customer(uow)
    cmd = NewContract(
        customer_id, "项目", Decimal(1000), "CNY", "u1", SIGNED, installments=plan(30, 70)
    )
    view = await in_transaction(uow, create_contract, context(), cmd)
    assert [i.amount.to_wire() for i in view.contract.installments] == ["300.00", "700.00"]
    assert [e.type for e in uow.events] == ["customer.created", "contract.created"]
    assert uow.events[-1].data["object"] == view.document()
    first = view.contract.installments[0].id
    history = await installment_history(uow, view.contract.id, first)
    assert [h.kind for h in history] == [ChangeKind.CREATED]


async def test_plan_change_and_reschedule_are_kept_in_history() -> None:
    uow = FakeUnitOfWork()
    customer_id = await a_customer(uow)
    cmd = NewContract(
        customer_id, "项目", Decimal(1000), "CNY", "u1", SIGNED, installments=plan(30, 70)
    )
    # History is ordered by time (then id): each step happens a minute after the last.
    clock = FixedClock()
    view = await in_transaction(uow, create_contract, context(clock), cmd)
    second = view.contract.installments[1]
    clock.advance(minutes=1)
    changed = await update_contract(
        uow,
        context(clock, actor="erp"),
        view.contract.id,
        {},
        plan(50, 50),
        reason="重新谈判",
        expected_version=1,
    )
    assert changed.contract.version == 2
    clock.advance(minutes=1)
    await reschedule_installment(
        uow,
        context(clock),
        view.contract.id,
        second.id,
        date(2026, 9, 1),
        "延期",
        expected_version=2,
    )
    history = await installment_history(uow, view.contract.id, second.id)
    assert [(h.kind, h.changed_by, h.reason) for h in history] == [
        (ChangeKind.CREATED, "test-key", None),
        (ChangeKind.CHANGED, "erp", "重新谈判"),
        (ChangeKind.RESCHEDULED, "test-key", "延期"),
    ]
    assert [e.type for e in uow.events][-2:] == ["contract.updated", "installment.rescheduled"]


async def test_payment_events_and_installment_paid() -> None:
    uow = FakeUnitOfWork()
    customer_id = await a_customer(uow)
    cmd = NewContract(
        customer_id, "项目", Decimal(1000), "CNY", "u1", SIGNED, installments=plan(30, 70)
    )
    view = await in_transaction(uow, create_contract, context(), cmd)
    installment = view.contract.installments[0]
    bill = await in_transaction(
        uow,
        create_invoice,
        context(),
        NewInvoice(
            customer_id,
            Decimal(300),
            "CNY",
            date(2026, 1, 20),
            date(2026, 2, 1),
            installment_id=installment.id,
        ),
    )
    uow.events.clear()
    payment = await in_transaction(
        uow,
        record_payment,
        context(),
        NewPayment(customer_id, Decimal(500), "CNY", date(2026, 2, 1)),
    )
    assert payment.allocated_amount.to_wire() == "300.00"
    assert [e.type for e in uow.events] == [
        "payment.received",  # with the invoice it paid: no payment.allocated besides
        "invoice.paid",
        "installment.paid",
        "risk.raised",  # 200.00 left unallocated: the amount_mismatch rule
    ]
    assert uow.events[-2].subject == f"installments/{installment.id}"
    assert [i["id"] for i in uow.events[0].data["invoices"]] == [str(bill.id)]
    with pytest.raises(Conflict):
        await void_invoice(uow, context(), bill.id)


async def test_a_refused_allocation_rolls_everything_back() -> None:
    uow = FakeUnitOfWork()
    customer_id = await a_customer(uow)
    invoices = [
        await in_transaction(
            uow,
            create_invoice,
            context(),
            NewInvoice(customer_id, Decimal(100), "CNY", date(2026, 10, 1), date(2026, 10, 31)),
        )
        for _ in range(2)
    ]
    events_before = list(uow.events)
    cmd = NewPayment(
        customer_id,
        Decimal(300),
        "CNY",
        date(2026, 11, 1),
        allocations=(
            AllocationRequest(invoices[0].id, Decimal(100)),
            AllocationRequest(invoices[1].id, Decimal("100.01")),
        ),
    )
    with pytest.raises(ValidationFailed, match="more than"):
        await in_transaction(uow, record_payment, context(), cmd)
    assert uow.payments.rows == {}
    assert {i.amount_paid.to_wire() for i in uow.invoices.rows.values()} == {"0.00"}
    assert uow.events == events_before


async def test_undo_and_reverse() -> None:
    uow = FakeUnitOfWork()
    customer_id = await a_customer(uow)
    bill = await in_transaction(
        uow,
        create_invoice,
        context(),
        NewInvoice(customer_id, Decimal(100), "CNY", date(2026, 10, 1), date(2026, 10, 31)),
    )
    payment = await in_transaction(
        uow,
        record_payment,
        context(),
        NewPayment(customer_id, Decimal(100), "CNY", date(2026, 11, 1)),
    )
    (allocation,) = payment.allocations
    undone = await undo_allocation(uow, context(), payment.id, allocation.id)
    assert undone.unallocated_amount.to_wire() == "100.00"
    assert uow.invoices.rows[bill.id].amount_paid.is_zero()
    reversed_ = await reverse_payment(uow, context(), payment.id, "退票")
    assert reversed_.status.value == "reversed"
    with pytest.raises(IllegalStateTransition):
        await reverse_payment(uow, context(), payment.id)
    assert [e.type for e in uow.events][-2:] == ["payment.unallocated", "payment.reversed"]
