"""The target views' sums, answered from the other fakes' rows in Python the way the
database computes them in SQL (tests/contract holds them to the queries); the lists are
tested on PostgreSQL only."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from uuid import UUID

from app.domain.collection.targets import ProgressSums, Target, TargetScope
from app.domain.collection.tasks import Task, TaskStatus, TaskSummary
from app.domain.money import Money
from app.services.collection.ports import TargetFilter, TaskFilter
from app.services.pagination import PageRequest
from tests.fakes_collection import FakeTaskRepository
from tests.fakes_lists import not_faked
from tests.fakes_receivables import (
    FakeContractRepository,
    FakeInvoiceRepository,
    FakePaymentRepository,
)


class FakeTargetQueries:
    def __init__(
        self,
        contracts: FakeContractRepository,
        invoices: FakeInvoiceRepository,
        payments: FakePaymentRepository,
    ) -> None:
        self.contracts, self.invoices, self.payments = contracts, invoices, payments

    async def list(self, filters: TargetFilter, page: PageRequest) -> Sequence[Target]:
        raise not_faked("target_queries.list")

    def _in_scope(self, target: Target, contract_id: UUID | None) -> bool:
        if target.scope is TargetScope.ORG:
            return True
        contract = self.contracts.rows.get(contract_id) if contract_id else None
        if contract is None:
            return False
        return {
            TargetScope.CONTRACT: contract.id,
            TargetScope.CUSTOMER: contract.customer_id,
            TargetScope.OWNER: contract.owner,
        }[target.scope] == target.scope_id

    def _collected(self, target: Target) -> Money:
        zero = Money.zero(target.currency)
        in_period = [
            p
            for p in self.payments.rows.values()
            if p.currency == target.currency
            and target.period_start <= p.received_on <= target.period_end
        ]
        if target.scope in (TargetScope.ORG, TargetScope.CUSTOMER):
            return Money.sum(
                (
                    p.amount
                    for p in in_period
                    if p.reversed_at is None
                    and (target.scope is TargetScope.ORG or p.customer_id == target.scope_id)
                ),
                target.currency,
            )
        total = zero
        for payment in in_period:
            for allocation in payment.active_allocations:
                invoice = self.invoices.rows[allocation.invoice_id]
                if invoice.contract_id and self._in_scope(target, invoice.contract_id):
                    total = total + allocation.amount
        return total

    def _planned(self, target: Target, due_before: date | None = None) -> Money:
        return Money.sum(
            (
                i.amount
                for i in self.contracts.installments.values()
                if i.id not in self.contracts.removed
                and i.currency == target.currency
                and i.due_date is not None
                and target.period_start <= i.due_date <= target.period_end
                and (due_before is None or i.due_date < due_before)
                and self._in_scope(target, i.contract_id)
            ),
            target.currency,
        )

    async def progress_sums(
        self, targets: Sequence[Target], today: date
    ) -> dict[UUID, ProgressSums]:
        return {
            t.id: ProgressSums(self._collected(t), self._planned(t), self._planned(t, today))
            for t in targets
        }


class FakeTaskQueries:
    def __init__(self, tasks: FakeTaskRepository) -> None:
        self.tasks = tasks  # not its rows: a rollback puts other rows in its place

    async def list(self, filters: TaskFilter, today: date, page: PageRequest) -> Sequence[Task]:
        raise not_faked("task_queries.list")

    async def summaries(self, target_ids: Collection[UUID], today: date) -> dict[UUID, TaskSummary]:
        found = {}
        for target_id in target_ids:
            mine = [t for t in self.tasks.rows.values() if t.links.target_id == target_id]
            if mine:
                counts = {s: sum(t.status is s for t in mine) for s in TaskStatus}
                found[target_id] = TaskSummary(
                    todo=counts[TaskStatus.TODO],
                    in_progress=counts[TaskStatus.IN_PROGRESS],
                    done=counts[TaskStatus.DONE],
                    cancelled=counts[TaskStatus.CANCELLED],
                    overdue=sum(t.is_overdue(today) for t in mine),
                )
        return found
