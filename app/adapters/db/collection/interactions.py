"""Interactions in PostgreSQL (the promise made in one is in ``promises``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import Select, insert, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError

from app.adapters.db.collection.models import interactions as table
from app.adapters.db.collection.models import promises
from app.adapters.db.connection import Executor
from app.adapters.db.errors import translate_integrity_error
from app.domain.collection.interactions import Channel, Interaction
from app.domain.errors import UnknownReference
from app.domain.evidence import evidence_documents, evidence_links
from app.services.pagination import PageRequest


def interaction_row(interaction: Interaction) -> dict[str, Any]:
    return {
        "id": interaction.id,
        "customer_id": interaction.customer_id,
        "invoice_id": interaction.invoice_id,
        "channel": interaction.channel.value,
        "occurred_at": interaction.occurred_at,
        "summary": interaction.summary,
        "outcome": interaction.outcome,
        "recorded_by": interaction.recorded_by,
        "recorded_by_user": interaction.recorded_by_user,
        "created_at": interaction.created_at,
        "demand": interaction.demand,
        "evidence": evidence_documents(interaction.evidence),
    }


def interaction_from_row(row: RowMapping) -> Interaction:
    return Interaction(
        id=row["id"],
        customer_id=row["customer_id"],
        invoice_id=row["invoice_id"],
        channel=Channel(row["channel"]),
        occurred_at=row["occurred_at"],
        summary=row["summary"],
        outcome=row["outcome"],
        recorded_by=row["recorded_by"],
        recorded_by_user=row["recorded_by_user"],
        created_at=row["created_at"],
        promise_id=row["promise_id"],
        demand=row["demand"],
        evidence=evidence_links(row["evidence"]),
    )


def _select() -> Select[Any]:
    return select(table, promises.c.id.label("promise_id")).select_from(
        table.outerjoin(promises, promises.c.interaction_id == table.c.id)
    )


class SqlInteractionRepository:
    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def add(self, interaction: Interaction) -> None:
        mapping = {
            "fk_interactions_customer_id_customers": lambda: UnknownReference(
                "customer", interaction.customer_id, ("customer_id",)
            ),
            "fk_interactions_invoice_id_invoices": lambda: UnknownReference(
                "invoice", interaction.invoice_id, ("invoice_id",)
            ),
        }
        try:
            await self.conn.execute(insert(table).values(interaction_row(interaction)))
        except IntegrityError as exc:
            raise (translate_integrity_error(exc, mapping) or exc) from exc

    async def get(self, interaction_id: UUID) -> Interaction | None:
        found = (
            (await self.conn.execute(_select().where(table.c.id == interaction_id)))
            .mappings()
            .first()
        )
        return interaction_from_row(found) if found else None


class SqlInteractionQueries:
    """The read side of interactions: lists (tested on PostgreSQL, not faked)."""

    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def list(
        self, *, customer_id: UUID | None, invoice_id: UUID | None, page: PageRequest
    ) -> Sequence[Interaction]:
        query = _select().order_by(table.c.id).limit(page.fetch)
        if customer_id is not None:
            query = query.where(table.c.customer_id == customer_id)
        if invoice_id is not None:
            query = query.where(table.c.invoice_id == invoice_id)
        if page.after:
            query = query.where(table.c.id > page.after_uuid())
        return [interaction_from_row(r) for r in (await self.conn.execute(query)).mappings()]
