"""Worklist use cases with fakes: paging by (score, item id), accepting an item's action as
a task, and the weights configuration."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from app.domain.collection.risk import Severity
from app.domain.collection.tasks import TaskKind, TaskPriority
from app.domain.collection.worklist import Candidate, Factors, ItemId, ItemKind, WorklistItem
from app.domain.collection.worklist_weights import Weights, weights_from_json
from app.domain.customers.customers import Customer
from app.domain.errors import Conflict, NotFound, ValidationFailed
from app.domain.money import Money
from app.services.collection.worklist import Acceptance, accept_item, worklist_for
from app.services.pagination import PageRequest, page_request
from app.services.unit_of_work import in_transaction
from app.settings import Settings
from tests.fakes import FakeUnitOfWork, FixedClock, context

ANA = "u-ana"
TODAY = date(2026, 11, 27)


def candidate(kind: ItemKind, customer_id: uuid.UUID, **factors: object) -> Candidate:
    values: dict[str, object] = {"amount_overdue": Money.zero("CNY"), **factors}
    return Candidate(
        id=ItemId(kind, customer_id if kind is ItemKind.CUSTOMER else uuid.uuid4()),
        customer_id=customer_id,
        customer_name="甲建设",
        factors=Factors(**values),  # type: ignore[arg-type]
        reference="INV-1" if kind is ItemKind.INVOICE else None,
    )


@pytest.fixture
async def uow() -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    customer = Customer(
        id=uuid.UUID(int=1),
        name="甲建设",
        currency="CNY",
        payment_terms_days=30,
        created_at=FixedClock().now(),
        updated_at=FixedClock().now(),
    )
    await uow.customers.add(customer)
    return uow


async def test_pages_run_by_score_then_item_id(uow: FakeUnitOfWork) -> None:
    customer_id = uuid.UUID(int=1)
    scores = [3, 40, 12, 12, 7, 12]
    for days in scores:
        uow.worklist.place(ANA, candidate(ItemKind.INVOICE, customer_id, days_overdue=days * 2))
    uow.worklist.place(ANA, candidate(ItemKind.INVOICE, customer_id, days_overdue=9, on_hold=True))
    seen: list[WorklistItem] = []
    request = PageRequest(limit=4)
    while True:
        page = await worklist_for(uow, FixedClock(), Weights(), ANA, request)
        seen.extend(page.items)
        if page.next_cursor is None:
            break
        request = page_request(4, page.next_cursor)
    assert [item.score for item in seen] == [Decimal(s) for s in sorted(scores, reverse=True)]
    ties = [str(item.id) for item in seen if item.score == 12]
    assert ties == sorted(ties)


@pytest.mark.parametrize(
    "cursor",
    [
        ["x"],
        ["12.00"],
        ["nan", "invoice:0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee"],
        ["1", "task:1"],
        [1, 2],
    ],
)
async def test_foreign_cursors_are_refused(uow: FakeUnitOfWork, cursor: list[object]) -> None:
    request = PageRequest(limit=4, after=tuple(cursor))
    with pytest.raises(ValidationFailed, match="cursor"):
        await worklist_for(uow, FixedClock(), Weights(), ANA, request)


async def test_an_assignee_is_required(uow: FakeUnitOfWork) -> None:
    with pytest.raises(ValidationFailed, match="assignee"):
        await worklist_for(uow, FixedClock(), Weights(), "  ", PageRequest())


async def test_accepting_opens_the_suggested_task(uow: FakeUnitOfWork) -> None:
    customer_id = uuid.UUID(int=1)
    item = candidate(
        ItemKind.CUSTOMER, customer_id, risk_severity=Severity.CRITICAL, broken_promises=3
    )
    uow.worklist.place(ANA, item)
    task, ranked = await in_transaction(uow, accept_item, context(), Weights(), ANA, str(item.id))
    assert str(ranked.score) == "85.00"  # 40 + 3 x 15
    assert (task.kind, task.priority, task.assignee, task.due_date) == (
        TaskKind.LEGAL,
        TaskPriority.HIGH,
        ANA,
        TODAY,
    )
    assert task.links.customer_id == customer_id
    assert task.title == "法务审查：客户 甲建设"  # HUIKUAN_LOCALE: zh-CN by default
    assert [e.type for e in uow.events] == ["task.created"]


async def test_an_english_locale_titles_the_task_in_english(uow: FakeUnitOfWork) -> None:
    item = candidate(ItemKind.CUSTOMER, uuid.UUID(int=1), risk_severity=Severity.CRITICAL)
    uow.worklist.place(ANA, item)
    english = replace(context(), locale="en")
    task, _ = await in_transaction(uow, accept_item, english, Weights(), ANA, str(item.id))
    assert task.title == "Legal review: customer 甲建设"


async def test_the_person_accepting_may_choose_otherwise(uow: FakeUnitOfWork) -> None:
    item = candidate(ItemKind.CUSTOMER, uuid.UUID(int=1), risk_severity=Severity.LOW)
    uow.worklist.place(ANA, item)
    wanted = Acceptance(
        assignee="u-carol",
        kind=TaskKind.VISIT,
        priority=TaskPriority.URGENT,
        due_date=date(2026, 12, 1),
        title="上门拜访",
        description="带上对账单",
    )
    task, _ = await in_transaction(
        uow, accept_item, context(), Weights(), ANA, str(item.id), wanted
    )
    assert (task.assignee, task.kind, task.priority, task.due_date, task.title) == (
        "u-carol",
        TaskKind.VISIT,
        TaskPriority.URGENT,
        date(2026, 12, 1),
        "上门拜访",
    )
    assert task.description == "带上对账单"


async def test_unknown_items_are_404_and_items_off_the_list_409(uow: FakeUnitOfWork) -> None:
    held = candidate(ItemKind.CUSTOMER, uuid.UUID(int=1), on_hold=True)
    uow.worklist.place(ANA, held)
    with pytest.raises(Conflict, match="not on u-ana's worklist"):
        await in_transaction(uow, accept_item, context(), Weights(), ANA, str(held.id))
    with pytest.raises(Conflict):
        await in_transaction(uow, accept_item, context(), Weights(), "u-bob", str(held.id))
    for text in ("invoice:" + str(uuid.uuid4()), "what"):
        with pytest.raises(NotFound):
            await in_transaction(uow, accept_item, context(), Weights(), ANA, text)
    assert uow.events == []


def test_weights_parse_over_the_defaults() -> None:
    weights = weights_from_json(
        '{"days_overdue": 1, "amount_units": {"jpy": "150000"}, "risk_severity": {"high": 30},'
        ' "days_overdue_max_points": null, "priority_bands": {"urgent": "80"}}'
    )
    assert weights.days_overdue == 1
    assert weights.days_overdue_max_points is None
    assert weights.amount_unit("JPY") == 150_000
    assert weights.amount_unit("CNY") == 10_000
    assert weights.risk_points(Severity.HIGH) == 30
    assert weights.priority(Decimal("80")) is TaskPriority.URGENT
    assert weights.priority(Decimal("19.99")) is TaskPriority.LOW
    assert weights_from_json(None) == weights_from_json("  ") == Weights()
    assert Weights().as_dict()["risk_severity"] == {
        "low": "5",
        "medium": "10",
        "high": "20",
        "critical": "40",
    }


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("[1]", "must be a JSON object"),
        ("{", "not valid JSON"),
        ('{"speed": 1}', "unknown keys"),
        ('{"days_overdue": -1}', "days_overdue must be a number from 0"),
        ('{"days_overdue": "0.00001"}', "at most 4 decimals"),
        ('{"days_overdue": true}', "must be a number"),
        ('{"days_overdue": "fast"}', "must be a number"),
        ('{"dunning_level": "Infinity"}', "dunning_level must be"),
        ('{"risk_severity": {"low": 50}}', "higher severity fewer points"),
        ('{"risk_severity": {"severe": 50}}', "unknown severity"),
        ('{"amount_units": {"XYZ": 1}}', "unknown currency"),
        ('{"amount_units": {"CNY": 0}}', "must be above 0"),
        ('{"amount_units": []}', "must be an object"),
        ('{"priority_bands": {"high": 500}}', "urgent >= high >= normal"),
        ('{"priority_bands": {"low": 1}}', "urgent, high and normal"),
    ],
)
def test_bad_weights_are_refused_with_the_key_named(config: str, message: str) -> None:
    with pytest.raises(ValidationFailed, match=message) as caught:
        weights_from_json(config)
    assert "HUIKUAN_WORKLIST_WEIGHTS" in caught.value.detail


def test_the_service_does_not_start_with_bad_weights() -> None:
    with pytest.raises(ValidationError, match=r"worklist_weights\n.*days_overdue must be"):
        Settings(worklist_weights='{"days_overdue": -2}')
    settings = Settings(worklist_weights='{"promise_due_today": 35}')
    assert settings.worklist_weight_table.promise_due_today == 35
