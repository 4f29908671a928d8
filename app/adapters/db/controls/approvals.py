"""The approval policy (one row, id 1, versioned) and approval requests in PostgreSQL."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from app.adapters.db.connection import Executor
from app.adapters.db.controls.models import approval_policy, approval_requests
from app.domain.controls.approvals import (
    ApprovalPolicy,
    ApprovalRequest,
    ApprovalRule,
    ApprovalStatus,
    Decision,
    Verdict,
)
from app.domain.errors import StaleVersion
from app.domain.events import rfc3339
from app.domain.money import Money
from app.services.controls.documents import rule_document
from app.services.controls.ports import ApprovalRequestFilter
from app.services.pagination import PageRequest

ROW_ID = 1


def _rule(item: Mapping[str, Any]) -> ApprovalRule:
    threshold = None
    if item.get("min_amount") is not None:
        threshold = Money.of(item["min_amount"], item["currency"])
    return ApprovalRule(item["action"], tuple(item["approvers"]), item["required"], threshold)


class SqlApprovalPolicyRepository:
    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def get(self) -> ApprovalPolicy:
        query = select(approval_policy).where(approval_policy.c.id == ROW_ID)
        row = (await self.conn.execute(query)).mappings().first()
        if row is None:
            return ApprovalPolicy()
        return ApprovalPolicy(
            rules=tuple(_rule(r) for r in row["rules"]),
            version=row["version"],
            updated_at=row["updated_at"],
            updated_by=row["updated_by"],
        )

    async def save(self, policy: ApprovalPolicy, expected_version: int) -> None:
        values = {
            "rules": [rule_document(r) for r in policy.rules],
            "version": policy.version,
            "updated_at": policy.updated_at,
            "updated_by": policy.updated_by,
        }
        statement = (
            pg_insert(approval_policy)
            .values(id=ROW_ID, **values)
            .on_conflict_do_update(
                index_elements=[approval_policy.c.id],
                set_=values,
                where=approval_policy.c.version == expected_version,
            )
            .returning(approval_policy.c.version)
        )
        if (await self.conn.execute(statement)).scalar_one_or_none() is None:
            raise StaleVersion("approval policy", expected_version)


def _decisions(request: ApprovalRequest) -> list[dict[str, Any]]:
    return [
        {"by": d.by, "at": rfc3339(d.at), "decision": d.decision.value, "comment": d.comment}
        for d in request.decisions
    ]


def _request(row: Mapping[str, Any]) -> ApprovalRequest:
    stake = None
    if row["stake_amount"] is not None:
        stake = Money.of(row["stake_amount"], row["stake_currency"])
    return ApprovalRequest(
        id=row["id"],
        action=row["action"],
        subject=row["subject"],
        payload=row["payload"],
        stake=stake,
        requested_by=row["requested_by"],
        requested_key=row["requested_key"],
        requested_at=row["requested_at"],
        expires_at=row["expires_at"],
        approvers=tuple(row["approvers"]),
        required=row["required"],
        status=ApprovalStatus(row["status"]),
        decisions=tuple(
            Decision(d["by"], datetime.fromisoformat(d["at"]), Verdict(d["decision"]), d["comment"])
            for d in row["decisions"]
        ),
        result=row["result"],
        version=row["version"],
    )


class SqlApprovalRequestRepository:
    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def add(self, request: ApprovalRequest) -> None:
        await self.conn.execute(
            approval_requests.insert().values(
                id=request.id,
                action=request.action,
                subject=request.subject,
                payload=request.payload,
                stake_amount=request.stake.amount if request.stake else None,
                stake_currency=request.stake.currency if request.stake else None,
                requested_by=request.requested_by,
                requested_key=request.requested_key,
                requested_at=request.requested_at,
                expires_at=request.expires_at,
                approvers=list(request.approvers),
                required=request.required,
                status=request.status.value,
                decisions=_decisions(request),
                result=request.result,
                version=request.version,
            )
        )

    async def get(self, request_id: UUID, *, lock: bool = False) -> ApprovalRequest | None:
        query = select(approval_requests).where(approval_requests.c.id == request_id)
        if lock:
            query = query.with_for_update()
        row = (await self.conn.execute(query)).mappings().first()
        return _request(row) if row is not None else None

    async def save(self, request: ApprovalRequest) -> None:
        await self.conn.execute(
            update(approval_requests)
            .where(approval_requests.c.id == request.id)
            .values(
                status=request.status.value,
                decisions=_decisions(request),
                result=request.result,
                version=request.version,
            )
        )

    async def due_for_expiry(self, now: datetime, limit: int) -> Sequence[ApprovalRequest]:
        query = (
            select(approval_requests)
            .where(
                approval_requests.c.status == ApprovalStatus.PENDING.value,
                approval_requests.c.expires_at <= now,
            )
            .order_by(approval_requests.c.expires_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [_request(r) for r in (await self.conn.execute(query)).mappings().all()]


class SqlApprovalRequestQueries:
    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def list(
        self, filters: ApprovalRequestFilter, page: PageRequest
    ) -> Sequence[ApprovalRequest]:
        t = approval_requests
        query = select(t)
        if filters.status is not None:
            query = query.where(t.c.status == filters.status.value)
        if filters.action is not None:
            query = query.where(t.c.action == filters.action)
        if filters.requested_by is not None:
            query = query.where(t.c.requested_by == filters.requested_by)
        if page.after is not None:
            at, last = datetime.fromisoformat(str(page.after[0])), page.after_uuid(1)
            query = query.where(
                or_(t.c.requested_at < at, and_(t.c.requested_at == at, t.c.id < last))
            )
        query = query.order_by(t.c.requested_at.desc(), t.c.id.desc()).limit(page.fetch)
        return [_request(r) for r in (await self.conn.execute(query)).mappings().all()]
