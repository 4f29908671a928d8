"""In-memory fakes of the collection-work repositories: targets, tasks, interactions,
promises, risk flags and the dunning policy. Foreign keys, unique indexes and what counts
toward a promise are checked or computed in Python over the other fakes, the way the
database does in SQL (the target views' sums are in ``tests/fakes_targets.py``)."""

from __future__ import annotations

import copy
from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from app.domain.collection.dunning import DunningPolicy
from app.domain.collection.interactions import Interaction
from app.domain.collection.promises import UNSETTLED, Promise, PromiseStatus
from app.domain.collection.risk import ACTIVE_STATUSES, RiskFlag, RiskKind, Subject
from app.domain.collection.targets import Target, TargetScope
from app.domain.collection.tasks import Task
from app.domain.customers.customers import RiskSummary
from app.domain.errors import Conflict, StaleVersion, UnknownReference
from app.domain.money import Money
from app.services.collection.ports import (
    CountedPromise,
    RiskFlagFilter,
    RuleRaise,
)
from app.services.pagination import PageRequest
from tests.fakes_lists import not_faked
from tests.fakes_receivables import (
    FakeContractRepository,
    FakeInvoiceRepository,
    FakePaymentRepository,
)


def _saved(
    rows: dict[UUID, Any], item: Any, expected_version: int, what: str, fixed: tuple[str, ...] = ()
) -> None:
    """Write ``item`` back as the SQL UPDATE does: ``created_at`` and the ``fixed`` fields
    keep their stored values."""
    current = rows.get(item.id)
    if current is None or current.version != expected_version:
        raise StaleVersion(what, expected_version)
    kept = {name: getattr(current, name) for name in ("created_at", *fixed)}
    rows[item.id] = copy.deepcopy(replace(item, **kept))


class FakeTargetRepository:
    def __init__(self, contracts: FakeContractRepository) -> None:
        self.contracts = contracts
        self.rows: dict[UUID, Target] = {}

    async def add(self, target: Target) -> None:
        # The scope's foreign keys, as the table's constraints check them.
        known = {
            TargetScope.CUSTOMER: ("customer", self.contracts.customers.rows),
            TargetScope.CONTRACT: ("contract", self.contracts.rows),
        }.get(target.scope)
        if known is not None and target.scope_id not in known[1]:
            raise UnknownReference(known[0], target.scope_id, ("scope_id",))
        self.rows[target.id] = copy.deepcopy(target)

    async def get(self, target_id: UUID) -> Target | None:
        return copy.deepcopy(self.rows.get(target_id))

    async def children(self, target_id: UUID) -> Sequence[Target]:
        found = [t for t in self.rows.values() if t.parent_id == target_id]
        return copy.deepcopy(sorted(found, key=lambda t: t.id))

    async def lock(self, target_id: UUID) -> None:
        return None

    async def save(self, target: Target, expected_version: int) -> None:
        _saved(self.rows, target, expected_version, "target", ("scope", "scope_id"))


class FakeTaskRepository:
    def __init__(self, targets: FakeTargetRepository, invoices: FakeInvoiceRepository) -> None:
        self.targets, self.invoices = targets, invoices
        self.rows: dict[UUID, Task] = {}

    def _check_links(self, task: Task) -> None:
        """The links' foreign keys, as the table's constraints check them."""
        contracts = self.targets.contracts
        for name, value, rows in (
            ("target", task.links.target_id, self.targets.rows),
            ("customer", task.links.customer_id, contracts.customers.rows),
            ("contract", task.links.contract_id, contracts.rows),
            ("invoice", task.links.invoice_id, self.invoices.rows),
        ):
            if value is not None and value not in rows:
                raise UnknownReference(name, value, (f"{name}_id",))

    async def add(self, task: Task) -> None:
        self._check_links(task)
        self.rows[task.id] = copy.deepcopy(task)

    async def get(self, task_id: UUID) -> Task | None:
        return copy.deepcopy(self.rows.get(task_id))

    async def save(self, task: Task, expected_version: int) -> None:
        if task.id in self.rows and self.rows[task.id].version == expected_version:
            self._check_links(task)
        _saved(self.rows, task, expected_version, "task")


