"""The retention report's statement: live retention installments of contracts signed by
the day, with what their invoices collected (allocations counted on the day) and wrote off
(by the day)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, and_, func, select
from sqlalchemy.engine import RowMapping

from app.adapters.db.customers.models import customers
from app.adapters.db.receivables.models import (
    contracts,
    installments,
    invoices,
    payment_allocations,
)
from app.adapters.db.reporting.asof import counted_on, exact
from app.domain.receivables.milestones import InstallmentKind
from app.domain.reporting.retention import RetentionLine
from app.services.reporting.ports import RetentionQuery


def retention_statement(query: RetentionQuery) -> Select[Any]:
    day = query.as_of.day
    collected = (
        select(func.coalesce(func.sum(payment_allocations.c.amount), 0))
        .select_from(
            payment_allocations.join(invoices, invoices.c.id == payment_allocations.c.invoice_id)
        )
        .where(invoices.c.installment_id == installments.c.id, counted_on(query.as_of))
        .scalar_subquery()
    )
    written_off = (
        select(func.coalesce(func.sum(invoices.c.amount - invoices.c.amount_paid), 0))
        .where(
            invoices.c.installment_id == installments.c.id,
            invoices.c.written_off_on <= day,
            invoices.c.voided_on.is_(None),
        )
        .scalar_subquery()
    )
    same_currency = () if query.currency is None else (installments.c.currency == query.currency,)
    return (
        select(
            installments.c.id,
            installments.c.contract_id,
            installments.c.name,
            installments.c.amount,
            installments.c.currency,
            installments.c.due_date,
            installments.c.milestone,
            contracts.c.name.label("contract_name"),
            contracts.c.customer_id,
            customers.c.name.label("customer_name"),
            collected.label("collected"),
            written_off.label("written_off"),
        )
        .select_from(
            installments.join(contracts, contracts.c.id == installments.c.contract_id).join(
                customers, customers.c.id == contracts.c.customer_id
            )
        )
        .where(
            and_(
                installments.c.kind == InstallmentKind.RETENTION.value,
                installments.c.removed_at.is_(None),
                contracts.c.signed_on <= day,
                *same_currency,
            )
        )
    )


def retention_line(row: RowMapping) -> RetentionLine:
    currency = row["currency"]
    return RetentionLine(
        installment_id=row["id"],
        contract_id=row["contract_id"],
        contract_name=row["contract_name"],
        customer_id=row["customer_id"],
        customer_name=row["customer_name"],
        name=row["name"],
        amount=exact(row["amount"], currency),
        release_date=row["due_date"],
        milestone=row["milestone"],
        collected=exact(row["collected"], currency),
        written_off=exact(row["written_off"], currency),
    )
