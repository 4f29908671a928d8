"""The allocation policy: which invoices a payment pays, and how much of each.

Automatic allocation, in this order, same currency only:

1. invoices the caller asks to pay first (``pay_first``, e.g. from an ERP), in that order;
2. invoices whose number (``external_id``) appears in the payment's ``reference`` as a
   whole token, case-insensitively, in the order they appear there;
3. the customer's other open invoices, oldest due date first (then issue date, then id).

Disputed invoices are skipped unless named by 1 or 2: cash is not applied to an amount
the customer contests unless they say so. Each invoice takes what it has outstanding
until the payment runs out. The result depends only on the inputs' values, never on
their order.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from app.domain.errors import CurrencyMismatch, IllegalStateTransition, ValidationFailed
from app.domain.money import Money
from app.domain.receivables.invoices import Invoice


@dataclass(frozen=True, slots=True)
class OpenItem:
    """An invoice as the policy sees it."""

    invoice_id: UUID
    number: str | None
    due_date: date
    issued_on: date
    outstanding: Money
    disputed: bool = False

    @classmethod
    def of(cls, invoice: Invoice) -> OpenItem:
        return cls(
            invoice_id=invoice.id,
            number=invoice.external_id,
            due_date=invoice.due_date,
            issued_on=invoice.issued_on,
            outstanding=invoice.outstanding,
            disputed=invoice.disputed,
        )


@dataclass(frozen=True, slots=True)
class Share:
    """Part of a payment applied to one invoice."""

    invoice_id: UUID
    amount: Money


def mention_position(reference: str, number: str) -> int | None:
    """Where ``number`` first appears in ``reference`` as a whole token, or None."""
    if not number:
        return None
    pattern = r"(?<![0-9A-Za-z])" + re.escape(number) + r"(?![0-9A-Za-z])"
    found = re.search(pattern, reference, flags=re.IGNORECASE)
    return found.start() if found else None


def allocation_order(
    items: Sequence[OpenItem], reference: str | None = None, pay_first: Sequence[UUID] = ()
) -> list[OpenItem]:
    """The invoices in the order automatic allocation pays them (see the module doc)."""
    first_rank = {invoice_id: rank for rank, invoice_id in reversed(list(enumerate(pay_first)))}
    named: list[tuple[int, int, OpenItem]] = []
    rest: list[OpenItem] = []
    for item in items:
        position = mention_position(reference, item.number) if reference and item.number else None
        if item.invoice_id in first_rank:
            named.append((0, first_rank[item.invoice_id], item))
        elif position is not None:
            named.append((1, position, item))
        elif not item.disputed:
            rest.append(item)
    named.sort(key=lambda entry: (entry[0], entry[1], entry[2].invoice_id))
    rest.sort(key=lambda item: (item.due_date, item.issued_on, item.invoice_id))
    return [item for *_, item in named] + rest


def plan_allocation(
    available: Money,
    items: Sequence[OpenItem],
    reference: str | None = None,
    pay_first: Sequence[UUID] = (),
) -> list[Share]:
    """Spread ``available`` over the open items, in :func:`allocation_order`.

    Items in another currency or with nothing outstanding are skipped. The shares add up
    to ``min(available, total outstanding)`` and none exceeds its item's outstanding.
    """
    left = available
    shares: list[Share] = []
    currency = available.currency
    eligible = [i for i in items if i.outstanding.currency == currency and i.outstanding.amount > 0]
    for item in allocation_order(eligible, reference, pay_first):
        if not left.is_positive():
            break
        amount = left.min(item.outstanding)
        shares.append(Share(item.invoice_id, amount))
        left = left - amount
    return shares


def check_allocations(
    available: Money,
    customer_id: UUID,
    requests: Sequence[Share],
    invoices: Mapping[UUID, Invoice],
) -> list[Share]:
    """Validate allocations a caller asked for explicitly; returns them unchanged.

    Each invoice must exist (the caller checks), belong to the payment's customer, be in
    its currency (422), still be payable (409) and have at least the amount outstanding
    (422); together they may not exceed what the payment has unallocated (422).
    """
    seen: set[UUID] = set()
    for index, share in enumerate(requests):
        loc = ("allocations", index)
        if share.invoice_id in seen:
            raise ValidationFailed("an invoice is listed twice", (*loc, "invoice_id"))
        seen.add(share.invoice_id)
        invoice = invoices[share.invoice_id]
        if share.amount.currency != available.currency or invoice.currency != available.currency:
            raise CurrencyMismatch(
                f"invoice {invoice.external_id or invoice.id} is in {invoice.currency}, "
                f"the payment in {available.currency}",
                (*loc, "invoice_id"),
            )
        if invoice.customer_id != customer_id:
            raise ValidationFailed("the invoice belongs to another customer", (*loc, "invoice_id"))
        if not share.amount.is_positive():
            raise ValidationFailed("amount must be greater than zero", (*loc, "amount"))
        if not invoice.payable:
            raise IllegalStateTransition(
                f"invoice {invoice.external_id or invoice.id} is {invoice.status.value}"
            )
        if share.amount > invoice.outstanding:
            raise ValidationFailed(
                f"{share.amount} is more than the {invoice.outstanding} outstanding on invoice "
                f"{invoice.external_id or invoice.id}",
                (*loc, "amount"),
            )
    total = Money.sum((s.amount for s in requests), available.currency)
    if total > available:
        raise ValidationFailed(
            f"allocations of {total} exceed the {available} left on the payment", ("allocations",)
        )
    return list(requests)