class FakeInteractionRepository:
    def __init__(self, invoices: FakeInvoiceRepository, promises: FakePromiseRepository) -> None:
        self.invoices, self.promises = invoices, promises
        self.rows: dict[UUID, Interaction] = {}

    async def add(self, interaction: Interaction) -> None:
        # The foreign keys, as the table's constraints check them.
        if interaction.customer_id not in self.invoices.customers.rows:
            raise UnknownReference("customer", interaction.customer_id, ("customer_id",))
        if interaction.invoice_id is not None and interaction.invoice_id not in self.invoices.rows:
            raise UnknownReference("invoice", interaction.invoice_id, ("invoice_id",))
        self.rows[interaction.id] = replace(interaction, promise_id=None)

    async def get(self, interaction_id: UUID) -> Interaction | None:
        """With the promise whose row names this interaction, as the SQL join finds it."""
        found = self.rows.get(interaction_id)
        if found is None:
            return None
        made = (p.id for p in self.promises.rows.values() if p.interaction_id == found.id)
        return replace(found, promise_id=next(made, None))


class FakePromiseRepository:
    def __init__(self, invoices: FakeInvoiceRepository, payments: FakePaymentRepository) -> None:
        self.invoices, self.payments = invoices, payments
        self.rows: dict[UUID, Promise] = {}

    async def add(self, promise: Promise) -> None:
        self.rows[promise.id] = copy.deepcopy(promise)

    def has_open(self, customer_id: UUID) -> bool:
        return any(
            p.customer_id == customer_id and p.status is PromiseStatus.OPEN
            for p in self.rows.values()
        )

    async def get(self, promise_id: UUID) -> Promise | None:
        return copy.deepcopy(self.rows.get(promise_id))

    async def get_many(self, promise_ids: Collection[UUID]) -> dict[UUID, Promise]:
        return {i: copy.deepcopy(self.rows[i]) for i in promise_ids if i in self.rows}

    def _counted(self, promise: Promise, grace_days: int) -> Money:
        deadline = promise.promised_date + timedelta(days=grace_days)
        return Money.sum(
            (
                a.amount
                for p in self.payments.rows.values()
                if p.customer_id == promise.customer_id
                for a in p.active_allocations
                if a.amount.currency == promise.currency
                and promise.made_on <= a.received_on <= deadline
                and promise.invoice_id in (None, a.invoice_id)
            ),
            promise.currency,
        )

    async def lock_countable(
        self,
        customer_id: UUID,
        currency: str,
        received_on: date,
        invoice_ids: Collection[UUID],
        grace_days: int,
    ) -> Sequence[CountedPromise]:
        return [
            CountedPromise(copy.deepcopy(p), self._counted(p, grace_days))
            for p in sorted(self.rows.values(), key=lambda p: p.id)
            if p.customer_id == customer_id
            and p.currency == currency
            and p.status in UNSETTLED
            and p.made_on <= received_on <= p.deadline(grace_days)
            and (p.invoice_id is None or p.invoice_id in invoice_ids)
        ]

    async def save_evaluations(self, promises: Sequence[Promise]) -> None:
        """Only what an evaluation changes, as the SQL UPDATE writes it; no version check."""
        for promise in promises:
            if (current := self.rows.get(promise.id)) is not None:
                self.rows[promise.id] = replace(
                    current,
                    status=promise.status,
                    paid_amount=promise.paid_amount,
                    kept_at=promise.kept_at,
                    broken_at=promise.broken_at,
                    version=promise.version,
                    updated_at=promise.updated_at,
                )

    async def lock_past_deadline(
        self, today: date, grace_days: int, limit: int
    ) -> Sequence[Promise]:
        due = [
            p
            for p in self.rows.values()
            if p.status is PromiseStatus.OPEN and p.deadline(grace_days) < today
        ]
        return copy.deepcopy(sorted(due, key=lambda p: (p.promised_date, p.id))[:limit])

    async def broken_count(self, customer_id: UUID, since: date) -> int:
        return sum(
            p.customer_id == customer_id
            and p.status is PromiseStatus.BROKEN
            and p.promised_date >= since
            for p in self.rows.values()
        )


