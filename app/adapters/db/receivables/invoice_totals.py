"""What invoices total up to, in PostgreSQL: ledgers per installment or contract, a
customer's balances and credit exposure, and whether some open invoice has an amount
outstanding (the read side of ``SqlInvoiceRepository``)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, and_, case, func, select

from app.adapters.db.connection import Executor
from app.adapters.db.customers.tables import customers
from app.adapters.db.receivables.statuses import PAYABLE
from app.adapters.db.receivables.tables import invoices
from app.domain.customers.customers import Balance
from app.domain.money import Money
from app.domain.receivables.installments import Ledger
from app.services.receivables.ports import CreditExposure


def past_due(today: date) -> ColumnElement[bool]:
    return and_(invoices.c.status.in_(PAYABLE), invoices.c.due_date < today)


def _money(value: Any, currency: str) -> Money:
    return Money.of(value or 0, currency)


class SqlInvoiceTotals:
    def __init__(self, conn: Executor) -> None:
        self.conn = conn

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
