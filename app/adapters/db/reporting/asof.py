"""Receivables as of a day, as signed terms that add up to each invoice's outstanding.

An invoice's outstanding as of day D (rule in ``app/domain/reporting/reports.py``) is
``amount - amount_paid`` (what it is now, for an invoice live on D) corrected by what
changed after D: allocations received after D did not pay anything yet (+), and
allocations reversed after D still paid then (−). So instead of summing every allocation
of the book, the terms are four small sets, each read through its own index:

1. invoices open now and issued on or before D (``ix_invoices_open_due_date``);
2. invoices voided or written off after D with something unpaid (``ix_invoices_voided_on``,
   ``ix_invoices_written_off_on``);
3. active allocations received after D (``ix_payment_allocations_active_received_on``);
4. allocations reversed after D of money received on or before D
   (``ix_payment_allocations_reversed_undone_at``).

Paid invoices contribute nothing but through 3 and 4. For D = today sets 2 to 4 are
(nearly) empty, so the whole book costs one pass over the open invoices.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Subquery, and_, func, or_, select, union_all

from app.adapters.db.receivables.models import (
    contracts,
    installments,
    invoices,
    payment_allocations,
)
from app.adapters.db.receivables.statuses import PAYABLE
from app.domain.money import MINOR_UNITS, Money
from app.domain.receivables.installments import unbilled_due_by
from app.services.reporting.ports import AsOf

# What each term carries about its invoice, for grouping and bucketing.
TERM_COLUMNS = (
    invoices.c.id,
    invoices.c.currency,
    invoices.c.customer_id,
    invoices.c.contract_id,
    invoices.c.installment_id,
    invoices.c.due_date,
    invoices.c.disputed_at,
    invoices.c.hold_until,
)


def live_on(day: Any) -> ColumnElement[bool]:
    """The invoice existed on ``day`` and was neither voided nor written off by then."""
    return and_(
        invoices.c.issued_on <= day,
        or_(invoices.c.voided_on.is_(None), invoices.c.voided_on > day),
        or_(invoices.c.written_off_on.is_(None), invoices.c.written_off_on > day),
    )


def closed_by(day: Any) -> ColumnElement[bool]:
    """Voided or written off on or before ``day``."""
    return or_(invoices.c.voided_on <= day, invoices.c.written_off_on <= day)


_STEPS = {currency: Decimal(1).scaleb(-places) for currency, places in MINOR_UNITS.items()}


def exact(value: Decimal | None, currency: str) -> Money:
    """A sum PostgreSQL made of stored amounts, so already in the currency's minor units
    (``Money.of`` would check that again, at a cost that shows on reports of many rows)."""
    return Money((value or Decimal(0)).quantize(_STEPS[currency]), currency)


def not_voided_by(day: Any) -> ColumnElement[bool]:
    """Issued on or before ``day`` and not voided by then (written off still counts)."""
    return and_(
        invoices.c.issued_on <= day,
        or_(invoices.c.voided_on.is_(None), invoices.c.voided_on > day),
    )


def counted_on(as_of: AsOf) -> ColumnElement[bool]:
    """An allocation still counted at the end of the day: active, or reversed after it."""
    return and_(
        payment_allocations.c.received_on <= as_of.day,
        or_(
            payment_allocations.c.undone_at.is_(None),
            and_(
                payment_allocations.c.undone_reason == "reversed",
                payment_allocations.c.undone_at >= as_of.end,
            ),
        ),
    )


def receivable_terms(as_of: AsOf, currency: str | None, name: str = "terms") -> Subquery:
    """Signed terms ``(TERM_COLUMNS..., amount)`` whose sum per invoice is its outstanding
    as of the day; sum them per any grouping of invoice attributes."""
    day = as_of.day
    unpaid = invoices.c.amount - invoices.c.amount_paid
    same_currency = () if currency is None else (invoices.c.currency == currency,)
    open_now = select(*TERM_COLUMNS, unpaid.label("amount")).where(
        invoices.c.status.in_(PAYABLE), invoices.c.issued_on <= day, *same_currency
    )
    closed_later = select(*TERM_COLUMNS, unpaid.label("amount")).where(
        or_(invoices.c.voided_on > day, invoices.c.written_off_on > day),
        invoices.c.amount_paid < invoices.c.amount,
        live_on(day),
        *same_currency,
    )
    with_invoice = payment_allocations.join(
        invoices, invoices.c.id == payment_allocations.c.invoice_id
    )
    received_later = (
        select(*TERM_COLUMNS, payment_allocations.c.amount.label("amount"))
        .select_from(with_invoice)
        .where(
            payment_allocations.c.undone_at.is_(None),
            payment_allocations.c.received_on > day,
            live_on(day),
            *same_currency,
        )
    )
    reversed_later = (
        select(*TERM_COLUMNS, (-payment_allocations.c.amount).label("amount"))
        .select_from(with_invoice)
        .where(
            payment_allocations.c.undone_reason == "reversed",
            payment_allocations.c.undone_at >= as_of.end,
            payment_allocations.c.received_on <= day,
            live_on(day),
            *same_currency,
        )
    )
    return union_all(open_now, closed_later, received_later, reversed_later).subquery(name)


def unbilled_terms(day: date, after_days: int, currency: str | None) -> Subquery:
    """Installments due ``after_days`` before ``day`` or earlier, of contracts signed by
    then, with what no invoice (issued by the day, not voided by then) covered:
    ``(currency, customer_id, contract_id, due_date, unbilled)``. Awaiting installments
    have no due date, so they are never here.

    What was invoiced is summed once per installment and hash-joined (an index-only scan
    of ``ix_invoices_installment_billed``), not looked up per installment: a correlated
    sum costs a probe per installment, most of them fully invoiced (decision 0133)."""
    invoiced = (
        select(invoices.c.installment_id, func.sum(invoices.c.amount).label("amount"))
        .where(invoices.c.installment_id.is_not(None), not_voided_by(day))
        .group_by(invoices.c.installment_id)
        .subquery("invoiced")
    )
    rest = installments.c.amount - func.coalesce(invoiced.c.amount, 0)
    same_currency = () if currency is None else (installments.c.currency == currency,)
    source = installments.join(contracts, contracts.c.id == installments.c.contract_id).outerjoin(
        invoiced, invoiced.c.installment_id == installments.c.id
    )
    return (
        select(
            installments.c.currency,
            contracts.c.customer_id,
            installments.c.contract_id,
            installments.c.due_date,
            rest.label("unbilled"),
        )
        .select_from(source)
        .where(
            installments.c.removed_at.is_(None),
            contracts.c.signed_on <= day,
            installments.c.due_date <= unbilled_due_by(day, after_days),
            rest > 0,
            *same_currency,
        )
        .subquery("unbilled")
    )
