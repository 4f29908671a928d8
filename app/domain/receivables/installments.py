"""Where a contract's installments stand: figures derived from invoices and allocations.

Nothing here is stored: status, outstanding and overdue follow from the installment, the
totals of the invoices linked to it (a :class:`Ledger`) and today's date.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from app.domain.money import Money
from app.domain.receivables.contracts import Contract, Installment


class InstallmentStatus(StrEnum):
    AWAITING_MILESTONE = "awaiting_milestone"
    PLANNED = "planned"
    INVOICED = "invoiced"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    WRITTEN_OFF = "written_off"


@dataclass(frozen=True, slots=True)
class Ledger:
    """Totals of the invoices linked to an installment or a contract (void ones excluded).

    ``overdue`` is the outstanding of overdue invoices; for a contract it counts only the
    invoices that are not linked to an installment (those are judged by their installment).
    """

    invoiced: Money
    collected: Money
    written_off: Money
    overdue: Money

    @classmethod
    def empty(cls, currency: str) -> Ledger:
        zero = Money.zero(currency)
        return cls(zero, zero, zero, zero)


@dataclass(frozen=True, slots=True)
class InstallmentFigures:
    status: InstallmentStatus
    invoiced: Money
    collected: Money
    written_off: Money
    outstanding: Money
    overdue: bool
    days_overdue: int


def installment_figures(
    installment: Installment, ledger: Ledger | None, today: date
) -> InstallmentFigures:
    """Status and amounts of one installment on ``today``.

    ``outstanding`` is what is still to be collected, invoiced or not: the amount less
    what was collected and what was written off. It is overdue once the due date passed.
    """
    ledger = ledger or Ledger.empty(installment.currency)
    amount = installment.amount
    closed = ledger.collected + ledger.written_off
    outstanding = (amount - closed) if closed < amount else Money.zero(amount.currency)
    if ledger.collected >= amount:
        status = InstallmentStatus.PAID
    elif ledger.written_off.is_positive() and closed >= amount:
        status = InstallmentStatus.WRITTEN_OFF
    elif ledger.collected.is_positive():
        status = InstallmentStatus.PARTIALLY_PAID
    elif ledger.invoiced.is_positive():
        status = InstallmentStatus.INVOICED
    elif installment.due_date is None:
        status = InstallmentStatus.AWAITING_MILESTONE
    else:
        status = InstallmentStatus.PLANNED
    # An installment awaiting its milestone has no due date, so it is never overdue.
    due = installment.due_date
    overdue = outstanding.is_positive() and due is not None and due < today
    return InstallmentFigures(
        status=status,
        invoiced=ledger.invoiced,
        collected=ledger.collected,
        written_off=ledger.written_off,
        outstanding=outstanding,
        overdue=overdue,
        days_overdue=(today - due).days if overdue and due is not None else 0,
    )


def unbilled_since(due_date: date | None, after_days: int) -> date | None:
    """The day from which an installment due on ``due_date`` counts as unbilled when not
    fully invoiced: ``after_days`` after it fell due (None while awaiting a milestone)."""
    return None if due_date is None else due_date + timedelta(days=after_days)


def unbilled_due_by(today: date, after_days: int) -> date:
    """The last due date whose installment counts as unbilled today when not fully
    invoiced."""
    return today - timedelta(days=after_days)


def unbilled_amount(
    installment: Installment, ledger: Ledger | None, today: date, after_days: int
) -> Money:
    """What of the installment is due but still not invoiced ``after_days`` later: the work
    was done, nobody sent the invoice. Written-off money is not unbilled."""
    since = unbilled_since(installment.due_date, after_days)
    zero = Money.zero(installment.currency)
    if since is None or since > today:
        return zero
    ledger = ledger or Ledger.empty(installment.currency)
    rest = installment.amount - ledger.invoiced
    return rest if rest.is_positive() else zero


@dataclass(frozen=True, slots=True)
class ContractTotals:
    invoiced: Money
    collected: Money
    written_off: Money
    outstanding: Money
    overdue: Money
    invoiced_percent: Decimal
    collected_percent: Decimal


def percent_of(part: Money, whole: Money) -> Decimal:
    """``part`` as a percentage of ``whole`` with two decimals (0 when whole is 0)."""
    if whole.is_zero():
        return Decimal("0.00")
    return (part.amount * 100 / whole.amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def contract_totals(
    contract: Contract,
    ledger: Ledger | None,
    figures: Sequence[InstallmentFigures],
) -> ContractTotals:
    """Totals and progress of a contract: every invoice linked to it counts.

    The overdue amount is that of its overdue installments plus that of overdue invoices
    linked to the contract but to no installment.
    """
    currency = contract.currency
    ledger = ledger or Ledger.empty(currency)
    overdue = Money.sum((f.outstanding for f in figures if f.overdue), currency) + ledger.overdue
    closed = ledger.collected + ledger.written_off
    zero = Money.zero(currency)
    outstanding = contract.amount - closed if closed < contract.amount else zero
    return ContractTotals(
        invoiced=ledger.invoiced,
        collected=ledger.collected,
        written_off=ledger.written_off,
        outstanding=outstanding,
        overdue=overdue.min(outstanding),
        invoiced_percent=percent_of(ledger.invoiced, contract.amount),
        collected_percent=percent_of(ledger.collected, contract.amount),
    )
