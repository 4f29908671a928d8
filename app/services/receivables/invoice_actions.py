"""Invoice actions: void, dispute, resolve a dispute, write off, hold and release.

One table says, per action, the domain rule that changes the invoice, the event it emits
and, for the actions other contexts react to, the domain event it publishes; one function
applies any of them to an invoice :func:`~app.services.receivables.invoices.locked_invoice`
locked, in the unit of work its entry point opened (and commits).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from app.domain import events as domain_events
from app.domain.events import EventType
from app.domain.receivables import invoices as rules
from app.domain.receivables.events import InvoiceDisputed, InvoiceDisputeResolved
from app.domain.receivables.invoices import Invoice
from app.services.context import Context
from app.services.documents import document_changes
from app.services.receivables.invoice_documents import invoice_document
from app.services.receivables.invoices import subject
from app.services.receivables.ports import ReceivablesUnitOfWork

InvoiceAction = Literal["void", "dispute", "resolve_dispute", "write_off", "hold", "release"]


@dataclass(frozen=True, slots=True)
class ActionInput:
    """What the caller gives an action: the reason (resolving a dispute: the note) and, to
    hold, the last day of the hold; and when it happens."""

    reason: str | None
    until: date | None
    now: datetime
    today: date


Rule = Callable[[Invoice, ActionInput], Invoice]
Publishes = Callable[[Invoice, ActionInput], domain_events.DomainEvent]


@dataclass(frozen=True, slots=True)
class Action:
    rule: Rule
    event: EventType  # the outbound event's type; ``data.action`` names the action
    publishes: Publishes | None = None  # what other contexts react to (risk flags)


ACTIONS: dict[InvoiceAction, Action] = {
    "void": Action(
        lambda i, a: rules.void_invoice(i, a.reason, a.now, a.today), EventType.INVOICE_VOIDED
    ),
    "dispute": Action(
        lambda i, a: rules.dispute_invoice(i, a.reason, a.now),
        EventType.INVOICE_DISPUTED,
        lambda i, _: InvoiceDisputed(i),
    ),
    "resolve_dispute": Action(
        lambda i, a: rules.resolve_dispute(i, a.now),
        EventType.INVOICE_UPDATED,
        lambda i, a: InvoiceDisputeResolved(i, a.reason),
    ),
    "write_off": Action(
        lambda i, a: rules.write_off_invoice(i, a.reason, a.now, a.today), EventType.INVOICE_UPDATED
    ),
    "hold": Action(
        lambda i, a: rules.hold_invoice(i, a.reason, a.until, a.now, a.today),
        EventType.INVOICE_UPDATED,
    ),
    "release": Action(lambda i, a: rules.release_invoice(i, a.now), EventType.INVOICE_UPDATED),
}


async def act_on_invoice(
    uow: ReceivablesUnitOfWork,
    ctx: Context,
    current: Invoice,
    action: InvoiceAction,
    reason: str | None = None,
    until: date | None = None,
) -> Invoice:
    """Apply ``action`` to ``current``, save it and emit its event with ``action`` and the
    reason; then publish what other contexts react to (a dispute raises a ``dispute`` risk
    flag; its resolution resolves the flag), in the same transaction."""
    step = ACTIONS[action]
    given = ActionInput(reason, until, ctx.clock.now(), ctx.clock.today())
    updated = step.rule(current, given)
    await uow.invoices.save(updated, expected_version=current.version)
    after = invoice_document(updated, given.today)
    data: dict[str, Any] = {
        "object": after,
        "changes": document_changes(invoice_document(current, given.today), after),
        "action": action,
    }
    if reason:
        data["reason"] = reason.strip()
    uow.add_event(ctx.event(step.event, subject(current.id), data))
    if step.publishes is not None:
        await uow.publish(ctx, step.publishes(updated, given))
    return updated
