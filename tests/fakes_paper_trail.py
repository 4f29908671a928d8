"""The paper trail's ports in the fakes: confirmations, legal actions and limitation periods
are tested on PostgreSQL only (tests/e2e/test_paper_trail.py,
tests/integration/test_job_limitation.py), so every call says so."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import date, datetime
from uuid import UUID

from app.domain.collection.confirmations import Confirmation, LegalAction
from app.domain.collection.limitation import Interruption
from app.domain.money import Money
from app.domain.reporting.statements import Movement
from app.services.collection.paper_trail_ports import LimitationChecked, Receivable
from app.services.pagination import PageRequest
from tests.fakes_lists import not_faked


class FakeConfirmationRepository:
    async def add(self, confirmation: Confirmation) -> None:
        raise not_faked("confirmations.add")

    async def get(self, customer_id: UUID, confirmation_id: UUID) -> Confirmation | None:
        raise not_faked("confirmations.get")

    async def lock(self, customer_id: UUID, confirmation_id: UUID) -> Confirmation | None:
        raise not_faked("confirmations.lock")

    async def save(self, confirmation: Confirmation) -> None:
        raise not_faked("confirmations.save")

    async def list(self, customer_id: UUID, page: PageRequest) -> Sequence[Confirmation]:
        raise not_faked("confirmations.list")


class FakeLegalActionRepository:
    async def add(self, action: LegalAction) -> None:
        raise not_faked("legal_actions.add")


class FakeLimitationQueries:
    async def book_balance(self, customer_id: UUID, currency: str, day: date, zone: str) -> Money:
        raise not_faked("limitation.book_balance")

    async def currencies_of(self, customer_id: UUID) -> set[str]:
        raise not_faked("limitation.currencies_of")

    async def history(self, invoice_id: UUID, zone: str) -> Sequence[Interruption]:
        raise not_faked("limitation.history")

    async def receivables(
        self,
        zone: str,
        *,
        customer_id: UUID | None = None,
        invoice_id: UUID | None = None,
        due_by: date | None = None,
    ) -> Sequence[Receivable]:
        raise not_faked("limitation.receivables")

    async def lock_invoices_to_check(
        self, latest_due: date, today: date, limit: int, zone: str
    ) -> Sequence[Receivable]:
        raise not_faked("limitation.lock_invoices_to_check")

    async def lock_installments_to_check(
        self, latest_due: date, today: date, limit: int, zone: str
    ) -> Sequence[Receivable]:
        raise not_faked("limitation.lock_installments_to_check")

    async def finish_checks(self, checked: Sequence[LimitationChecked]) -> None:
        raise not_faked("limitation.finish_checks")

    async def check_again(self, *, invoice_id: UUID) -> None:
        raise not_faked("limitation.check_again")


class FakeStatementQueries:
    """Statements are tested on PostgreSQL (tests/e2e/test_statements.py)."""

    async def snapshot(self) -> None:
        raise not_faked("statements.snapshot")

    async def currencies(self, customer_id: UUID, last_day: date) -> list[str]:
        raise not_faked("statements.currencies")

    async def balance(self, customer_id: UUID, currency: str, day: date, zone: str) -> Money:
        raise not_faked("statements.balance")

    def movements(
        self, customer_id: UUID, currency: str, first: date, last: date, zone: str
    ) -> AsyncIterator[Movement]:
        raise not_faked("statements.movements")

    async def ageing(
        self, customer_id: UUID, currency: str, day: date, day_end: datetime
    ) -> dict[str, Money]:
        raise not_faked("statements.ageing")
