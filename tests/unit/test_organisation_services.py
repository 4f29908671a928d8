"""The organisation's use cases on the fakes: the tree's rules, people and projects."""

from __future__ import annotations

from uuid import uuid4

import pytest

from app.domain.errors import Conflict, StaleVersion, UnknownReference, ValidationFailed
from app.domain.events import EventType
from app.domain.organisation.org_units import TreeCycle
from app.services.customers.customers import NewCustomer, create_customer
from app.services.organisation import org_units, people, projects
from app.services.unit_of_work import in_transaction
from tests.fakes import FakeUnitOfWork, context


async def test_a_chain_is_refused_below_level_eight_and_a_cycle_is_409() -> None:
    uow, ctx = FakeUnitOfWork(), context()
    chain = [
        await in_transaction(uow, org_units.create_org_unit, ctx, org_units.NewOrgUnit("L1", "1"))
    ]
    for level in range(2, 9):
        cmd = org_units.NewOrgUnit(f"L{level}", str(level), chain[-1].id)
        chain.append(await in_transaction(uow, org_units.create_org_unit, ctx, cmd))
    cmd = org_units.NewOrgUnit("L9", "9", chain[-1].id)
    with pytest.raises(ValidationFailed):
        await in_transaction(uow, org_units.create_org_unit, ctx, cmd)
    async with uow:
        top = await org_units.current_org_unit(uow, chain[0].id)
        with pytest.raises(TreeCycle):
            await org_units.update_org_unit(uow, ctx, top, {"parent_id": chain[3].id})
    async with uow:
        with pytest.raises(StaleVersion):
            await org_units.current_org_unit(uow, chain[0].id, expected_version=7)
    assert [e.type for e in uow.events].count(EventType.ORG_UNIT_CREATED) == 8


async def test_a_code_is_unique_and_a_parent_must_exist() -> None:
    uow, ctx = FakeUnitOfWork(), context()
    await in_transaction(uow, org_units.create_org_unit, ctx, org_units.NewOrgUnit("A", "a"))
    with pytest.raises(Conflict):
        await in_transaction(uow, org_units.create_org_unit, ctx, org_units.NewOrgUnit("A", "b"))
    orphan = org_units.NewOrgUnit("B", "b", uuid4())
    with pytest.raises(UnknownReference):
        await in_transaction(uow, org_units.create_org_unit, ctx, orphan)


async def test_a_person_needs_a_known_unit_and_a_move_is_an_assignment() -> None:
    uow, ctx = FakeUnitOfWork(), context()
    unit = await in_transaction(uow, org_units.create_org_unit, ctx, org_units.NewOrgUnit("T", "t"))
    with pytest.raises(UnknownReference):
        await in_transaction(uow, people.put_person, ctx, "u-1", people.PersonValues("n", uuid4()))
    person, created = await in_transaction(
        uow, people.put_person, ctx, "u-1", people.PersonValues("n", unit.id)
    )
    assert created
    assert person.org_unit_id == unit.id
    again, created = await in_transaction(
        uow, people.put_person, ctx, "u-1", people.PersonValues("n", None)
    )
    assert not created
    assert again.version == 2
    assert [(k, s, u) for k, s, u, _ in uow.assignments.rows] == [
        ("person", "u-1", unit.id),
        ("person", "u-1", None),
    ]


async def test_a_project_needs_a_known_customer() -> None:
    uow, ctx = FakeUnitOfWork(), context()
    unknown = projects.NewProject("P", uuid4())
    with pytest.raises(UnknownReference):
        await in_transaction(uow, projects.create_project, ctx, unknown)
    buyer = await in_transaction(uow, create_customer, ctx, NewCustomer("客户", "CNY"))
    made = await in_transaction(
        uow, projects.create_project, ctx, projects.NewProject("P", buyer.id, "P-1")
    )
    assert made.external_id == "P-1"
    assert uow.events[-1].type == EventType.PROJECT_CREATED
