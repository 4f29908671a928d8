"""Use cases that change an existing aggregate, composed the way their routes compose them:
open the unit of work, read or lock the aggregate (with the If-Match check), change it,
commit. Tests call these where a route would."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID

from app.domain.customers.customers import Customer
from app.domain.receivables.contracts import Contract
from app.domain.receivables.invoices import Invoice
from app.domain.receivables.payments import Payment
from app.domain.receivables.plans import PlannedInstallment
from app.services.context import Context
from app.services.customers import customers
from app.services.platform import AppUnitOfWork
from app.services.receivables import allocations, contracts, installments, invoice_actions
from app.services.receivables.allocations import AllocationRequest
from app.services.receivables.contract_documents import ContractView, InstallmentDocument
from app.services.receivables.invoices import locked_invoice


async def update_customer(
    uow: AppUnitOfWork,
    ctx: Context,
    customer_id: UUID,
    values: dict[str, Any],
    expected_version: int | None = None,
) -> Customer:
    async with uow:
        current = await customers.current_customer(uow, customer_id, expected_version)
        updated = await customers.update_customer(uow, ctx, current, values)
        await uow.commit()
    return updated


async def _act(
    uow: AppUnitOfWork,
    ctx: Context,
    invoice_id: UUID,
    action: invoice_actions.InvoiceAction,
    reason: str | None = None,
    expected_version: int | None = None,
) -> Invoice:
    async with uow:
        current = await locked_invoice(uow, invoice_id, expected_version)
        updated = await invoice_actions.act_on_invoice(uow, ctx, current, action, reason)
        await uow.commit()
    return updated


async def void_invoice(
    uow: AppUnitOfWork, ctx: Context, invoice_id: UUID, reason: str | None = None
) -> Invoice:
    return await _act(uow, ctx, invoice_id, "void", reason)


async def dispute_invoice(
    uow: AppUnitOfWork, ctx: Context, invoice_id: UUID, reason: str
) -> Invoice:
    return await _act(uow, ctx, invoice_id, "dispute", reason)


async def update_contract(
    uow: AppUnitOfWork,
    ctx: Context,
    contract_id: UUID,
    values: dict[str, Any],
    plan: Sequence[PlannedInstallment] | None = None,
    reason: str | None = None,
    expected_version: int | None = None,
) -> ContractView:
    async with uow:
        current = await contracts.locked_contract(uow, contract_id, expected_version)
        view = await contracts.update_contract(uow, ctx, current, values, plan, reason)
        await uow.commit()
    return view


async def reschedule_installment(
    uow: AppUnitOfWork,
    ctx: Context,
    contract_id: UUID,
    installment_id: UUID,
    due_date: date,
    reason: str,
    expected_version: int | None = None,
) -> tuple[Contract, InstallmentDocument]:
    async with uow:
        current = await contracts.locked_contract(uow, contract_id, expected_version)
        done = await installments.reschedule_installment(
            uow, ctx, current, installment_id, due_date, reason
        )
        await uow.commit()
    return done


async def allocate_payment(
    uow: AppUnitOfWork,
    ctx: Context,
    payment_id: UUID,
    requests: Sequence[AllocationRequest] | None = None,
    expected_version: int | None = None,
) -> Payment:
    async with uow:
        current = await allocations.locked_payment(uow, payment_id, expected_version)
        payment = await allocations.allocate_payment(uow, ctx, current, requests)
        await uow.commit()
    return payment


async def undo_allocation(
    uow: AppUnitOfWork, ctx: Context, payment_id: UUID, allocation_id: UUID
) -> Payment:
    async with uow:
        current = await allocations.locked_payment(uow, payment_id)
        payment = await allocations.undo_allocation(uow, ctx, current, allocation_id)
        await uow.commit()
    return payment


async def reverse_payment(
    uow: AppUnitOfWork,
    ctx: Context,
    payment_id: UUID,
    reason: str | None = None,
    expected_version: int | None = None,
) -> Payment:
    async with uow:
        current = await allocations.locked_payment(uow, payment_id, expected_version)
        payment = await allocations.reverse_payment(uow, ctx, current, reason)
        await uow.commit()
    return payment
