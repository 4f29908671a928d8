"""People use cases: place a directory user id in a unit (create or change), read, list.

A change of unit starts a new assignment (``person_assignments``), so reports as of a past
day put the person's money where it was then."""

from __future__ import annotations

from dataclasses import dataclass, replace
from uuid import UUID

from app.domain.errors import NotFound, StaleVersion, UnknownReference
from app.domain.events import EventType
from app.domain.organisation.people import Person
from app.services.context import Context
from app.services.documents import document_changes
from app.services.organisation.documents import person_document
from app.services.organisation.ports import OrganisationUnitOfWork
from app.services.pagination import Page, PageRequest, make_page


@dataclass(frozen=True, slots=True)
class PersonValues:
    name: str
    org_unit_id: UUID | None = None
    active: bool = True


def subject(user_id: str) -> str:
    return f"people/{user_id}"


async def put_person(
    uow: OrganisationUnitOfWork,
    ctx: Context,
    user_id: str,
    values: PersonValues,
    expected_version: int | None = None,
) -> tuple[Person, bool]:
    """Create or replace the person; returns it and whether it was created. Emits
    ``person.updated`` when anything changed. An unknown unit is 422."""
    if values.org_unit_id is not None and await uow.org_units.get(values.org_unit_id) is None:
        raise UnknownReference("org unit", values.org_unit_id, ("org_unit_id",))
    now = ctx.clock.now()
    current = await uow.people.get(user_id)
    if current is None:
        if expected_version is not None:
            raise StaleVersion("person", expected_version)
        person = Person(user_id, values.name.strip(), now, now, values.org_unit_id, values.active)
        await uow.people.add(person)
        await uow.assignments.assign("person", user_id, person.org_unit_id, now)
        before = None
    else:
        if expected_version is not None and expected_version != current.version:
            raise StaleVersion("person", expected_version, current.version)
        person = replace(
            current, name=values.name.strip(), org_unit_id=values.org_unit_id, active=values.active
        )
        if person == current:
            return current, False
        person = replace(person, updated_at=now, version=current.version + 1)
        await uow.people.save(person, current.version)
        if person.org_unit_id != current.org_unit_id:
            await uow.assignments.assign("person", user_id, person.org_unit_id, now)
        before = person_document(current)
    document = person_document(person)
    data = {"object": document, "changes": document_changes(before or {}, document)}
    uow.add_event(ctx.event(EventType.PERSON_UPDATED, subject(user_id), data))
    return person, current is None


async def get_person(uow: OrganisationUnitOfWork, user_id: str) -> Person:
    person = await uow.people.get(user_id)
    if person is None:
        raise NotFound("person", user_id)
    return person


async def list_people(
    uow: OrganisationUnitOfWork,
    *,
    org_unit_id: UUID | None,
    include_descendants: bool,
    page: PageRequest,
) -> Page[Person]:
    rows = await uow.person_queries.list(
        org_unit_id=org_unit_id, include_descendants=include_descendants, page=page
    )
    return make_page(rows, page, key=lambda p: (p.user_id,))
