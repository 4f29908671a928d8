"""The read side of invoices in PostgreSQL: lists, and what invoices total up to (ledgers
per installment or contract, a customer's balances and credit exposure, whether some
open invoice has an amount outstanding). The write side is ``invoices.py``."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, and_, case, func, not_, select

from app.adapters.db.connection import Executor
from app.adapters.db.customers.models import customers
from app.adapters.db.receivables.invoices import invoice_from_row, past_due, select_invoices
from app.adapters.db.receivables.models import invoices
from app.adapters.db.receivables.statuses import PAYABLE
from app.domain.customers.customers import Balance
from app.domain.money import Money
from app.domain.receivables.installments import Ledger
from app.domain.receivables.invoices import Invoice
from app.services.pagination import PageRequest
from app.services.receivables.ports import CreditExposure, InvoiceFilter


def _money(value: Any, currency: str) -> Money:
    return Money.of(value or 0, currency)


class SqlInvoiceQueries:
    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def list(
        self, filters: InvoiceFilter, today: date, page: PageRequest
    ) -> Sequence[Invoice]:
        query = select_invoices().order_by(invoices.c.id).limit(page.fetch)
        conditions: list[ColumnElement[bool]] = []
        if filters.customer_id is not None:
            conditions.append(invoices.c.customer_id == filters.customer_id)
        if filters.contract_id is not None:
            conditions.append(invoices.c.contract_id == filters.contract_id)
        if filters.status is not None:
            conditions.append(invoices.c.status == filters.status.value)
        if filters.overdue is not None:
            conditions.append(past_due(today) if filters.overdue else not_(past_due(today)))
        if filters.due_before is not None:
            conditions.append(invoices.c.due_date < filters.due_before)
        if filters.external_id is not None:
            conditions.append(invoices.c.external_id == filters.external_id)
        if page.after:
            conditions.append(invoices.c.id > page.after_uuid())
        if conditions:
            query = query.where(*conditions)
        return [invoice_from_row(r) for r in (await self.conn.execute(query)).mappings()]

    async def _ledgers(
        self, key: Any, ids: Collection[UUID], today: date, overdue_if: ColumnElement[bool]
    ) -> dict[UUID, Ledger]:
        if not ids:
            return {}
        written_off = case(
            (invoices.c.status == "written_off", invoices.c.amount - invoices.c.amount_paid),
            else_=0,
        )
        overdue = case((and_(past_due(today), overdue_if), invoices.c.outstanding), else_=0)
        query = (
            select(
                key.label("key"),
                invoices.c.currency,
                func.sum(invoices.c.amount).label("invoiced"),
                func.sum(invoices.c.amount_paid).label("collected"),
                func.sum(written_off).label("written_off"),
                func.sum(overdue).label("overdue"),
            )
            .where(key.in_(list(ids)), invoices.c.status != "void")
            .group_by(key, invoices.c.currency)
        )
        ledgers: dict[UUID, Ledger] = {}
        for row in (await self.conn.execute(query)).mappings():
            currency = row["currency"]
            ledgers[row["key"]] = Ledger(
                invoiced=_money(row["invoiced"], currency),
                collected=_money(row["collected"], currency),
                written_off=_money(row["written_off"], currency),
                overdue=_money(row["overdue"], currency),
            )
        return ledgers

    async def installment_ledgers(
        self, installment_ids: Collection[UUID], today: date
    ) -> dict[UUID, Ledger]:
        return await self._ledgers(
            invoices.c.installment_id, installment_ids, today, invoices.c.id.is_not(None)
        )

    async def contract_ledgers(
        self, contract_ids: Collection[UUID], today: date
    ) -> dict[UUID, Ledger]:
        return await self._ledgers(
            invoices.c.contract_id, contract_ids, today, invoices.c.installment_id.is_(None)
        )

    async def customer_balances(self, customer_id: UUID, today: date) -> Sequence[Balance]:
        overdue = case((invoices.c.due_date < today, invoices.c.outstanding), else_=0)
        query = (
            select(
                invoices.c.currency,
                func.sum(invoices.c.outstanding).label("outstanding"),
                func.sum(overdue).label("overdue"),
            )
            .where(invoices.c.customer_id == customer_id, invoices.c.status.in_(PAYABLE))
            .group_by(invoices.c.currency)
            .order_by(invoices.c.currency)
        )
        return [
            Balance(
                currency=r["currency"],
                outstanding=_money(r["outstanding"], r["currency"]),
                overdue=_money(r["overdue"], r["currency"]),
            )
            for r in (await self.conn.execute(query)).mappings()
        ]

    async def credit_exposure(self, customer_id: UUID) -> CreditExposure | None:
        outstanding = (
            select(func.coalesce(func.sum(invoices.c.outstanding), 0))
            .where(
                invoices.c.customer_id == customers.c.id,
                invoices.c.currency == customers.c.currency,
                invoices.c.status.in_(PAYABLE),
            )
            .scalar_subquery()
        )
        query = select(
            customers.c.credit_limit, customers.c.currency, outstanding.label("outstanding")
        ).where(customers.c.id == customer_id)
        row = (await self.conn.execute(query)).mappings().first()
        if row is None:
            return None
        currency = row["currency"]
        limit = row["credit_limit"]
        return CreditExposure(
            credit_limit=None if limit is None else Money.of(limit, currency),
            outstanding=_money(row["outstanding"], currency),
        )

    async def credit_exposures(
        self, customer_ids: Collection[UUID]
    ) -> Mapping[UUID, CreditExposure]:
        outstanding = (
            select(func.coalesce(func.sum(invoices.c.outstanding), 0))
            .where(
                invoices.c.customer_id == customers.c.id,
                invoices.c.currency == customers.c.currency,
                invoices.c.status.in_(PAYABLE),
            )
            .scalar_subquery()
        )
        query = select(
            customers.c.id,
            customers.c.credit_limit,
            customers.c.currency,
            outstanding.label("outstanding"),
        ).where(customers.c.id.in_(list(customer_ids)), customers.c.credit_limit.is_not(None))
        return {
            row["id"]: CreditExposure(
                credit_limit=Money.of(row["credit_limit"], row["currency"]),
                outstanding=_money(row["outstanding"], row["currency"]),
            )
            for row in (await self.conn.execute(query)).mappings()
        }

    async def any_open_with_outstanding(
        self, customer_id: UUID, amount: Money, excluding: Collection[UUID]
    ) -> bool:
        query = select(
            select(invoices.c.id)
            .where(
                invoices.c.customer_id == customer_id,
                invoices.c.currency == amount.currency,
                invoices.c.status.in_(PAYABLE),
                invoices.c.outstanding == amount.amount,
                invoices.c.id.not_in(list(excluding)),
            )
            .exists()
        )
        return bool((await self.conn.execute(query)).scalar())
