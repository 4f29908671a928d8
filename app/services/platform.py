"""The ports an entry point (HTTP, CLI, worker) needs, bundled by the composition root."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from app.domain.collection.worklist_weights import Weights
from app.domain.destinations import DestinationPolicy
from app.domain.events import Actor
from app.domain.i18n import Locale
from app.services.access.api_keys import KeyCache
from app.services.access.idempotency import IdempotencyPolicy
from app.services.access.ports import AccessUnitOfWork, IdempotencyStore
from app.services.collection.paper_trail_ports import PaperTrailUnitOfWork
from app.services.context import Clock, ClockControl, Context, IdGenerator
from app.services.controls.approvers import OrgUnitManagers
from app.services.controls.gate import ControlsGate
from app.services.controls.ports import ApproverDirectory, ControlsUnitOfWork
from app.services.delivery.ports import DeliveryUnitOfWork
from app.services.gate import ApprovalGate
from app.services.intake.import_ports import ImportFiles, ImportsUnitOfWork
from app.services.organisation.ports import OrganisationUnitOfWork
from app.services.reporting.ports import ReviewUnitOfWork
from app.services.reporting.statements import StatementUnitOfWork
from app.services.scheduling.registry import JobRunner


class AppUnitOfWork(
    PaperTrailUnitOfWork,
    ControlsUnitOfWork,
    ImportsUnitOfWork,
    AccessUnitOfWork,
    DeliveryUnitOfWork,
    ReviewUnitOfWork,
    StatementUnitOfWork,
    OrganisationUnitOfWork,
    Protocol,
):
    """Every context's unit of work in one: what an entry point opens and hands to any use
    case (each use case asks only for its own context's protocol)."""


class UnitOfWorkFactory(Protocol):
    def __call__(
        self,
        idempotency_claim: tuple[str, str] | None = None,
        *,
        reuse_plans: bool = False,
        message: tuple[str, str] | None = None,
    ) -> AppUnitOfWork:
        """``reuse_plans``: the transaction's statements run on the plans the database
        keeps for them instead of being planned again for each call's parameters; for hot
        paths whose statements are index lookups whatever their parameters (ingestion).

        ``message``: a signed request's (webhook-id, SHA-256 of its body), remembered as
        each transaction begins; entering raises Unauthenticated (a replay) when the id
        came within SIGNED_MESSAGE_WINDOW with another body, before anything is changed."""


class ReadinessProbe(Protocol):
    async def problems(self) -> list[str]:
        """What keeps the service from serving (empty when ready)."""


@dataclass(frozen=True, slots=True)
class IngestPolicy:
    """How ``POST /v1/ingest/events`` reads requests (HUIKUAN_INGEST_*)."""

    max_events: int = 1000
    secret: str | None = None  # Standard Webhooks secret; set, requests must be signed


@dataclass(frozen=True, slots=True)
class ImportPolicy:
    """How ``POST /v1/imports`` takes files (HUIKUAN_IMPORT_*)."""

    max_bytes: int = 100 * 1024 * 1024


@dataclass
class Platform:
    uow: UnitOfWorkFactory
    clock: Clock
    ids: IdGenerator
    idempotency: IdempotencyStore
    readiness: ReadinessProbe
    idempotency_policy: IdempotencyPolicy = field(default_factory=IdempotencyPolicy)
    key_cache: KeyCache | None = None
    clock_control: ClockControl | None = None  # set only when HUIKUAN_TEST_CLOCK=true
    ingest: IngestPolicy = field(default_factory=IngestPolicy)
    imports: ImportPolicy = field(default_factory=ImportPolicy)
    # Wakes this process's import worker when a job is queued (None: the worker polls).
    import_wake: Callable[[], None] | None = None
    import_files: ImportFiles | None = None  # reads uploads and writes templates
    # Called before /metrics renders, to refresh gauges read from the database.
    metric_refreshers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    promise_grace_days: int = 0  # days after the promised date a payment still keeps a promise
    jobs: JobRunner | None = None  # runs a scheduled job now (the admin's run-now)
    worklist_weights: Weights = field(default_factory=Weights)  # HUIKUAN_WORKLIST_WEIGHTS
    destinations: DestinationPolicy = field(default_factory=DestinationPolicy)  # HUIKUAN_WEBHOOK_*
    default_currency: str = "CNY"  # HUIKUAN_DEFAULT_CURRENCY
    company_name: str = "Huikuan"  # HUIKUAN_COMPANY_NAME: the creditor on statements
    limitation_years: int = 3  # HUIKUAN_LIMITATION_YEARS
    limitation_warn_days: tuple[int, ...] = (180, 90, 30)  # HUIKUAN_LIMITATION_WARN_DAYS
    # Asked by the routes of gated actions (HUIKUAN_APPROVAL_EXPIRE_DAYS).
    gate: ApprovalGate = field(default_factory=ControlsGate)
    # Who the role approvers are (org_unit_manager: the manager of the subject's org unit).
    approvers: ApproverDirectory = field(default_factory=OrgUnitManagers)
    locale: Locale = "zh-CN"  # HUIKUAN_LOCALE: HTML reports and generated task titles
    unbilled_after_days: int = 7  # HUIKUAN_UNBILLED_AFTER_DAYS

    def context(self, actor: Actor) -> Context:
        return Context(
            clock=self.clock,
            ids=self.ids,
            actor=actor,
            promise_grace_days=self.promise_grace_days,
            destinations=self.destinations,
            default_currency=self.default_currency,
            locale=self.locale,
            unbilled_after_days=self.unbilled_after_days,
            limitation_years=self.limitation_years,
            limitation_warn_days=self.limitation_warn_days,
        )
