"""The target and task repositories: what the fake and PostgreSQL both do."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from uuid import UUID, uuid4

from app.domain.collection.targets import Target, TargetScope
from app.domain.collection.tasks import Task, TaskKind, TaskLinks, TaskPriority, TaskStatus
from app.domain.errors import StaleVersion, UnknownReference
from app.domain.money import Money
from tests.contract.conftest import Store, a_customer, fails
from tests.unit.builders import NOW


def target(scope: TargetScope = TargetScope.ORG, scope_id: UUID | str | None = None) -> Target:
    return Target(
        id=uuid4(),
        name="四季度回款",
        amount=Money.of("10000.00", "CNY"),
        period_start=date(2026, 10, 1),
        period_end=date(2026, 12, 31),
        scope=scope,
        scope_id=scope_id,
        created_at=NOW,
        updated_at=NOW,
        owner="u-sales-1",
    )


def task(links: TaskLinks = TaskLinks()) -> Task:
    return Task(
        id=uuid4(),
        title="催收电话",
        kind=TaskKind.CALL,
        created_at=NOW,
        updated_at=NOW,
        assignee="u-sales-1",
        due_date=date(2026, 12, 1),
        links=links,
    )


async def test_add_then_get_gives_each_target_back(uow: Store) -> None:
    customer_id = await a_customer(uow)
    added = [
        target(),
        target(TargetScope.CUSTOMER, customer_id),
        target(TargetScope.OWNER, "u-sales-2"),
    ]
    for each in added:
        await uow.targets.add(each)
    assert [await uow.targets.get(t.id) for t in added] == added
    assert await uow.targets.get(uuid4()) is None


async def test_a_target_on_an_unknown_customer_or_contract_is_refused(uow: Store) -> None:
    async with fails(uow, UnknownReference):
        await uow.targets.add(target(TargetScope.CUSTOMER, uuid4()))
    async with fails(uow, UnknownReference):
        await uow.targets.add(target(TargetScope.CONTRACT, uuid4()))


async def test_target_save_writes_all_but_id_created_at_and_scope(uow: Store) -> None:
    added = target(TargetScope.OWNER, "u-sales-2")
    await uow.targets.add(added)
    changed = replace(
        added,
        name="年度回款",
        amount=Money.of("20000.00", "CNY"),
        period_end=date(2027, 1, 31),
        scope=TargetScope.ORG,
        scope_id=None,
        owner=None,
        description="改了",
        version=2,
        created_at=NOW + timedelta(days=1),
        updated_at=NOW + timedelta(hours=1),
    )
    await uow.targets.save(changed, expected_version=1)
    kept = replace(changed, scope=added.scope, scope_id=added.scope_id, created_at=NOW)
    assert await uow.targets.get(added.id) == kept


async def test_target_save_with_a_stale_version_or_no_row_is_stale(uow: Store) -> None:
    added = target()
    await uow.targets.add(added)
    async with fails(uow, StaleVersion):
        await uow.targets.save(replace(added, name="别人", version=3), expected_version=2)
    async with fails(uow, StaleVersion):
        await uow.targets.save(target(), expected_version=1)
    assert await uow.targets.get(added.id) == added


async def test_add_then_get_gives_the_task_back_with_its_links(uow: Store) -> None:
    customer_id = await a_customer(uow)
    on_target = target()
    await uow.targets.add(on_target)
    added = task(TaskLinks(target_id=on_target.id, customer_id=customer_id))
    await uow.tasks.add(added)
    assert await uow.tasks.get(added.id) == added
    assert await uow.tasks.get(uuid4()) is None


async def test_a_task_linked_to_an_unknown_record_is_refused(uow: Store) -> None:
    for links in [
        TaskLinks(target_id=uuid4()),
        TaskLinks(customer_id=uuid4()),
        TaskLinks(contract_id=uuid4()),
        TaskLinks(invoice_id=uuid4()),
    ]:
        async with fails(uow, UnknownReference):
            await uow.tasks.add(task(links))


async def test_task_save_writes_every_field_but_id_and_created_at(uow: Store) -> None:
    customer_id = await a_customer(uow)
    added = task()
    await uow.tasks.add(added)
    changed = replace(
        added,
        title="上门拜访",
        kind=TaskKind.VISIT,
        status=TaskStatus.DONE,
        priority=TaskPriority.HIGH,
        assignee=None,
        due_date=None,
        links=TaskLinks(customer_id=customer_id),
        description="已收到承诺",
        completed_at=NOW + timedelta(hours=1),
        version=2,
        created_at=NOW + timedelta(days=1),
        updated_at=NOW + timedelta(hours=1),
    )
    await uow.tasks.save(changed, expected_version=1)
    assert await uow.tasks.get(added.id) == replace(changed, created_at=NOW)


async def test_task_save_stale_unknown_or_to_an_unknown_link_changes_nothing(uow: Store) -> None:
    added = task()
    await uow.tasks.add(added)
    async with fails(uow, StaleVersion):
        await uow.tasks.save(replace(added, title="别人", version=3), expected_version=2)
    async with fails(uow, StaleVersion):
        await uow.tasks.save(task(), expected_version=1)
    async with fails(uow, UnknownReference):
        await uow.tasks.save(replace(added, links=TaskLinks(invoice_id=uuid4()), version=2), 1)
    assert await uow.tasks.get(added.id) == added
