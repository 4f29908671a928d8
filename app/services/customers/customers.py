"""Customer use cases: create, change, read and list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from uuid import UUID

from app.domain.customers.customers import (
    DEFAULT_PAYMENT_TERMS_DAYS,
    Balance,
    Contact,
    CreditRating,
    Customer,
    RiskSummary,
    change_customer,
)
from app.domain.customers.events import CreditExposureChanged
from app.domain.errors import NotFound, StaleVersion
from app.domain.events import EventType
from app.domain.money import Money
from app.services.context import Clock, Context
from app.services.customers.documents import CustomerDetailDocument, customer_detail_document
from app.services.customers.ports import CustomersUnitOfWork
from app.services.documents import changes_json
from app.services.pagination import Page, PageRequest, make_page


@dataclass(frozen=True, slots=True)
class NewCustomer:
    name: str
    currency: str | None = None  # None: the context's default currency
    external_id: str | None = None
    credit_rating: CreditRating | None = None
    credit_limit: Decimal | None = None
    payment_terms_days: int | None = DEFAULT_PAYMENT_TERMS_DAYS
    contacts: tuple[Contact, ...] = field(default_factory=tuple)


def subject(customer_id: UUID) -> str:
    return f"customers/{customer_id}"


def _new_customer(ctx: Context, cmd: NewCustomer) -> Customer:
    now = ctx.clock.now()
    currency = cmd.currency or ctx.default_currency
    return Customer(
        id=ctx.ids.new_id(),
        name=cmd.name.strip(),
        currency=currency,
        external_id=cmd.external_id,
        credit_rating=cmd.credit_rating,
        credit_limit=None if cmd.credit_limit is None else Money.of(cmd.credit_limit, currency),
        payment_terms_days=cmd.payment_terms_days,
        contacts=cmd.contacts,
        created_at=now,
        updated_at=now,
    )


def _announce_created(uow: CustomersUnitOfWork, ctx: Context, customer: Customer) -> None:
    document = customer_detail_document(customer, [])
    uow.add_event(ctx.event(EventType.CUSTOMER_CREATED, subject(customer.id), {"object": document}))


async def create_customer(uow: CustomersUnitOfWork, ctx: Context, cmd: NewCustomer) -> Customer:
    """Create a customer and emit ``customer.created``."""
    customer = _new_customer(ctx, cmd)
    await uow.customers.add(customer)
    _announce_created(uow, ctx, customer)
    return customer


async def create_customers(
    uow: CustomersUnitOfWork, ctx: Context, cmds: Sequence[NewCustomer]
) -> list[Customer]:
    """:func:`create_customer` for many, set-based: one insert, one ``customer.created`` each."""
    created = [_new_customer(ctx, cmd) for cmd in cmds]
    await uow.customers.add_many(created)
    for customer in created:
        _announce_created(uow, ctx, customer)
    return created


async def current_customer(
    uow: CustomersUnitOfWork, customer_id: UUID, expected_version: int | None = None
) -> Customer:
    """The customer to change: 404 when unknown, 412 when ``expected_version`` is stale."""
    customer = await uow.customers.get(customer_id)
    if customer is None:
        raise NotFound("customer", customer_id)
    if expected_version is not None and expected_version != customer.version:
        raise StaleVersion("customer", expected_version, customer.version)
    return customer


async def update_customer(
    uow: CustomersUnitOfWork, ctx: Context, customer: Customer, values: dict[str, Any]
) -> Customer:
    """Apply a partial update (only the given fields) of ``customer`` (as
    :func:`current_customer` read it) and emit ``customer.updated``; returns ``customer``
    itself when nothing changes.

    ``credit_limit`` is given as a Decimal in the customer's (possibly new) currency.
    """
    if values.get("credit_limit") is not None:
        currency = values.get("currency", customer.currency)
        values = {**values, "credit_limit": Money.of(values["credit_limit"], currency)}
    updated, changed = change_customer(customer, values, ctx.clock.now())
    if not changed:
        return customer
    await uow.customers.save(updated, expected_version=customer.version)
    balances = await uow.invoice_queries.customer_balances(customer.id, ctx.clock.today())
    if {"credit_limit", "currency"} & changed.keys():
        await uow.publish(ctx, CreditExposureChanged(customer.id))
    risk = await uow.risk_flag_queries.summary(customer.id)
    uow.add_event(
        ctx.event(
            EventType.CUSTOMER_UPDATED,
            subject(customer.id),
            {
                "object": customer_detail_document(updated, balances, risk),
                "changes": changes_json(changed),
            },
        )
    )
    return updated


async def get_customer(uow: CustomersUnitOfWork, customer_id: UUID) -> Customer:
    customer = await uow.customers.get(customer_id)
    if customer is None:
        raise NotFound("customer", customer_id)
    return customer


@dataclass(frozen=True, slots=True)
class CustomerDetail:
    customer: Customer
    balances: Sequence[Balance]
    risk: RiskSummary = field(default_factory=RiskSummary)

    def document(self) -> CustomerDetailDocument:
        return customer_detail_document(self.customer, self.balances, self.risk)


async def get_customer_detail(
    uow: CustomersUnitOfWork, clock: Clock, customer_id: UUID
) -> CustomerDetail:
    """The customer with what they owe (invoiced, not void) and what is overdue, per
    currency, and a summary of its active risk flags."""
    customer = await uow.customers.get(customer_id)
    if customer is None:
        raise NotFound("customer", customer_id)
    balances = await uow.invoice_queries.customer_balances(customer_id, clock.today())
    risk = await uow.risk_flag_queries.summary(customer_id)
    return CustomerDetail(customer, balances, risk)


async def list_customers(
    uow: CustomersUnitOfWork, *, external_id: str | None, q: str | None, page: PageRequest
) -> Page[Customer]:
    rows = await uow.customer_queries.list(external_id=external_id, q=q, page=page)
    return make_page(rows, page, key=lambda c: (str(c.id),))
