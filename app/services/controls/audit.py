"""The audit trail as read (``GET /v1/audit-log``) and kept (the ``audit-retention`` job).

Entries are written by the unit of work with each change's outbound event
(``app/domain/controls/audit.py``); nothing here writes one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from app.domain.controls.audit import AuditEntry
from app.domain.errors import ValidationFailed
from app.services.context import Clock
from app.services.controls.ports import AuditFilter, ControlsUnitOfWork
from app.services.pagination import decode_cursor, encode_cursor


@dataclass(frozen=True, slots=True)
class AuditPage:
    entries: list[AuditEntry]
    next_cursor: str | None


def _after(cursor: str | None) -> tuple[int, int] | None:
    if cursor is None:
        return None
    value = decode_cursor(cursor)
    if len(value) != 2 or not all(isinstance(v, int) and v >= 0 for v in value):
        raise ValidationFailed("cursor is not one this service issued", ("query", "cursor"))
    return int(value[0]), int(value[1])


async def read_audit_log(
    uow: ControlsUnitOfWork, filters: AuditFilter, cursor: str | None, limit: int
) -> AuditPage:
    """Oldest first. The cursor is the last entry's (xid, position), as in the event feed:
    an entry committed later never lands behind a page already read."""
    if filters.since and filters.until and filters.since > filters.until:
        raise ValidationFailed("from must not be after to", ("query", "from"))
    rows = await uow.audit_log.read(filters, _after(cursor), limit + 1)
    kept = list(rows[:limit])
    more = len(rows) > limit
    return AuditPage(
        entries=[r.entry for r in kept],
        next_cursor=encode_cursor(kept[-1].cursor) if more and kept else None,
    )


async def delete_expired_entries(
    uow: ControlsUnitOfWork, clock: Clock, retention_days: int, limit: int
) -> int:
    """One batch of the ``audit-retention`` job; nothing when the retention is 0 (forever)."""
    if retention_days <= 0:
        return 0
    return await uow.audit_log.delete_before(clock.now() - timedelta(days=retention_days), limit)
