"""What the target views read: each target's progress sums and its tasks by status. The
fake answers both from its rows (the target unit tests read them) and must answer as
PostgreSQL does."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from uuid import uuid4

from app.domain.collection.targets import ProgressSums, TargetScope
from app.domain.collection.tasks import TaskLinks, TaskStatus, TaskSummary
from app.domain.money import Money
from app.domain.receivables import payments as rules
from tests.contract.conftest import Store, a_customer
from tests.contract.test_contracts import step
from tests.contract.test_payments import allocation, payment
from tests.contract.test_targets_tasks import target, task
from tests.unit.builders import NOW, contract, invoice


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


async def test_progress_sums_follow_each_targets_scope_and_period(uow: Store) -> None:
    customer_id, other = await a_customer(uow), await a_customer(uow)
    bare = replace(contract(), customer_id=customer_id)  # owner u-sales-1
    plan = (
        step(bare.id, "首付款", "300.00", 11, 0),  # due 2026-11-01, before today
        step(bare.id, "二期", "500.00", 12, 1),  # due 2026-12-01, today
        replace(step(bare.id, "尾款", "200.00", 1, 2), due_date=date(2027, 1, 1)),
    )
    await uow.contracts.add(replace(bare, installments=plan))
    on_deal = replace(invoice(customer_id=customer_id, amount="300.00"), contract_id=bare.id)
    loose = invoice(customer_id=customer_id, amount="300.00")
    for bill in (on_deal, loose):
        await uow.invoices.add(bill)
    paid = payment(customer_id)  # 500.00, received 2026-11-20
    split = [allocation(paid, on_deal.id, "100.00"), allocation(paid, loose.id, "50.00", 1)]
    await uow.payments.add(rules.add_allocations(paid, split, NOW))
    await uow.payments.add(replace(payment(customer_id), received_on=date(2026, 9, 30)))
    bounced = replace(payment(customer_id, "70.00"), reversed_at=NOW)
    await uow.payments.add(bounced)
    targets = [
        target(),
        target(TargetScope.CUSTOMER, customer_id),
        target(TargetScope.CUSTOMER, other),
        target(TargetScope.CONTRACT, bare.id),
        target(TargetScope.OWNER, "u-sales-1"),
        target(TargetScope.OWNER, "u-sales-2"),
    ]
    for each in targets:
        await uow.targets.add(each)
    sums = await uow.target_queries.progress_sums(targets, date(2026, 12, 1))
    planned = (cny("800.00"), cny("300.00"))
    nothing = ProgressSums(cny("0"), cny("0"), cny("0"))
    assert sums == {
        targets[0].id: ProgressSums(cny("500.00"), *planned),
        targets[1].id: ProgressSums(cny("500.00"), *planned),
        targets[2].id: nothing,
        targets[3].id: ProgressSums(cny("100.00"), *planned),
        targets[4].id: ProgressSums(cny("100.00"), *planned),
        targets[5].id: nothing,
    }
    assert await uow.target_queries.progress_sums([], date(2026, 12, 1)) == {}


async def test_task_summaries_count_each_targets_tasks_by_status(uow: Store) -> None:
    busy, idle, other = target(), target(), target()
    for each in (busy, idle, other):
        await uow.targets.add(each)
    links = TaskLinks(target_id=busy.id)
    statuses = [TaskStatus.TODO, TaskStatus.TODO, TaskStatus.IN_PROGRESS, TaskStatus.DONE]
    for status in [*statuses, TaskStatus.CANCELLED]:
        await uow.tasks.add(replace(task(links), status=status))  # due 2026-12-01
    await uow.tasks.add(replace(task(links), due_date=None))
    await uow.tasks.add(task(TaskLinks(target_id=other.id)))
    found = await uow.task_queries.summaries([busy.id, idle.id, uuid4()], date(2026, 12, 2))
    assert found == {
        busy.id: TaskSummary(todo=3, in_progress=1, done=1, cancelled=1, overdue=3),
    }
    assert await uow.task_queries.summaries([], date(2026, 12, 2)) == {}
