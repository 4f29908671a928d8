"""The customer's risk summary, a risk flag query that customer views read: the fake
answers it from its rows, and must answer as PostgreSQL does."""

from __future__ import annotations

from uuid import UUID, uuid4

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
from tests.contract.conftest import Store, a_customer
from tests.unit.builders import NOW, invoice


def flag(
    customer_id: UUID, subject: Subject, kind: RiskKind, severity: Severity, status: RiskStatus
) -> RiskFlag:
    return RiskFlag(
        id=uuid4(),
        subject=subject,
        customer_id=customer_id,
        kind=kind,
        severity=severity,
        source=RiskSource.USER,
        created_at=NOW,
        updated_at=NOW,
        status=status,
        resolved_at=None if status in (RiskStatus.OPEN, RiskStatus.MITIGATING) else NOW,
    )


async def test_the_summary_counts_active_flags_and_names_the_highest(uow: Store) -> None:
    customer_id, other = await a_customer(uow), await a_customer(uow)
    bill = invoice(customer_id=customer_id)
    await uow.invoices.add(bill)
    on_customer = Subject(SubjectType.CUSTOMER, customer_id)
    on_invoice = Subject(SubjectType.INVOICE, bill.id)
    for each in [
        flag(customer_id, on_customer, RiskKind.CREDIT, Severity.MEDIUM, RiskStatus.OPEN),
        flag(customer_id, on_invoice, RiskKind.DISPUTE, Severity.HIGH, RiskStatus.MITIGATING),
        flag(customer_id, on_customer, RiskKind.LEGAL, Severity.CRITICAL, RiskStatus.RESOLVED),
        flag(customer_id, on_invoice, RiskKind.OTHER, Severity.CRITICAL, RiskStatus.DISMISSED),
    ]:
        await uow.risk_flags.add(each)
    queries = uow.risk_flag_queries
    assert await queries.summary(customer_id) == RiskSummary(2, Severity.HIGH)
    assert await queries.summary(other) == RiskSummary(0, None)
    assert await queries.summary(uuid4()) == RiskSummary(0, None)
