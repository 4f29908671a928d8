"""Interaction use cases: record a contact with a customer (with an optional promise to
pay), read and list interactions."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from app.domain.collection.interactions import Channel, Interaction, validate_interaction
from app.domain.collection.promises import Promise, validate_new_promise
from app.domain.customers.customers import Customer
from app.domain.errors import Conflict, NotFound, UnknownReference, ValidationFailed
from app.domain.events import EventType
from app.domain.evidence import EvidenceLink
from app.domain.money import Money
from app.domain.receivables.invoices import Invoice
from app.services.collection.documents import (
    InteractionDocument,
    interaction_document,
    promise_document,
)
from app.services.collection.ports import CollectionUnitOfWork
from app.services.collection.promises import subject as promise_subject
from app.services.context import Context
from app.services.pagination import Page, PageRequest, make_page


@dataclass(frozen=True, slots=True)
class NewPromise:
    amount: Decimal
    currency: str
    promised_date: date


@dataclass(frozen=True, slots=True)
class NewInteraction:
    customer_id: UUID
    channel: Channel
    occurred_at: datetime
    summary: str
    invoice_id: UUID | None = None
    outcome: str | None = None
    promise: NewPromise | None = None
    demand: bool = False
    evidence: tuple[EvidenceLink, ...] = ()


@dataclass(frozen=True, slots=True)
class InteractionView:
    interaction: Interaction
    promise: Promise | None

    def document(self) -> InteractionDocument:
        return interaction_document(self.interaction, self.promise)


def subject(interaction_id: UUID) -> str:
    return f"interactions/{interaction_id}"


async def _invoice(uow: CollectionUnitOfWork, invoice_id: UUID, customer_id: UUID) -> Invoice:
    invoice = await uow.invoices.get(invoice_id)
    if invoice is None:
        raise UnknownReference("invoice", invoice_id, ("invoice_id",))
    if invoice.customer_id != customer_id:
        raise ValidationFailed("the invoice belongs to another customer", ("invoice_id",))
    return invoice


async def _promise(
    uow: CollectionUnitOfWork,
    ctx: Context,
    cmd: NewPromise,
    customer: Customer,
    invoice: Invoice | None,
    interaction_id: UUID,
) -> Promise:
    """A promise in a currency the customer is billed in: the invoice's, or one of its open
    invoices' or its own."""
    today = ctx.clock.today()
    amount = Money.of(cmd.amount, cmd.currency)
    if invoice is not None:
        if not invoice.payable:
            raise Conflict(f"the invoice is {invoice.status.value}; nothing is left to promise")
        currencies = {invoice.currency}
    else:
        balances = await uow.invoice_queries.customer_balances(customer.id, today)
        currencies = {b.currency for b in balances} | {customer.currency}
    validate_new_promise(amount, cmd.promised_date, today, currencies)
    now = ctx.clock.now()
    return Promise(
        id=ctx.ids.new_id(),
        customer_id=customer.id,
        interaction_id=interaction_id,
        invoice_id=invoice.id if invoice else None,
        amount=amount,
        paid_amount=Money.zero(amount.currency),
        promised_date=cmd.promised_date,
        made_on=today,
        created_at=now,
        updated_at=now,
    )


async def record_interaction(
    uow: CollectionUnitOfWork, ctx: Context, cmd: NewInteraction
) -> InteractionView:
    """Record an interaction and emit ``interaction.created``; with a promise to pay, also
    create the promise and emit ``promise.created``."""
    now = ctx.clock.now()
    interaction = Interaction(
        id=ctx.ids.new_id(),
        customer_id=cmd.customer_id,
        invoice_id=cmd.invoice_id,
        channel=cmd.channel,
        occurred_at=cmd.occurred_at,
        summary=cmd.summary.strip(),
        outcome=(cmd.outcome or "").strip() or None,
        created_at=now,
        recorded_by=ctx.actor.key_name,
        recorded_by_user=ctx.actor.user,
        demand=cmd.demand,
        evidence=cmd.evidence,
    )
    validate_interaction(interaction, now)
    customer = await uow.customers.get(cmd.customer_id)
    if customer is None:
        raise UnknownReference("customer", cmd.customer_id, ("customer_id",))
    invoice = await _invoice(uow, cmd.invoice_id, customer.id) if cmd.invoice_id else None
    promise = None
    if cmd.promise is not None:
        promise = await _promise(uow, ctx, cmd.promise, customer, invoice, interaction.id)
        interaction = replace(interaction, promise_id=promise.id)
    await uow.interactions.add(interaction)
    view = InteractionView(interaction, promise)
    uow.add_event(
        ctx.event(
            EventType.INTERACTION_CREATED, subject(interaction.id), {"object": view.document()}
        )
    )
    if promise is not None:
        await uow.promises.add(promise)
        data = {"object": promise_document(promise), "interaction_id": str(interaction.id)}
        uow.add_event(ctx.event(EventType.PROMISE_CREATED, promise_subject(promise.id), data))
    return view


async def get_interaction(uow: CollectionUnitOfWork, interaction_id: UUID) -> InteractionView:
    interaction = await uow.interactions.get(interaction_id)
    if interaction is None:
        raise NotFound("interaction", interaction_id)
    promise = await uow.promises.get(interaction.promise_id) if interaction.promise_id else None
    return InteractionView(interaction, promise)


async def list_interactions(
    uow: CollectionUnitOfWork,
    *,
    customer_id: UUID | None,
    invoice_id: UUID | None,
    page: PageRequest,
) -> Page[InteractionView]:
    rows = await uow.interaction_queries.list(
        customer_id=customer_id, invoice_id=invoice_id, page=page
    )
    promises = await uow.promises.get_many([i.promise_id for i in rows if i.promise_id])
    views = [InteractionView(i, promises.get(i.promise_id) if i.promise_id else None) for i in rows]
    return make_page(views, page, key=lambda v: (str(v.interaction.id),))
