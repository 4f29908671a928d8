"""Small builders of domain objects for unit tests."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID, uuid4

from app.domain.money import Money
from app.domain.receivables.contracts import Contract, Installment
from app.domain.receivables.invoices import Invoice

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


def invoice(
    *,
    customer_id: UUID | None = None,
    amount: str = "100.00",
    currency: str = "CNY",
    paid: str = "0",
    issued_on: date = date(2026, 10, 1),
    due_date: date = date(2026, 10, 31),
    external_id: str | None = None,
    voided: bool = False,
    late_fee_rate: str | None = None,
) -> Invoice:
    return Invoice(
        id=uuid4(),
        customer_id=customer_id or uuid4(),
        amount=Money.of(amount, currency),
        amount_paid=Money.of(paid, currency),
        issued_on=issued_on,
        due_date=due_date,
        created_at=NOW,
        updated_at=NOW,
        external_id=external_id,
        voided_at=NOW if voided else None,
        voided_on=NOW.date() if voided else None,
        late_fee_rate=Decimal(late_fee_rate) if late_fee_rate else None,
    )


def installment(
    amount: str = "100.00", due_date: date = date(2026, 10, 31), currency: str = "CNY"
) -> Installment:
    return Installment(
        id=uuid4(),
        contract_id=uuid4(),
        name="首付款",
        due_date=due_date,
        amount=Money.of(amount, currency),
        position=0,
    )


def contract(
    amount: str = "1000.00",
    currency: str = "CNY",
    signed_on: date = date(2026, 1, 1),
    installments: tuple[Installment, ...] = (),
) -> Contract:
    return Contract(
        id=uuid4(),
        customer_id=uuid4(),
        name="ERP 实施项目",
        amount=Money.of(amount, currency),
        owner="u-sales-1",
        signed_on=signed_on,
        created_at=NOW,
        updated_at=NOW,
        installments=installments,
    )
