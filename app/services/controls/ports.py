"""Ports of controls: the approval policy and requests, the audit trail as read and kept,
who may approve, and the unit of work controls runs in (the gated contexts' repositories
included: an approved request runs its action in the approving transaction)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from app.domain.controls.approvals import ApprovalPolicy, ApprovalRequest, ApprovalStatus
from app.domain.controls.audit import AuditEntry
from app.services.collection.ports import CollectionUnitOfWork
from app.services.organisation.ports import SubjectUnits
from app.services.pagination import PageRequest


class ApprovalPolicyRepository(Protocol):
    async def get(self) -> ApprovalPolicy:
        """The policy; the empty one (version 0) until one is saved."""

    async def save(self, policy: ApprovalPolicy, expected_version: int) -> None:
        """Raises StaleVersion when the stored version is not ``expected_version``."""


@dataclass(frozen=True, slots=True)
class ApprovalRequestFilter:
    status: ApprovalStatus | None = None
    action: str | None = None
    requested_by: str | None = None


class ApprovalRequestRepository(Protocol):
    async def add(self, request: ApprovalRequest) -> None: ...

    async def get(self, request_id: UUID, *, lock: bool = False) -> ApprovalRequest | None:
        """``lock``: FOR UPDATE, so that concurrent decisions on one request take turns."""

    async def save(self, request: ApprovalRequest) -> None: ...

    async def due_for_expiry(self, now: datetime, limit: int) -> Sequence[ApprovalRequest]:
        """Pending requests past their expiry, locked; rows another transaction holds are
        skipped (SKIP LOCKED), so two replicas never expire one request twice."""


class ApprovalRequestQueries(Protocol):
    async def list(
        self, filters: ApprovalRequestFilter, page: PageRequest
    ) -> Sequence[ApprovalRequest]:
        """Newest first by (requested_at, id); ``page.fetch`` rows."""


@dataclass(frozen=True, slots=True)
class AuditFilter:
    subject: str | None = None
    actor: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True, slots=True)
class AuditRow:
    entry: AuditEntry
    cursor: tuple[int, int]  # (xid, position): the order no late commit can slip behind


class AuditLog(Protocol):
    async def read(
        self, filters: AuditFilter, after: tuple[int, int] | None, limit: int
    ) -> Sequence[AuditRow]:
        """Entries oldest first, in (xid, position) order, as the event feed reads."""

    async def delete_before(self, cutoff: datetime, limit: int) -> int:
        """The retention job's batch: entries older than ``cutoff``; the only delete the
        table's trigger lets through."""


class ApproverDirectory(Protocol):
    """Resolves the role approvers (``org_unit_manager``) of a request; user ids named in
    a rule need no resolution. ``roles``: the roles it can resolve (a policy naming
    another is 422)."""

    @property
    def roles(self) -> frozenset[str]: ...

    async def managers_of(
        self, uow: ControlsUnitOfWork, request: ApprovalRequest
    ) -> frozenset[str]: ...


class NoOrganisation:
    """Without org units: no role resolves, so rules name user ids only."""

    @property
    def roles(self) -> frozenset[str]:
        return frozenset()

    async def managers_of(
        self,
        uow: ControlsUnitOfWork,  # noqa: ARG002
        request: ApprovalRequest,  # noqa: ARG002
    ) -> frozenset[str]:
        return frozenset()


class ControlsUnitOfWork(CollectionUnitOfWork, Protocol):
    @property
    def subject_units(self) -> SubjectUnits: ...

    @property
    def approval_policy(self) -> ApprovalPolicyRepository: ...

    @property
    def approval_requests(self) -> ApprovalRequestRepository: ...

    @property
    def approval_request_queries(self) -> ApprovalRequestQueries: ...

    @property
    def audit_log(self) -> AuditLog: ...


class ControlsUnitOfWorkFactory(Protocol):
    def __call__(self) -> ControlsUnitOfWork: ...
