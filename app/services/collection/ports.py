"""Ports of the collection work: targets, tasks, interactions, promises, risk flags, the
dunning policy and the worklist; the overdue scan queues and findings; and the units of
work the collection use cases and jobs run in (the receivables' repositories included:
collection reads contracts, invoices and payments)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol
from uuid import UUID

from app.domain.collection.dunning import DunningPolicy
from app.domain.collection.interactions import Interaction
from app.domain.collection.promises import Promise, PromiseStatus
from app.domain.collection.risk import (
    RiskFlag,
    RiskKind,
    RiskStatus,
    Severity,
    Subject,
    SubjectType,
)
from app.domain.collection.targets import ProgressSums, Target, TargetScope
from app.domain.collection.tasks import Task, TaskStatus, TaskSummary
from app.domain.collection.worklist import Candidate, ItemId
from app.domain.collection.worklist_weights import Weights
from app.domain.customers.customers import Customer, RiskSummary
from app.domain.findings import Finding
from app.domain.money import Money
from app.domain.receivables.invoices import Invoice
from app.services.jobs import FindingRepository, Scanned
from app.services.organisation.ports import OrganisationUnitOfWork
from app.services.pagination import PageRequest
from app.services.receivables.ports import InstallmentToScan, ReceivablesUnitOfWork


@dataclass(frozen=True, slots=True)
class TargetFilter:
    scope: TargetScope | None = None
    scope_id: UUID | str | None = None
    owner: str | None = None
    active_on: date | None = None  # the period contains this date


class TargetRepository(Protocol):
    async def add(self, target: Target) -> None:
        """Insert; raises UnknownReference when the scope's customer or contract is unknown."""

    async def get(self, target_id: UUID) -> Target | None: ...

    async def children(self, target_id: UUID) -> Sequence[Target]:
        """The targets that are parts of this one."""

    async def lock(self, target_id: UUID) -> None:
        """Lock the target until the unit of work ends (before its parts change)."""

    async def save(self, target: Target, expected_version: int) -> None:
        """Write back a changed target; raises StaleVersion when someone else won."""


class TargetQueries(Protocol):
    """The read side of targets: lists, tested on PostgreSQL (the fakes do not answer), and
    the sums the target views read (the fake answers them, held to the SQL by
    tests/contract)."""

    async def list(self, filters: TargetFilter, page: PageRequest) -> Sequence[Target]: ...

    async def progress_sums(
        self, targets: Sequence[Target], today: date
    ) -> dict[UUID, ProgressSums]:
        """Collected in each target's period and scope, and the installments in scope due in
        the period (all, and up to ``today``), summed by the database in one statement."""


@dataclass(frozen=True, slots=True)
class TaskFilter:
    assignee: str | None = None
    status: TaskStatus | None = None
    overdue: bool | None = None
    due_before: date | None = None
    target_id: UUID | None = None
    customer_id: UUID | None = None
    contract_id: UUID | None = None
    invoice_id: UUID | None = None


class TaskRepository(Protocol):
    async def add(self, task: Task) -> None:
        """Insert; raises UnknownReference for a link to a record that does not exist."""

    async def get(self, task_id: UUID) -> Task | None: ...

    async def save(self, task: Task, expected_version: int) -> None:
        """Write back a changed task; raises StaleVersion when someone else won."""


class TaskQueries(Protocol):
    """The read side of tasks: lists, tested on PostgreSQL (the fakes do not answer), and
    the target views' task summaries (the fake answers them, held to the SQL by
    tests/contract)."""

    async def list(self, filters: TaskFilter, today: date, page: PageRequest) -> Sequence[Task]: ...

    async def summaries(self, target_ids: Collection[UUID], today: date) -> dict[UUID, TaskSummary]:
        """Tasks per status (and overdue) for each target that has any."""


class InteractionRepository(Protocol):
    async def add(self, interaction: Interaction) -> None: ...

    async def get(self, interaction_id: UUID) -> Interaction | None:
        """With ``promise_id`` when a promise was made in it."""


class InteractionQueries(Protocol):
    """The read side of interactions: lists, tested on PostgreSQL (the fakes do not answer)."""

    async def list(
        self, *, customer_id: UUID | None, invoice_id: UUID | None, page: PageRequest
    ) -> Sequence[Interaction]: ...


@dataclass(frozen=True, slots=True)
class PromiseFilter:
    customer_id: UUID | None = None
    invoice_id: UUID | None = None
    status: PromiseStatus | None = None
    due_before: date | None = None  # promised_date before this day


@dataclass(frozen=True, slots=True)
class CountedPromise:
    """An unsettled promise, locked, with everything that counts toward it now."""

    promise: Promise
    counted: Money


