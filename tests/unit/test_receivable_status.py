"""Status derivation of invoices and installments, late fees, invoice actions."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from app.domain.errors import Conflict, IllegalStateTransition, ValidationFailed
from app.domain.money import Money
from app.domain.receivables.installments import (
    InstallmentStatus,
    Ledger,
    contract_totals,
    installment_figures,
)
from app.domain.receivables.invoices import (
    InvoiceStatus,
    dispute_invoice,
    hold_invoice,
    receive_payment,
    release_invoice,
    resolve_dispute,
    return_payment,
    void_invoice,
    write_off_invoice,
)
from tests.unit.builders import NOW, contract, installment, invoice

TODAY = date(2026, 11, 27)


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def ledger(invoiced: str = "0", collected: str = "0", written_off: str = "0") -> Ledger:
    return Ledger(cny(invoiced), cny(collected), cny(written_off), cny("0"))


@pytest.mark.parametrize(
    ("entries", "status", "outstanding"),
    [
        (ledger(), InstallmentStatus.PLANNED, "100.00"),
        (ledger(invoiced="40"), InstallmentStatus.INVOICED, "100.00"),
        (ledger(invoiced="100", collected="30"), InstallmentStatus.PARTIALLY_PAID, "70.00"),
        (ledger(invoiced="100", collected="100"), InstallmentStatus.PAID, "0.00"),
        (
            ledger(invoiced="100", collected="30", written_off="70"),
            InstallmentStatus.WRITTEN_OFF,
            "0.00",
        ),
        (ledger(invoiced="50", written_off="50"), InstallmentStatus.INVOICED, "50.00"),
    ],
)
def test_installment_status_follows_its_invoices(
    entries: Ledger, status: InstallmentStatus, outstanding: str
) -> None:
    figures = installment_figures(installment("100.00"), entries, TODAY)
    assert figures.status is status
    assert figures.outstanding == cny(outstanding)


def test_an_installment_is_overdue_after_its_due_date_while_money_is_outstanding() -> None:
    due = installment("100.00", due_date=date(2026, 11, 20))
    figures = installment_figures(due, ledger(invoiced="100", collected="40"), TODAY)
    assert (figures.overdue, figures.days_overdue) == (True, 7)
    paid = installment_figures(due, ledger(invoiced="100", collected="100"), TODAY)
    assert (paid.overdue, paid.days_overdue) == (False, 0)
    on_the_day = installment_figures(replace(due, due_date=TODAY), None, TODAY)
    assert on_the_day.overdue is False


def test_contract_totals_and_progress() -> None:
    plan = (installment("300.00", date(2026, 11, 1)), installment("700.00", date(2027, 1, 1)))
    signed = contract(installments=plan)
    figures = [
        installment_figures(plan[0], ledger(invoiced="300", collected="100"), TODAY),
        installment_figures(plan[1], None, TODAY),
    ]
    totals = contract_totals(signed, ledger(invoiced="300", collected="100"), figures)
    assert totals.outstanding == cny("900")
    assert totals.overdue == cny("200")
    assert (str(totals.invoiced_percent), str(totals.collected_percent)) == ("30.00", "10.00")


def test_invoice_status_and_overdue() -> None:
    bill = invoice(amount="100.00", due_date=date(2026, 11, 20))
    assert bill.status is InvoiceStatus.OPEN
    assert bill.days_overdue(TODAY) == 7
    part = receive_payment(bill, cny("40"), NOW)
    assert (part.status, part.outstanding, part.version) == (
        InvoiceStatus.PARTIALLY_PAID,
        cny("60"),
        2,
    )
    paid = receive_payment(part, cny("60"), NOW)
    assert paid.status is InvoiceStatus.PAID
    assert not paid.is_overdue(TODAY)
    assert return_payment(paid, cny("60"), NOW).status is InvoiceStatus.PARTIALLY_PAID
    with pytest.raises(ValidationFailed, match="more than"):
        receive_payment(part, cny("60.01"), NOW)


def test_late_fee_is_simple_daily_interest_on_the_overdue_outstanding() -> None:
    bill = invoice(amount="10000.00", due_date=date(2026, 11, 17), late_fee_rate="0.0005")
    assert bill.late_fee_accrued(TODAY) == cny("50.00")  # 10000 x 0.0005 x 10 days
    part = receive_payment(bill, cny("4000"), NOW)
    assert part.late_fee_accrued(TODAY) == cny("30.00")
    assert invoice(due_date=date(2026, 12, 31), late_fee_rate="0.001").late_fee_accrued(
        TODAY
    ) == cny("0")
    assert invoice().late_fee_accrued(TODAY) is None


def test_void_refuses_paid_and_allocated_invoices() -> None:
    bill = invoice(amount="100.00")
    assert void_invoice(bill, None, NOW, TODAY).status is InvoiceStatus.VOID
    with pytest.raises(Conflict, match="allocated"):
        void_invoice(receive_payment(bill, cny("1"), NOW), None, NOW, TODAY)
    with pytest.raises(Conflict):
        void_invoice(receive_payment(bill, cny("100"), NOW), None, NOW, TODAY)


def test_write_off_keeps_the_paid_part_and_closes_the_rest() -> None:
    part = receive_payment(invoice(amount="100.00"), cny("30"), NOW)
    closed = write_off_invoice(part, "客户破产", NOW, TODAY)
    assert closed.status is InvoiceStatus.WRITTEN_OFF
    assert (closed.amount_paid, closed.written_off_amount, closed.outstanding) == (
        cny("30"),
        cny("70"),
        cny("0"),
    )
    with pytest.raises(IllegalStateTransition):
        write_off_invoice(closed, "again", NOW, TODAY)
    with pytest.raises(ValidationFailed):
        write_off_invoice(part, "  ", NOW, TODAY)


def test_dispute_and_hold_life_cycle() -> None:
    bill = invoice()
    disputed = dispute_invoice(bill, "数量不符", NOW)
    assert disputed.disputed
    with pytest.raises(IllegalStateTransition):
        dispute_invoice(disputed, "again", NOW)
    assert not resolve_dispute(disputed, NOW).disputed
    with pytest.raises(IllegalStateTransition):
        resolve_dispute(bill, NOW)
    held = hold_invoice(bill, "等待验收", date(2026, 12, 10), NOW, TODAY)
    assert held.on_hold(TODAY)
    assert not held.on_hold(date(2026, 12, 11))
    assert release_invoice(held, NOW).hold is None
    with pytest.raises(ValidationFailed, match="past"):
        hold_invoice(bill, "x", date(2026, 11, 26), NOW, TODAY)
    with pytest.raises(IllegalStateTransition):
        release_invoice(bill, NOW)
