"""The organisation's repositories: what the fakes and PostgreSQL both do (the tree's
paths and heights, unique codes, references, versions)."""

from __future__ import annotations

from dataclasses import replace
from uuid import UUID, uuid4

from app.domain.errors import Conflict, DuplicateExternalId, StaleVersion, UnknownReference
from app.domain.organisation.org_units import OrgUnit
from app.domain.organisation.people import Person
from app.domain.organisation.projects import Project, ProjectStatus
from tests.contract.conftest import Store, a_customer, fails
from tests.unit.builders import NOW


async def a_unit(uow: Store, code: str, parent: UUID | None = None) -> OrgUnit:
    unit = OrgUnit(uuid4(), code, f"部门 {code}", NOW, NOW, parent, "u-boss")
    await uow.org_units.add(unit)
    await uow.org_units.place(unit.id, parent)
    return unit


async def test_paths_and_heights_follow_the_tree_and_its_moves(uow: Store) -> None:
    top = await a_unit(uow, "T")
    middle = await a_unit(uow, "M", top.id)
    leaf = await a_unit(uow, "L", middle.id)
    other = await a_unit(uow, "O")
    assert await uow.org_units.path(leaf.id) == [top.id, middle.id, leaf.id]
    assert (await uow.org_units.height(top.id), await uow.org_units.height(leaf.id)) == (2, 0)
    assert await uow.org_units.path(uuid4()) == []
    moved = replace(middle, parent_id=other.id, version=2)
    await uow.org_units.save(moved, expected_version=1)
    await uow.org_units.place(middle.id, other.id)
    assert await uow.org_units.path(leaf.id) == [other.id, middle.id, leaf.id]
    assert await uow.org_units.height(top.id) == 0
    assert await uow.org_units.get(middle.id) == moved
    assert await uow.org_units.get_by_code("O") == other


async def test_a_taken_code_is_a_conflict_and_a_parent_must_exist(uow: Store) -> None:
    await a_unit(uow, "A")
    async with fails(uow, Conflict):
        await uow.org_units.add(OrgUnit(uuid4(), "A", "again", NOW, NOW))
    async with fails(uow, UnknownReference):
        await uow.org_units.add(OrgUnit(uuid4(), "B", "b", NOW, NOW, uuid4()))


async def test_a_stale_unit_is_not_saved(uow: Store) -> None:
    unit = await a_unit(uow, "S")
    async with fails(uow, StaleVersion):
        await uow.org_units.save(replace(unit, name="x", version=3), expected_version=2)


async def test_people_are_added_saved_and_need_a_known_unit(uow: Store) -> None:
    unit = await a_unit(uow, "P")
    person = Person("u-1", "张三", NOW, NOW, unit.id)
    await uow.people.add(person)
    assert await uow.people.get("u-1") == person
    async with fails(uow, Conflict):
        await uow.people.add(person)
    async with fails(uow, UnknownReference):
        await uow.people.add(Person("u-2", "李四", NOW, NOW, uuid4()))
    changed = replace(person, org_unit_id=None, active=False, version=2)
    await uow.people.save(changed, expected_version=1)
    assert await uow.people.get("u-1") == changed
    async with fails(uow, StaleVersion):
        await uow.people.save(changed, expected_version=1)


async def test_projects_need_a_known_customer_and_unit_and_a_free_external_id(
    uow: Store,
) -> None:
    customer_id = await a_customer(uow)
    unit = await a_unit(uow, "PR")
    project = Project(uuid4(), "园区", customer_id, NOW, NOW, "P-1", unit.id, "u-pm")
    await uow.projects.add(project)
    assert await uow.projects.get(project.id) == project
    for bad, error in (
        (replace(project, id=uuid4()), DuplicateExternalId),
        (replace(project, id=uuid4(), external_id=None, customer_id=uuid4()), UnknownReference),
        (replace(project, id=uuid4(), external_id=None, org_unit_id=uuid4()), UnknownReference),
    ):
        async with fails(uow, error):
            await uow.projects.add(bad)
    done = replace(project, status=ProjectStatus.COMPLETED, version=2)
    await uow.projects.save(done, expected_version=1)
    assert await uow.projects.get(project.id) == done