class FakeRiskFlagRepository:
    def __init__(self) -> None:
        self.rows: dict[UUID, RiskFlag] = {}

    async def active(self, subject: Subject, kind: RiskKind) -> RiskFlag | None:
        found = next(
            (
                f
                for f in self.rows.values()
                if f.subject == subject and f.kind is kind and f.status in ACTIVE_STATUSES
            ),
            None,
        )
        return copy.deepcopy(found)

    async def add(self, flag: RiskFlag) -> None:
        if await self.active(flag.subject, flag.kind) is not None:
            raise Conflict(f"an active {flag.kind.value} flag exists")
        self.rows[flag.id] = copy.deepcopy(flag)

    async def get(self, flag_id: UUID) -> RiskFlag | None:
        return copy.deepcopy(self.rows.get(flag_id))

    async def save(self, flag: RiskFlag, expected_version: int) -> None:
        current = self.rows.get(flag.id)
        if current is not None and current.version == expected_version and flag.active:
            # The partial unique index: the stored subject and kind, another active flag.
            other = await self.active(current.subject, current.kind)
            if other is not None and other.id != flag.id:
                raise Conflict(f"an active {current.kind.value} flag exists")
        fixed = ("subject", "customer_id", "kind")
        _saved(self.rows, flag, expected_version, "risk flag", fixed)

    async def raise_by_rule(self, flag: RiskFlag) -> RuleRaise | None:
        current = await self.active(flag.subject, flag.kind)
        if current is None:
            self.rows[flag.id] = copy.deepcopy(flag)
            return RuleRaise(copy.deepcopy(flag), None)
        if flag.severity <= current.severity:
            return None
        raised = replace(
            current,
            severity=flag.severity,
            version=current.version + 1,
            updated_at=flag.updated_at,
        )
        self.rows[raised.id] = raised
        return RuleRaise(copy.deepcopy(raised), current.severity)

    async def raise_many_by_rule(self, flags: Sequence[RiskFlag]) -> Sequence[RuleRaise]:
        raised = [await self.raise_by_rule(flag) for flag in flags]
        return [r for r in raised if r is not None]


class FakeDunningPolicyRepository:
    def __init__(self) -> None:
        self.rows: dict[int, DunningPolicy] = {}  # one row, id 1, like the table

    async def get(self) -> DunningPolicy | None:
        return self.rows.get(1)

    async def save(self, policy: DunningPolicy, expected_version: int) -> None:
        current = self.rows[1].version if 1 in self.rows else 1
        if current != expected_version:
            raise StaleVersion("dunning policy", expected_version)
        self.rows[1] = policy


class FakeRiskFlagQueries:
    """The customer's risk summary (customer views read it; tests/contract holds it to the
    SQL query); lists are tested on PostgreSQL only."""

    def __init__(self, flags: FakeRiskFlagRepository) -> None:
        self.flags = flags  # not its rows: a rollback puts other rows in its place

    @property
    def rows(self) -> dict[UUID, RiskFlag]:
        return self.flags.rows

    async def list(self, filters: RiskFlagFilter, page: PageRequest) -> Sequence[RiskFlag]:
        raise not_faked("risk_flag_queries.list")

    async def summary(self, customer_id: UUID) -> RiskSummary:
        active = [f for f in self.rows.values() if f.customer_id == customer_id and f.active]
        return RiskSummary(len(active), max((f.severity for f in active), default=None))
