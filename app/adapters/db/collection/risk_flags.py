"""Risk flags in PostgreSQL.

"At most one active flag per subject and kind" is the partial unique index
``uq_risk_flags_active_subject_type_subject_id_kind``: a second manual flag is a 409, and
rules upsert against it (``INSERT ... ON CONFLICT ... DO UPDATE``), so concurrent raisers
end with one flag at the highest severity any of them asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, func, insert, select, text, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError

from app.adapters.db.collection.models import risk_flags as table
from app.adapters.db.collection.statuses import ACTIVE, ACTIVE_FLAG_SQL
from app.adapters.db.connection import Executor
from app.adapters.db.errors import translate_integrity_error
from app.adapters.db.metadata import column_list, columns_of, element_type
from app.domain.collection.risk import (
    RiskFlag,
    RiskKind,
    RiskSource,
    RiskStatus,
    Severity,
    Subject,
    SubjectType,
)
from app.domain.customers.customers import RiskSummary
from app.domain.errors import Conflict, StaleVersion
from app.services.collection.ports import RiskFlagFilter, RuleRaise
from app.services.pagination import PageRequest

UNIQUE_ACTIVE = "uq_risk_flags_active_subject_type_subject_id_kind"


def flag_row(flag: RiskFlag) -> dict[str, Any]:
    return {
        "id": flag.id,
        "subject_type": flag.subject.type.value,
        "subject_id": flag.subject.id,
        "customer_id": flag.customer_id,
        "kind": flag.kind.value,
        "severity": int(flag.severity),
        "status": flag.status.value,
        "source": flag.source.value,
        "rule": flag.rule,
        "description": flag.description,
        "mitigation_plan": flag.mitigation_plan,
        "owner": flag.owner,
        "resolution_note": flag.resolution_note,
        "resolved_at": flag.resolved_at,
        "version": flag.version,
        "created_at": flag.created_at,
        "updated_at": flag.updated_at,
    }


def flag_from_row(row: RowMapping) -> RiskFlag:
    return RiskFlag(
        id=row["id"],
        subject=Subject(SubjectType(row["subject_type"]), row["subject_id"]),
        customer_id=row["customer_id"],
        kind=RiskKind(row["kind"]),
        severity=Severity(row["severity"]),
        status=RiskStatus(row["status"]),
        source=RiskSource(row["source"]),
        rule=row["rule"],
        description=row["description"],
        mitigation_plan=row["mitigation_plan"],
        owner=row["owner"],
        resolution_note=row["resolution_note"],
        resolved_at=row["resolved_at"],
        version=row["version"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


# One statement for any number of flags (arrays, so that it compiles once): insert, or raise
# the severity of the subject's active flag of the kind when the new one is higher.
_RAISE_COLUMNS = columns_of(table, without=("escalated_from",))
_RAISE_ARRAYS = ", ".join(f"CAST(:{c.name} AS {element_type(c)}[])" for c in _RAISE_COLUMNS)
_RAISE_BY_RULE = text(
    f"""
    INSERT INTO risk_flags ({column_list(_RAISE_COLUMNS)})
    SELECT * FROM unnest({_RAISE_ARRAYS})
    ON CONFLICT (subject_type, subject_id, kind) WHERE {ACTIVE_FLAG_SQL}
    DO UPDATE SET severity = EXCLUDED.severity, escalated_from = risk_flags.severity,
        version = risk_flags.version + 1, updated_at = EXCLUDED.updated_at
    WHERE EXCLUDED.severity > risk_flags.severity
    RETURNING risk_flags.*, (xmax = 0) AS inserted
    """
)


def _translate(exc: IntegrityError, flag: RiskFlag) -> Exception:
    mapping = {
        UNIQUE_ACTIVE: lambda: Conflict(
            f"the {flag.subject.type.value} already has an active {flag.kind.value} flag; "
            "change that one instead"
        )
    }
    return translate_integrity_error(exc, mapping) or exc


class SqlRiskFlagRepository:
    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def add(self, flag: RiskFlag) -> None:
        try:
            await self.conn.execute(insert(table).values(flag_row(flag)))
        except IntegrityError as exc:
            raise _translate(exc, flag) from exc

    async def get(self, flag_id: UUID) -> RiskFlag | None:
        query = select(table).where(table.c.id == flag_id)
        found = (await self.conn.execute(query)).mappings().first()
        return flag_from_row(found) if found else None

    async def save(self, flag: RiskFlag, expected_version: int) -> None:
        values = flag_row(flag)
        for fixed in ("id", "created_at", "subject_type", "subject_id", "customer_id", "kind"):
            del values[fixed]
        statement = (
            update(table)
            .where(table.c.id == flag.id, table.c.version == expected_version)
            .values(values)
            .returning(table.c.version)
        )
        try:
            written = (await self.conn.execute(statement)).scalar_one_or_none()
        except IntegrityError as exc:
            raise _translate(exc, flag) from exc
        if written is None:
            raise StaleVersion("risk flag", expected_version)

    async def raise_by_rule(self, flag: RiskFlag) -> RuleRaise | None:
        raised = await self.raise_many_by_rule([flag])
        return raised[0] if raised else None

    async def raise_many_by_rule(self, flags: Sequence[RiskFlag]) -> Sequence[RuleRaise]:
        if not flags:
            return []
        rows = [flag_row(f) for f in flags]
        params = {c.name: [r[c.name] for r in rows] for c in _RAISE_COLUMNS}
        # Rows with an active flag at this severity or higher come back empty: nothing to do.
        raised = []
        for row in (await self.conn.execute(_RAISE_BY_RULE, params)).mappings():
            previous = None if row["inserted"] else Severity(row["escalated_from"])
            raised.append(RuleRaise(flag_from_row(row), previous))
        return raised

    async def active(self, subject: Subject, kind: RiskKind) -> RiskFlag | None:
        query = select(table).where(
            table.c.subject_type == subject.type.value,
            table.c.subject_id == subject.id,
            table.c.kind == kind.value,
            table.c.status.in_(ACTIVE),
        )
        found = (await self.conn.execute(query)).mappings().first()
        return flag_from_row(found) if found else None


class SqlRiskFlagQueries:
    """The read side of risk flags: lists (tested on PostgreSQL, not faked), and the
    customer's risk summary (the fake answers it too; tests/contract holds it to this)."""

    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def list(self, filters: RiskFlagFilter, page: PageRequest) -> Sequence[RiskFlag]:
        conditions: list[ColumnElement[bool]] = []
        if filters.customer_id is not None:
            conditions.append(table.c.customer_id == filters.customer_id)
        if filters.subject_type is not None:
            conditions.append(table.c.subject_type == filters.subject_type.value)
        if filters.subject_id is not None:
            conditions.append(table.c.subject_id == filters.subject_id)
        if filters.kind is not None:
            conditions.append(table.c.kind == filters.kind.value)
        if filters.status is not None:
            conditions.append(table.c.status == filters.status.value)
        if filters.active is not None:
            active = table.c.status.in_(ACTIVE)
            conditions.append(active if filters.active else ~active)
        if filters.min_severity is not None:
            conditions.append(table.c.severity >= int(filters.min_severity))
        if page.after:
            conditions.append(table.c.id > page.after_uuid())
        query = select(table).where(*conditions).order_by(table.c.id).limit(page.fetch)
        return [flag_from_row(r) for r in (await self.conn.execute(query)).mappings()]

    async def summary(self, customer_id: UUID) -> RiskSummary:
        query = select(func.count(), func.max(table.c.severity)).where(
            table.c.customer_id == customer_id, table.c.status.in_(ACTIVE)
        )
        count, highest = (await self.conn.execute(query)).one()
        return RiskSummary(int(count), None if highest is None else Severity(highest))
