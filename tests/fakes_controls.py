"""Fakes of controls' ports: the approval policy and requests in memory; the audit log and
request lists are read on PostgreSQL only (tests/e2e, tests/integration)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from app.domain.controls.approvals import ApprovalPolicy, ApprovalRequest, ApprovalStatus
from app.domain.errors import StaleVersion
from app.services.controls.ports import ApprovalRequestFilter, AuditFilter, AuditRow
from app.services.pagination import PageRequest
from tests.fakes_lists import not_faked


class FakeApprovalPolicyRepository:
    def __init__(self) -> None:
        self.rows: dict[int, ApprovalPolicy] = {}  # one row, id 1, like the table

    async def get(self) -> ApprovalPolicy:
        return self.rows.get(1, ApprovalPolicy())

    async def save(self, policy: ApprovalPolicy, expected_version: int) -> None:
        if (await self.get()).version != expected_version:
            raise StaleVersion("approval policy", expected_version)
        self.rows[1] = policy


class FakeApprovalRequestRepository:
    def __init__(self) -> None:
        self.rows: dict[UUID, ApprovalRequest] = {}

    async def add(self, request: ApprovalRequest) -> None:
        self.rows[request.id] = request

    async def get(self, request_id: UUID, *, lock: bool = False) -> ApprovalRequest | None:
        return self.rows.get(request_id)

    async def save(self, request: ApprovalRequest) -> None:
        self.rows[request.id] = request

    async def due_for_expiry(self, now: datetime, limit: int) -> Sequence[ApprovalRequest]:
        due = [
            r
            for r in self.rows.values()
            if r.status is ApprovalStatus.PENDING and r.expires_at <= now
        ]
        return sorted(due, key=lambda r: r.expires_at)[:limit]


class FakeApprovalRequestQueries:
    async def list(
        self, filters: ApprovalRequestFilter, page: PageRequest
    ) -> Sequence[ApprovalRequest]:
        raise not_faked("approval_request_queries.list")


class FakeAuditLog:
    async def read(
        self, filters: AuditFilter, after: tuple[int, int] | None, limit: int
    ) -> Sequence[AuditRow]:
        raise not_faked("audit_log.read")

    async def delete_before(self, cutoff: datetime, limit: int) -> int:
        raise not_faked("audit_log.delete_before")