class PromiseRepository(Protocol):
    async def add(self, promise: Promise) -> None: ...

    async def get(self, promise_id: UUID) -> Promise | None: ...

    async def get_many(self, promise_ids: Collection[UUID]) -> dict[UUID, Promise]: ...

    async def lock_countable(
        self,
        customer_id: UUID,
        currency: str,
        received_on: date,
        invoice_ids: Collection[UUID],
        grace_days: int,
    ) -> Sequence[CountedPromise]:
        """Lock (in id order) the customer's unsettled promises in ``currency`` that a
        payment received on ``received_on`` and allocated to ``invoice_ids`` can count
        toward, each with the sum of what counts toward it (one statement)."""

    async def save_evaluations(self, promises: Sequence[Promise]) -> None:
        """Write back status, paid amount and stamps of evaluated promises (one statement)."""

    async def lock_past_deadline(
        self, today: date, grace_days: int, limit: int
    ) -> Sequence[Promise]:
        """For the scheduler: open promises whose deadline (promised date + grace days) is
        before ``today``, oldest first, locked; rows another worker holds are skipped."""

    async def broken_count(self, customer_id: UUID, since: date) -> int:
        """How many of the customer's promises due on or after ``since`` were broken (the
        input of the broken-promise severity ladder)."""


class PromiseQueries(Protocol):
    """The read side of promises: lists, tested on PostgreSQL (the fakes do not answer)."""

    async def list(self, filters: PromiseFilter, page: PageRequest) -> Sequence[Promise]: ...


@dataclass(frozen=True, slots=True)
class RiskFlagFilter:
    customer_id: UUID | None = None
    subject_type: SubjectType | None = None
    subject_id: UUID | None = None
    kind: RiskKind | None = None
    status: RiskStatus | None = None
    active: bool | None = None  # open or mitigating
    min_severity: Severity | None = None


@dataclass(frozen=True, slots=True)
class RuleRaise:
    """What raising a flag by rule did: a new flag (``previous`` None) or an escalation."""

    flag: RiskFlag
    previous: Severity | None


class RiskFlagRepository(Protocol):
    async def add(self, flag: RiskFlag) -> None:
        """Insert; raises Conflict when the subject already has an active flag of the kind."""

    async def get(self, flag_id: UUID) -> RiskFlag | None: ...

    async def save(self, flag: RiskFlag, expected_version: int) -> None:
        """Write back a changed flag; raises StaleVersion when someone else won."""

    async def raise_by_rule(self, flag: RiskFlag) -> RuleRaise | None:
        """Insert ``flag``, or when the subject has an active flag of its kind, raise that
        flag's severity to ``flag.severity`` if it is lower. Atomic (one statement), so
        concurrent raisers end with one flag. None when nothing changed."""

    async def raise_many_by_rule(self, flags: Sequence[RiskFlag]) -> Sequence[RuleRaise]:
        """:meth:`raise_by_rule` for flags on distinct subjects (or kinds), in one statement;
        returns what changed."""

    async def active(self, subject: Subject, kind: RiskKind) -> RiskFlag | None: ...


class RiskFlagQueries(Protocol):
    """The read side of risk flags: lists, tested on PostgreSQL (the fakes do not answer),
    and the customer's risk summary, which the customer views read (the fake answers it,
    held to the SQL query by tests/contract)."""

    async def list(self, filters: RiskFlagFilter, page: PageRequest) -> Sequence[RiskFlag]: ...

    async def summary(self, customer_id: UUID) -> RiskSummary:
        """The customer's active flags, on it and on its contracts and invoices."""


class DunningPolicyRepository(Protocol):
    async def get(self) -> DunningPolicy | None:
        """The stored policy; None when none is stored (the default applies)."""

    async def save(self, policy: DunningPolicy, expected_version: int) -> None:
        """Store ``policy`` if the stored one is at ``expected_version`` (a missing one
        counts as version 1, the default); raises StaleVersion otherwise."""


@dataclass(frozen=True, slots=True)
class WorklistQuery:
    """One page of an assignee's worklist as of ``today``, ranked by score (highest
    first, then item id), starting after ``after`` (a score and an item id); or, with
    ``only``, that one item if it is on the list."""

    assignee: str
    today: date
    weights: Weights
    limit: int
    after: tuple[Decimal, str] | None = None
    only: ItemId | None = None
    team: tuple[str, ...] | None = None  # a team's view: these user ids' items, not assignee's


@dataclass(frozen=True, slots=True)
class Ranked:
    """A candidate and the score the database ranked it by (equal to the domain's)."""

    candidate: Candidate
    score: Decimal


class WorklistQueries(Protocol):
    async def ranked(self, query: WorklistQuery) -> list[Ranked]:
        """Items the assignee owns (through a contract's owner, an open task's assignee or
        an active risk flag's owner), not disputed or on hold, with their factors
        computed by the database, ordered by score descending, then item id."""

    async def exists(self, item: ItemId) -> bool:
        """Whether the item's invoice, installment or customer exists at all."""


