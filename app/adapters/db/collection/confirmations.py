"""Balance confirmations and legal actions in PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError

from app.adapters.db.collection.models import balance_confirmations, legal_actions
from app.adapters.db.connection import Executor
from app.adapters.db.errors import translate_integrity_error
from app.domain.collection.confirmations import Confirmation, ConfirmationStatus, LegalAction
from app.domain.errors import StaleVersion, UnknownReference
from app.domain.evidence import evidence_documents, evidence_links
from app.domain.money import Money
from app.services.pagination import PageRequest


def confirmation_row(c: Confirmation) -> dict[str, Any]:
    return {
        "id": c.id,
        "customer_id": c.customer_id,
        "currency": c.currency,
        "as_of": c.as_of,
        "book_balance": c.book_balance.amount,
        "status": c.status.value,
        "confirmed_balance": None if c.confirmed_balance is None else c.confirmed_balance.amount,
        "confirmed_on": c.confirmed_on,
        "confirmed_by": c.confirmed_by,
        "note": c.note,
        "evidence": evidence_documents(c.evidence),
        "version": c.version,
        "created_by": c.created_by,
        "created_at": c.created_at,
        "updated_at": c.updated_at,
    }


def confirmation_from_row(row: RowMapping) -> Confirmation:
    currency = row["currency"]
    confirmed = row["confirmed_balance"]
    return Confirmation(
        id=row["id"],
        customer_id=row["customer_id"],
        as_of=row["as_of"],
        book_balance=Money.of(row["book_balance"], currency),
        status=ConfirmationStatus(row["status"]),
        confirmed_balance=None if confirmed is None else Money.of(confirmed, currency),
        confirmed_on=row["confirmed_on"],
        confirmed_by=row["confirmed_by"],
        note=row["note"],
        evidence=evidence_links(row["evidence"]),
        version=row["version"],
        created_by=row["created_by"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


class SqlConfirmationRepository:
    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def add(self, confirmation: Confirmation) -> None:
        mapping = {
            "fk_balance_confirmations_customer_id_customers": lambda: UnknownReference(
                "customer", confirmation.customer_id
            )
        }
        try:
            statement = insert(balance_confirmations).values(confirmation_row(confirmation))
            await self.conn.execute(statement)
        except IntegrityError as exc:
            raise (translate_integrity_error(exc, mapping) or exc) from exc

    async def _get(
        self, customer_id: UUID, confirmation_id: UUID, lock: bool
    ) -> Confirmation | None:
        query = select(balance_confirmations).where(
            balance_confirmations.c.id == confirmation_id,
            balance_confirmations.c.customer_id == customer_id,
        )
        if lock:
            query = query.with_for_update(key_share=True)
        found = (await self.conn.execute(query)).mappings().first()
        return confirmation_from_row(found) if found else None

    async def get(self, customer_id: UUID, confirmation_id: UUID) -> Confirmation | None:
        return await self._get(customer_id, confirmation_id, lock=False)

    async def lock(self, customer_id: UUID, confirmation_id: UUID) -> Confirmation | None:
        return await self._get(customer_id, confirmation_id, lock=True)

    async def save(self, confirmation: Confirmation) -> None:
        values = confirmation_row(confirmation)
        for fixed in ("id", "customer_id", "currency", "as_of", "book_balance", "created_at"):
            del values[fixed]
        statement = (
            update(balance_confirmations)
            .where(
                balance_confirmations.c.id == confirmation.id,
                balance_confirmations.c.version == confirmation.version - 1,
            )
            .values(values)
            .returning(balance_confirmations.c.id)
        )
        if (await self.conn.execute(statement)).scalar_one_or_none() is None:
            raise StaleVersion("confirmation", confirmation.version - 1)

    async def list(self, customer_id: UUID, page: PageRequest) -> Sequence[Confirmation]:
        query = (
            select(balance_confirmations)
            .where(balance_confirmations.c.customer_id == customer_id)
            .order_by(balance_confirmations.c.id.desc())
            .limit(page.fetch)
        )
        if page.after:
            query = query.where(balance_confirmations.c.id < page.after_uuid())
        rows = (await self.conn.execute(query)).mappings()
        return [confirmation_from_row(r) for r in rows]


class SqlLegalActionRepository:
    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def add(self, action: LegalAction) -> None:
        values = {
            "id": action.id,
            "invoice_id": action.invoice_id,
            "customer_id": action.customer_id,
            "kind": action.kind.value,
            "filed_on": action.filed_on,
            "court": action.court,
            "case_no": action.case_no,
            "evidence": evidence_documents(action.evidence),
            "created_by": action.created_by,
            "created_at": action.created_at,
        }
        await self.conn.execute(insert(legal_actions).values(values))
