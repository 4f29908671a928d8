"""Webhook deliveries in PostgreSQL, as the API reads and retries them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import and_, select, text, update
from sqlalchemy.engine import RowMapping

from app.adapters.db.connection import Executor
from app.adapters.db.delivery.models import webhook_deliveries
from app.domain.delivery.delivery import DeliveryAttempt, DeliveryStatus, WebhookDelivery
from app.domain.events import rfc3339
from app.services.pagination import PageRequest

# The unit of work's channel (uow.OUTBOX_CHANNEL, which imports this module).
WAKE_RELAYS = text("SELECT pg_notify('huikuan_outbox', '')")


def attempt_json(attempt: DeliveryAttempt) -> dict[str, Any]:
    return {
        "attempt": attempt.number,
        "at": rfc3339(attempt.at),
        "duration_ms": attempt.duration_ms,
        "status_code": attempt.status_code,
        "error": attempt.error,
        "next_attempt_at": rfc3339(attempt.next_attempt_at) if attempt.next_attempt_at else None,
    }


def attempt_from_json(item: dict[str, Any]) -> DeliveryAttempt:
    following = item.get("next_attempt_at")
    return DeliveryAttempt(
        number=item["attempt"],
        at=datetime.fromisoformat(item["at"]),
        duration_ms=item["duration_ms"],
        status_code=item.get("status_code"),
        error=item.get("error"),
        next_attempt_at=datetime.fromisoformat(following) if following else None,
    )


def delivery_from_row(row: RowMapping) -> WebhookDelivery:
    return WebhookDelivery(
        id=row["id"],
        endpoint_id=row["endpoint_id"],
        event_id=row["event_id"],
        event_type=row["event_type"],
        status=DeliveryStatus(row["status"]),
        attempt_count=row["attempt_count"],
        allowed_attempts=row["allowed_attempts"],
        next_attempt_at=row["next_attempt_at"],
        delivered_at=row["delivered_at"],
        last_status_code=row["last_status_code"],
        last_error=row["last_error"],
        attempts=tuple(attempt_from_json(a) for a in row["attempts"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


class SqlWebhookDeliveryRepository:
    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def get(self, delivery_id: UUID) -> WebhookDelivery | None:
        query = select(webhook_deliveries).where(webhook_deliveries.c.id == delivery_id)
        row = (await self.conn.execute(query)).mappings().first()
        return delivery_from_row(row) if row else None

    async def reschedule(self, delivery: WebhookDelivery) -> None:
        table = webhook_deliveries
        await self.conn.execute(
            update(table)
            .where(table.c.id == delivery.id)
            .values(
                status=delivery.status.value,
                allowed_attempts=delivery.allowed_attempts,
                next_attempt_at=delivery.next_attempt_at,
                updated_at=delivery.updated_at,
            )
        )
        await self.conn.execute(WAKE_RELAYS)  # delivered at commit, like the outbox's

    async def fail_pending(self, endpoint_id: UUID, reason: str, now: datetime) -> int:
        """Also drops the leases, so that attempts in flight are not written back."""
        table = webhook_deliveries
        statement = (
            update(table)
            .where(and_(table.c.endpoint_id == endpoint_id, table.c.status == "pending"))
            .values(
                status="failed",
                next_attempt_at=None,
                last_error=reason,
                leased_until=None,
                lease_token=None,
                updated_at=now,
            )
        )
        return int((await self.conn.execute(statement)).rowcount)


class SqlWebhookDeliveryQueries:
    """The read side of webhook deliveries: lists (tested on PostgreSQL, not faked)."""

    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def list_for_endpoint(
        self, endpoint_id: UUID, *, status: DeliveryStatus | None, page: PageRequest
    ) -> Sequence[WebhookDelivery]:
        table = webhook_deliveries
        query = (
            select(table)
            .where(table.c.endpoint_id == endpoint_id)
            .order_by(table.c.id.desc())
            .limit(page.fetch)
        )
        if status is not None:
            query = query.where(table.c.status == status.value)
        if page.after:
            query = query.where(table.c.id < page.after_uuid())
        rows = (await self.conn.execute(query)).mappings().all()
        return [delivery_from_row(r) for r in rows]
