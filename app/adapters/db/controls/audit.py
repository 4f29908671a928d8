"""The audit trail as read and kept. Entries are inserted by the unit of work
(``app/adapters/db/uow.py``) with each change's outbox event.

Reads go in (xid, position) order below the oldest running transaction, as the event feed
does (``app/adapters/db/delivery/outbox.py``): a page's cursor never has a later commit
land behind it. The retention delete sets ``huikuan.audit_purge_before`` for its
transaction, the one setting under which the append-only trigger lets a row go.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import JSONB

from app.adapters.db.connection import Executor
from app.adapters.db.controls.models import audit_log
from app.adapters.db.metadata import column_list, columns_of
from app.domain.controls.audit import AuditEntry
from app.services.controls.ports import AuditFilter, AuditRow

COLUMNS = column_list(columns_of(audit_log))

_DELETE = text(
    "DELETE FROM audit_log WHERE position IN ("
    "SELECT position FROM audit_log WHERE at < :cutoff ORDER BY position LIMIT :limit)"
)


class SqlAuditLog:
    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def read(
        self, filters: AuditFilter, after: tuple[int, int] | None, limit: int
    ) -> Sequence[AuditRow]:
        conditions = ["xid < pg_snapshot_xmin(pg_current_snapshot())"]
        params: dict[str, Any] = {"limit": limit}
        if after is not None:
            conditions.append("(xid, position) > (CAST(:xid AS xid8), :position)")
            params.update(xid=after[0], position=after[1])
        for name, column in (("subject", "subject"), ("actor", "actor"), ("action", "action")):
            value = getattr(filters, name)
            if value is not None:
                conditions.append(f"{column} = :{name}")
                params[name] = value
        if filters.since is not None:
            conditions.append("at >= :since")
            params["since"] = filters.since
        if filters.until is not None:
            conditions.append("at < :until")
            params["until"] = filters.until
        query = text(
            f"SELECT {COLUMNS} FROM audit_log WHERE {' AND '.join(conditions)} "
            "ORDER BY xid, position LIMIT :limit"
        ).columns(changes=JSONB)
        rows = (await self.conn.execute(query, params)).mappings().all()
        return [
            AuditRow(
                entry=AuditEntry(
                    id=r["id"],
                    at=r["at"],
                    actor=r["actor"],
                    key_name=r["key_name"],
                    request_id=r["request_id"],
                    action=r["action"],
                    subject=r["subject"],
                    changes=r["changes"],
                ),
                cursor=(int(r["xid"]), r["position"]),
            )
            for r in rows
        ]

    async def delete_before(self, cutoff: datetime, limit: int) -> int:
        # set_config(..., true): for this transaction only.
        await self.conn.execute(
            text("SELECT set_config('huikuan.audit_purge_before', :cutoff, true)"),
            {"cutoff": cutoff.isoformat()},
        )
        return int((await self.conn.execute(_DELETE, {"cutoff": cutoff, "limit": limit})).rowcount)