class CollectionUnitOfWork(ReceivablesUnitOfWork, OrganisationUnitOfWork, Protocol):
    """The unit of work the collection use cases run in."""

    @property
    def targets(self) -> TargetRepository: ...

    @property
    def target_queries(self) -> TargetQueries: ...

    @property
    def tasks(self) -> TaskRepository: ...

    @property
    def task_queries(self) -> TaskQueries: ...

    @property
    def interactions(self) -> InteractionRepository: ...

    @property
    def interaction_queries(self) -> InteractionQueries: ...

    @property
    def promises(self) -> PromiseRepository: ...

    @property
    def promise_queries(self) -> PromiseQueries: ...

    @property
    def risk_flags(self) -> RiskFlagRepository: ...

    @property
    def risk_flag_queries(self) -> RiskFlagQueries: ...

    @property
    def dunning_policy(self) -> DunningPolicyRepository: ...

    @property
    def worklist(self) -> WorklistQueries: ...


@dataclass(frozen=True, slots=True)
class InvoiceToScan:
    invoice: Invoice
    owner: str | None  # the contract's owner, who gets dunning tasks


@dataclass(frozen=True, slots=True)
class InvoiceScanned:
    """Write back after a scan: the dunning level now reached (never lowered) and when to
    look again (None: not until the invoice changes)."""

    invoice_id: UUID
    dunning_level: int
    next_scan_on: date | None


@dataclass(frozen=True, slots=True)
class StandingInstallment:
    """An installment found overdue for the due date ``key``, not yet cleared."""

    finding: Finding
    scan: InstallmentToScan
    removed: bool


class OverdueScans(Protocol):
    """The overdue scan queues (see ``app/services/jobs.py``) and target-pace's."""

    async def lock_invoices_to_scan(self, today: date, limit: int) -> Sequence[InvoiceToScan]:
        """Open invoices whose next scan date (the day after the due date when never
        scanned) is today or earlier, oldest first, locked; rows others hold are skipped."""

    async def finish_invoice_scans(self, scanned: Sequence[InvoiceScanned], at: datetime) -> None:
        """Store next scan dates and dunning levels (a raised level bumps the version)."""

    async def installments_overdue_to_scan(
        self, today: date, limit: int
    ) -> Sequence[InstallmentToScan]:
        """Live installments due before today not yet scanned for their due date."""

    async def mark_installments_overdue_scanned(self, scanned: Sequence[Scanned]) -> None: ...

    async def tasks_overdue_to_scan(self, today: date, limit: int) -> Sequence[Task]:
        """Open tasks due before today not yet scanned for their due date."""

    async def mark_tasks_overdue_scanned(self, scanned: Sequence[Scanned]) -> None: ...

    async def targets_to_scan(
        self, today: date, after: UUID | None, limit: int
    ) -> Sequence[Target]:
        """Targets whose period has begun and that target-pace has not closed, by id."""

    async def close_target_scans(self, target_ids: Collection[UUID], today: date) -> None: ...


class OverdueFindings(FindingRepository, Protocol):
    """The findings, and what the daily overdue summary reads through them."""

    async def customers_with_overdue(self, today: date) -> Sequence[UUID]:
        """Customers with an open invoice past due or a standing overdue installment."""

    async def overdue_invoices_of(
        self, customer_ids: Collection[UUID], today: date
    ) -> Sequence[Invoice]:
        """Their open invoices past due, oldest due date first."""

    async def standing_installments_of(
        self, customer_ids: Collection[UUID]
    ) -> Sequence[StandingInstallment]:
        """Their installments found overdue and not cleared, with their figures' inputs."""

    async def customers(self, customer_ids: Collection[UUID]) -> dict[UUID, Customer]: ...


@dataclass(frozen=True, slots=True)
class TaskDue:
    """An open task due today or earlier, as the daily digest lists it."""

    assignee: str
    task_id: UUID
    title: str
    due_date: date
    customer_name: str | None


@dataclass(frozen=True, slots=True)
class PromiseDue:
    """An unsettled promise to pay due today, as the daily digest lists it."""

    promise_id: UUID
    customer_id: UUID
    customer_name: str
    invoice_id: UUID | None
    remaining: Money


@dataclass(frozen=True, slots=True)
class DigestPerson:
    """A user id the worklist knows, and its person record's name if it has one."""

    user_id: str
    name: str | None = None


class DigestQueries(Protocol):
    """What the collector digest reads (tested on PostgreSQL, not faked)."""

    async def people(self) -> Sequence[DigestPerson]:
        """Everyone who may have work: contract owners, open tasks' assignees, active risk
        flags' owners (the worklist's scopes), but not a person recorded inactive."""

    async def tasks_due(self, people: Collection[str], today: date) -> Sequence[TaskDue]: ...

    async def promises_due(self, today: date) -> Sequence[PromiseDue]: ...


class CollectionJobUnitOfWork(CollectionUnitOfWork, Protocol):
    """The unit of work the collection jobs run in."""

    @property
    def digest(self) -> DigestQueries: ...

    @property
    def scans(self) -> OverdueScans: ...

    @property
    def findings(self) -> OverdueFindings: ...


class CollectionJobUnitOfWorkFactory(Protocol):
    def __call__(self) -> CollectionJobUnitOfWork: ...
