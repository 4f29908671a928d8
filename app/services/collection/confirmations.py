"""Balance confirmations (对账确认, 询证) and legal actions: send a confirmation with the
book balance, record the customer's reply, file a legal action on an invoice.

A confirmed (or disputed) balance that differs from the book raises the customer's
``invoice_error`` flag stating the difference. A confirmed confirmation starts the
limitation period of every open receivable of the customer in its currency again; a legal
action that of its invoice (PRC Civil Code art. 195).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from app.domain.collection.confirmations import (
    Confirmation,
    ConfirmationStatus,
    LegalAction,
    LegalActionKind,
    Reply,
    record_reply,
    validate_as_of,
    validate_legal_action,
)
from app.domain.collection.risk import RiskKind, Severity, Subject, SubjectType
from app.domain.errors import Conflict, NotFound, ValidationFailed
from app.domain.events import EventType, rfc3339
from app.domain.evidence import EvidenceLink, evidence_documents
from app.services.collection.paper_trail_ports import PaperTrailUnitOfWork
from app.services.collection.risk_rules import raise_flag
from app.services.context import Context
from app.services.pagination import Page, PageRequest, make_page

RULE_CONFIRMATION = "balance_confirmation"
# A difference the customer states is an error in someone's books until found.
DIFFERENCE_SEVERITY = Severity.MEDIUM

_EVENT_OF = {
    ConfirmationStatus.CONFIRMED: EventType.CONFIRMATION_CONFIRMED,
    ConfirmationStatus.DISPUTED: EventType.CONFIRMATION_DISPUTED,
    ConfirmationStatus.NO_REPLY: EventType.CONFIRMATION_UPDATED,
}


def subject(confirmation: Confirmation) -> str:
    return f"customers/{confirmation.customer_id}/confirmations/{confirmation.id}"


def confirmation_document(c: Confirmation) -> dict[str, Any]:
    difference = c.difference
    return {
        "id": str(c.id),
        "customer_id": str(c.customer_id),
        "as_of": c.as_of.isoformat(),
        "currency": c.currency,
        "book_balance": c.book_balance.to_wire(),
        "status": c.status.value,
        "confirmed_balance": None if c.confirmed_balance is None else c.confirmed_balance.to_wire(),
        "difference": None if difference is None else difference.to_wire(),
        "confirmed_on": None if c.confirmed_on is None else c.confirmed_on.isoformat(),
        "confirmed_by": c.confirmed_by,
        "note": c.note,
        "evidence": evidence_documents(c.evidence),
        "version": c.version,
        "created_by": c.created_by,
        "created_at": rfc3339(c.created_at),
        "updated_at": rfc3339(c.updated_at),
    }


@dataclass(frozen=True, slots=True)
class NewConfirmation:
    customer_id: UUID
    currency: str
    as_of: date | None = None  # default today
    note: str | None = None
    evidence: tuple[EvidenceLink, ...] = ()


async def send_confirmation(
    uow: PaperTrailUnitOfWork, ctx: Context, cmd: NewConfirmation
) -> Confirmation:
    """A confirmation in ``sent`` with the book balance at the end of ``as_of``; 422 in a
    currency the customer has no invoice or payment in."""
    today = ctx.clock.today()
    as_of = cmd.as_of or today
    validate_as_of(as_of, today)
    customer = await uow.customers.get(cmd.customer_id)
    if customer is None:
        raise NotFound("customer", cmd.customer_id)
    if cmd.currency not in await uow.limitation.currencies_of(customer.id):
        raise ValidationFailed(
            f"the customer has no invoice or payment in {cmd.currency}", ("currency",)
        )
    balance = await uow.limitation.book_balance(
        customer.id, cmd.currency, as_of, ctx.clock.zone.key
    )
    now = ctx.clock.now()
    confirmation = Confirmation(
        id=ctx.ids.new_id(),
        customer_id=customer.id,
        as_of=as_of,
        book_balance=balance,
        status=ConfirmationStatus.SENT,
        note=cmd.note,
        evidence=cmd.evidence,
        created_at=now,
        updated_at=now,
        created_by=ctx.actor.key_name,
    )
    await uow.confirmations.add(confirmation)
    data = {"object": confirmation_document(confirmation)}
    uow.add_event(ctx.event(EventType.CONFIRMATION_SENT, subject(confirmation), data))
    return confirmation


async def reply_to_confirmation(
    uow: PaperTrailUnitOfWork, ctx: Context, customer_id: UUID, confirmation_id: UUID, reply: Reply
) -> Confirmation:
    current = await uow.confirmations.lock(customer_id, confirmation_id)
    if current is None:
        raise NotFound("confirmation", confirmation_id)
    updated = record_reply(current, reply, ctx.clock.now(), ctx.clock.today())
    await uow.confirmations.save(updated)
    data = {"object": confirmation_document(updated)}
    uow.add_event(ctx.event(_EVENT_OF[updated.status], subject(updated), data))
    difference = updated.difference
    if difference is not None and not difference.is_zero():
        await raise_flag(
            uow,
            ctx,
            subject=Subject(SubjectType.CUSTOMER, customer_id),
            customer_id=customer_id,
            kind=RiskKind.INVOICE_ERROR,
            severity=DIFFERENCE_SEVERITY,
            rule=RULE_CONFIRMATION,
            description=(
                f"the customer {updated.status.value} {updated.confirmed_balance} as of "
                f"{updated.as_of}; the book shows {updated.book_balance} "
                f"(difference {difference})"
            ),
        )
    return updated


async def get_confirmation(
    uow: PaperTrailUnitOfWork, customer_id: UUID, confirmation_id: UUID
) -> Confirmation:
    found = await uow.confirmations.get(customer_id, confirmation_id)
    if found is None:
        raise NotFound("confirmation", confirmation_id)
    return found


async def list_confirmations(
    uow: PaperTrailUnitOfWork, customer_id: UUID, page: PageRequest
) -> Page[Confirmation]:
    if await uow.customers.get(customer_id) is None:
        raise NotFound("customer", customer_id)
    rows = await uow.confirmations.list(customer_id, page)
    return make_page(rows, page, key=lambda c: (str(c.id),))


@dataclass(frozen=True, slots=True)
class NewLegalAction:
    invoice_id: UUID
    kind: LegalActionKind
    filed_on: date
    court: str | None = None
    case_no: str | None = None
    evidence: tuple[EvidenceLink, ...] = ()


def legal_action_document(action: LegalAction) -> dict[str, Any]:
    return {
        "id": str(action.id),
        "invoice_id": str(action.invoice_id),
        "customer_id": str(action.customer_id),
        "kind": action.kind.value,
        "filed_on": action.filed_on.isoformat(),
        "court": action.court,
        "case_no": action.case_no,
        "evidence": evidence_documents(action.evidence),
        "created_by": action.created_by,
        "created_at": rfc3339(action.created_at),
    }


async def file_legal_action(
    uow: PaperTrailUnitOfWork, ctx: Context, cmd: NewLegalAction
) -> LegalAction:
    """A legal action on an open or partially paid invoice (409 on a paid, void or
    written-off one); the limitation check looks at the invoice again."""
    invoice = await uow.invoices.get(cmd.invoice_id)
    if invoice is None:
        raise NotFound("invoice", cmd.invoice_id)
    if not invoice.payable:
        raise Conflict(f"the invoice is {invoice.status.value}; nothing is left to sue for")
    action = LegalAction(
        id=ctx.ids.new_id(),
        invoice_id=invoice.id,
        customer_id=invoice.customer_id,
        kind=cmd.kind,
        filed_on=cmd.filed_on,
        court=cmd.court,
        case_no=cmd.case_no,
        evidence=cmd.evidence,
        created_at=ctx.clock.now(),
        created_by=ctx.actor.key_name,
    )
    validate_legal_action(action, ctx.clock.today())
    await uow.legal_actions.add(action)
    await uow.limitation.check_again(invoice_id=invoice.id)
    data = {"object": legal_action_document(action)}
    uow.add_event(
        ctx.event(
            EventType.LEGAL_ACTION_CREATED, f"invoices/{invoice.id}/legal-actions/{action.id}", data
        )
    )
    return action
