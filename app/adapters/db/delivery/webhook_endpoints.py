"""Webhook endpoints in PostgreSQL. Secrets are stored as given: the relay signs with them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import RowMapping

from app.adapters.db.connection import Executor
from app.adapters.db.delivery.models import webhook_endpoints
from app.domain.delivery.chat import EndpointFormat
from app.domain.delivery.webhooks import WebhookEndpoint
from app.domain.errors import StaleVersion
from app.services.pagination import PageRequest


def endpoint_row(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "id": endpoint.id,
        "url": endpoint.url,
        "event_types": list(endpoint.event_types),
        "description": endpoint.description,
        "enabled": endpoint.enabled,
        "disabled_reason": endpoint.disabled_reason,
        "secret": endpoint.secret,
        "previous_secret": endpoint.previous_secret,
        "previous_secret_expires_at": endpoint.previous_secret_expires_at,
        "failing_since": endpoint.failing_since,
        "format": endpoint.format.value,
        "version": endpoint.version,
        "created_at": endpoint.created_at,
        "updated_at": endpoint.updated_at,
    }


def endpoint_from_row(row: RowMapping) -> WebhookEndpoint:
    return WebhookEndpoint(
        id=row["id"],
        url=row["url"],
        event_types=tuple(row["event_types"]),
        description=row["description"],
        enabled=row["enabled"],
        disabled_reason=row["disabled_reason"],
        secret=row["secret"],
        previous_secret=row["previous_secret"],
        previous_secret_expires_at=row["previous_secret_expires_at"],
        failing_since=row["failing_since"],
        format=EndpointFormat(row["format"]),
        version=row["version"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


class SqlWebhookEndpointRepository:
    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def add(self, endpoint: WebhookEndpoint) -> None:
        await self.conn.execute(insert(webhook_endpoints).values(endpoint_row(endpoint)))

    async def get(self, endpoint_id: UUID) -> WebhookEndpoint | None:
        query = select(webhook_endpoints).where(webhook_endpoints.c.id == endpoint_id)
        row = (await self.conn.execute(query)).mappings().first()
        return endpoint_from_row(row) if row else None

    async def save(self, endpoint: WebhookEndpoint, expected_version: int) -> None:
        values = endpoint_row(endpoint)
        # The failure streak belongs to the relay (mark_failing / mark_healthy), not to edits.
        del values["id"], values["created_at"], values["failing_since"]
        statement = (
            update(webhook_endpoints)
            .where(
                webhook_endpoints.c.id == endpoint.id,
                webhook_endpoints.c.version == expected_version,
            )
            .values(values)
            .returning(webhook_endpoints.c.version)
        )
        if (await self.conn.execute(statement)).scalar_one_or_none() is None:
            raise StaleVersion("webhook endpoint", expected_version)

    async def delete(self, endpoint_id: UUID) -> bool:
        statement = delete(webhook_endpoints).where(webhook_endpoints.c.id == endpoint_id)
        return bool((await self.conn.execute(statement)).rowcount > 0)

    async def mark_failing(
        self, endpoint_ids: Sequence[UUID], at: datetime
    ) -> dict[UUID, datetime]:
        table = webhook_endpoints
        statement = (
            update(table)
            .where(table.c.id.in_(endpoint_ids), table.c.enabled)
            .values(failing_since=func.coalesce(table.c.failing_since, at))  # keeps the start
            .returning(table.c.id, table.c.failing_since)
        )
        rows = (await self.conn.execute(statement)).all()
        return {row.id: row.failing_since for row in rows}

    async def mark_healthy(self, endpoint_ids: Sequence[UUID]) -> None:
        table = webhook_endpoints
        await self.conn.execute(
            update(table)
            .where(table.c.id.in_(endpoint_ids), table.c.failing_since.is_not(None))
            .values(failing_since=None)
        )


class SqlWebhookEndpointQueries:
    """The read side of webhook endpoints: lists (tested on PostgreSQL, not faked)."""

    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def list(self, *, enabled: bool | None, page: PageRequest) -> Sequence[WebhookEndpoint]:
        query = select(webhook_endpoints).order_by(webhook_endpoints.c.id).limit(page.fetch)
        if enabled is not None:
            query = query.where(webhook_endpoints.c.enabled == enabled)
        if page.after:
            query = query.where(webhook_endpoints.c.id > page.after_uuid())
        rows = (await self.conn.execute(query)).mappings().all()
        return [endpoint_from_row(r) for r in rows]
