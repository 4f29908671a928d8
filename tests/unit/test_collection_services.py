"""Collection-work use cases against the in-memory fakes: events, rules, rollback."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID

import pytest

from app.domain.collection.dunning import DunningLevel
from app.domain.collection.interactions import Channel
from app.domain.collection.promises import PromiseStatus
from app.domain.collection.risk import RiskKind, RiskStatus, Severity, Subject, SubjectType
from app.domain.collection.targets import Pace, TargetScope
from app.domain.collection.tasks import TaskKind, TaskLinks, TaskStatus
from app.domain.errors import (
    Conflict,
    IllegalStateTransition,
    StaleVersion,
    UnknownReference,
    ValidationFailed,
)
from app.services.collection.dunning import get_dunning_policy, replace_dunning_policy
from app.services.collection.interactions import NewInteraction, NewPromise, record_interaction
from app.services.collection.risk_flags import NewRiskFlag, close_risk_flag, create_risk_flag
from app.services.collection.targets import NewTarget, create_target, get_target
from app.services.collection.tasks import NewTask, create_task, update_task
from app.services.customers.customers import NewCustomer, create_customer, get_customer_detail
from app.services.receivables.invoices import NewInvoice, create_invoice
from app.services.receivables.payments import NewPayment, record_payment
from app.services.unit_of_work import in_transaction
from tests.fakes import FakeUnitOfWork, FixedClock, context
from tests.use_cases import dispute_invoice

MET = datetime(2026, 11, 27, 7, 0, tzinfo=UTC)


async def a_customer(uow: FakeUnitOfWork, limit: str | None = None) -> UUID:
    cmd = NewCustomer("客户", "CNY", credit_limit=Decimal(limit) if limit else None)
    return (await in_transaction(uow, create_customer, context(), cmd)).id


async def an_invoice(uow: FakeUnitOfWork, customer_id: UUID, amount: str = "1000") -> UUID:
    cmd = NewInvoice(customer_id, Decimal(amount), "CNY", date(2026, 10, 1), date(2026, 10, 31))
    return (await in_transaction(uow, create_invoice, context(), cmd)).id


async def test_target_progress_and_event() -> None:
    uow = FakeUnitOfWork()
    customer_id = await a_customer(uow)
    await in_transaction(
        uow,
        record_payment,
        context(),
        NewPayment(customer_id, Decimal(300), "CNY", date(2026, 11, 2), allocations=()),
    )
    cmd = NewTarget(
        "十一月",
        Decimal(3000),
        "CNY",
        date(2026, 11, 1),
        date(2026, 11, 30),
        TargetScope.CUSTOMER,
        customer_id,
    )
    view = await in_transaction(uow, create_target, context(), cmd)
    document = view.document()
    assert (document["collected"], document["expected_to_date"]) == ("300.00", "2600.00")
    assert document["pace"] == Pace.BEHIND.value
    assert uow.events[-1].type == "target.created"
    assert uow.events[-1].data["object"] == document
    again = await get_target(uow, FixedClock(), view.target.id)
    assert again.document() == document


async def test_a_target_on_an_unknown_scope_writes_nothing() -> None:
    uow = FakeUnitOfWork()
    cmd = NewTarget(
        "T",
        Decimal(1),
        "CNY",
        date(2026, 11, 1),
        date(2026, 11, 30),
        TargetScope.CONTRACT,
        UUID(int=7),
    )
    with pytest.raises(UnknownReference):
        await in_transaction(uow, create_target, context(), cmd)
    assert uow.targets.rows == {}
    assert uow.events == []


async def test_task_events_follow_what_changed() -> None:
    uow = FakeUnitOfWork()
    task = await in_transaction(
        uow, create_task, context(), NewTask("电话", TaskKind.CALL, assignee="u-1")
    )
    await in_transaction(uow, update_task, context(), task.id, {"status": TaskStatus.IN_PROGRESS})
    await in_transaction(
        uow,
        update_task,
        context(),
        task.id,
        {"assignee": "u-2", "status": TaskStatus.DONE},
        expected_version=2,
    )
    assert [e.type for e in uow.events] == [
        "task.created",
        "task.updated",
        "task.assigned",
        "task.completed",
    ]
    assert uow.events[-1].data["changes"]["status"] == {"from": "in_progress", "to": "done"}
    with pytest.raises(IllegalStateTransition):
        await in_transaction(uow, update_task, context(), task.id, {"status": TaskStatus.CANCELLED})
    with pytest.raises(StaleVersion):
        await in_transaction(
            uow, update_task, context(), task.id, {"title": "x"}, expected_version=1
        )


async def test_task_links_are_checked_and_completed() -> None:
    uow = FakeUnitOfWork()
    customer_id = await a_customer(uow)
    invoice_id = await an_invoice(uow, customer_id)
    task = await in_transaction(
        uow,
        create_task,
        context(),
        NewTask("催款", TaskKind.REMINDER, links=TaskLinks(invoice_id=invoice_id)),
    )
    assert task.links.customer_id == customer_id
    with pytest.raises(UnknownReference):
        await in_transaction(
            uow, create_task, context(), NewTask("x", TaskKind.CALL, links=TaskLinks(UUID(int=1)))
        )


async def test_a_promise_is_kept_by_an_allocated_payment_in_time() -> None:
    uow = FakeUnitOfWork()
    customer_id = await a_customer(uow)
    await an_invoice(uow, customer_id)
    cmd = NewInteraction(
        customer_id,
        Channel.PHONE,
        MET,
        "答应付款",
        promise=NewPromise(Decimal(1000), "CNY", date(2026, 12, 1)),
    )
    view = await in_transaction(uow, record_interaction, context(), cmd)
    assert view.promise is not None
    await in_transaction(
        uow,
        record_payment,
        context(),
        NewPayment(customer_id, Decimal(1000), "CNY", date(2026, 12, 1)),
    )
    assert uow.promises.rows[view.promise.id].status is PromiseStatus.KEPT
    kept = [e for e in uow.events if e.type == "promise.kept"]
    assert len(kept) == 1
    assert kept[0].data["object"]["status"] == "kept"


async def test_a_refused_promise_records_no_interaction() -> None:
    uow = FakeUnitOfWork()
    customer_id = await a_customer(uow)
    cmd = NewInteraction(
        customer_id,
        Channel.EMAIL,
        MET,
        "邮件",
        promise=NewPromise(Decimal(5), "USD", date(2026, 12, 1)),
    )
    with pytest.raises(ValidationFailed):
        await in_transaction(uow, record_interaction, context(), cmd)
    assert uow.interactions.rows == {}
    assert uow.promises.rows == {}


async def test_rules_raise_flags_in_the_triggering_use_case() -> None:
    uow = FakeUnitOfWork()
    customer_id = await a_customer(uow, limit="500")
    await an_invoice(uow, customer_id, "800")  # credit: 160 % of the limit
    await in_transaction(
        uow,
        record_payment,
        context(),
        NewPayment(customer_id, Decimal(900), "CNY", date(2026, 11, 1)),
    )
    await dispute_invoice(uow, context(), await an_invoice(uow, customer_id, "10"), "错开")
    kinds = sorted((f.kind, f.severity) for f in uow.risk_flags.rows.values())
    assert kinds == [
        (RiskKind.AMOUNT_MISMATCH, Severity.MEDIUM),  # 100 left over
        (RiskKind.CREDIT, Severity.CRITICAL),
        (RiskKind.DISPUTE, Severity.MEDIUM),
    ]
    detail = await get_customer_detail(uow, FixedClock(), customer_id)
    assert detail.document()["risk"] == {"open_flags": 3, "highest_severity": "critical"}


async def test_manual_flags_one_active_per_subject_and_kind() -> None:
    uow = FakeUnitOfWork()
    customer_id = await a_customer(uow)
    cmd = NewRiskFlag(Subject(SubjectType.CUSTOMER, customer_id), RiskKind.LEGAL, Severity.HIGH)
    flag = await in_transaction(uow, create_risk_flag, context(), cmd)
    with pytest.raises(Conflict):
        await in_transaction(uow, create_risk_flag, context(), cmd)
    closed = await in_transaction(
        uow, close_risk_flag, context(), flag.id, RiskStatus.RESOLVED, "和解"
    )
    assert closed.status is RiskStatus.RESOLVED
    assert [e.type for e in uow.events][-2:] == ["risk.raised", "risk.resolved"]
    with pytest.raises(UnknownReference):
        await in_transaction(
            uow,
            create_risk_flag,
            context(),
            NewRiskFlag(Subject(SubjectType.INVOICE, UUID(int=3)), RiskKind.OTHER, Severity.LOW),
        )


async def test_dunning_policy_versions() -> None:
    uow = FakeUnitOfWork()
    assert (await get_dunning_policy(uow)).version == 1
    levels = [DunningLevel(1, 5, "reminder"), DunningLevel(2, 10, "call", True)]
    policy = await in_transaction(
        uow, replace_dunning_policy, context(), levels, expected_version=1
    )
    assert policy.version == 2
    assert (await get_dunning_policy(uow)).levels == tuple(levels)
    with pytest.raises(StaleVersion):
        await in_transaction(uow, replace_dunning_policy, context(), levels[:1], expected_version=1)
    with pytest.raises(ValidationFailed):
        await in_transaction(uow, replace_dunning_policy, context(), list(reversed(levels)))
    assert [e.type for e in uow.events] == ["dunning_policy.updated"]
