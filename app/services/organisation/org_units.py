"""Org unit use cases: create, change (moving a subtree too), read, list, the subtree."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from app.domain.errors import NotFound, StaleVersion, UnknownReference
from app.domain.events import EventType
from app.domain.organisation.org_units import OrgUnit, change_unit, check_placement
from app.services.context import Context
from app.services.documents import changes_json
from app.services.organisation.documents import org_unit_document
from app.services.organisation.ports import OrganisationUnitOfWork
from app.services.pagination import Page, PageRequest, make_page


@dataclass(frozen=True, slots=True)
class NewOrgUnit:
    code: str
    name: str
    parent_id: UUID | None = None
    manager: str | None = None


def subject(unit_id: UUID) -> str:
    return f"org-units/{unit_id}"


async def _check_parent(
    uow: OrganisationUnitOfWork, unit_id: UUID, parent_id: UUID | None, height: int
) -> None:
    if parent_id is None:
        return
    path = await uow.org_units.path(parent_id)
    if not path:
        raise UnknownReference("org unit", parent_id, ("parent_id",))
    check_placement(unit_id, path, height)


async def create_org_unit(uow: OrganisationUnitOfWork, ctx: Context, cmd: NewOrgUnit) -> OrgUnit:
    """Create a unit under ``parent_id`` (a root when None) and emit ``org_unit.created``."""
    now = ctx.clock.now()
    unit = OrgUnit(
        id=ctx.ids.new_id(),
        code=cmd.code.strip(),
        name=cmd.name.strip(),
        parent_id=cmd.parent_id,
        manager=cmd.manager,
        created_at=now,
        updated_at=now,
    )
    await uow.org_units.lock_tree()
    await _check_parent(uow, unit.id, unit.parent_id, 0)
    await uow.org_units.add(unit)
    await uow.org_units.place(unit.id, unit.parent_id)
    uow.add_event(
        ctx.event(EventType.ORG_UNIT_CREATED, subject(unit.id), {"object": org_unit_document(unit)})
    )
    return unit


async def current_org_unit(
    uow: OrganisationUnitOfWork, unit_id: UUID, expected_version: int | None = None
) -> OrgUnit:
    unit = await uow.org_units.get(unit_id)
    if unit is None:
        raise NotFound("org unit", unit_id)
    if expected_version is not None and expected_version != unit.version:
        raise StaleVersion("org unit", expected_version, unit.version)
    return unit


async def update_org_unit(
    uow: OrganisationUnitOfWork, ctx: Context, unit: OrgUnit, values: dict[str, Any]
) -> OrgUnit:
    """Change name, code, manager or parent (moving the whole subtree: a cycle is 409, a
    subtree reaching below level 8 is 422) and emit ``org_unit.updated``."""
    updated, changed = change_unit(unit, values, ctx.clock.now())
    if not changed:
        return unit
    if "parent_id" in changed:
        await uow.org_units.lock_tree()
        await _check_parent(uow, unit.id, updated.parent_id, await uow.org_units.height(unit.id))
    await uow.org_units.save(updated, expected_version=unit.version)
    if "parent_id" in changed:
        await uow.org_units.place(unit.id, updated.parent_id)
    data = {"object": org_unit_document(updated), "changes": changes_json(changed)}
    uow.add_event(ctx.event(EventType.ORG_UNIT_UPDATED, subject(unit.id), data))
    return updated


async def get_org_unit(uow: OrganisationUnitOfWork, unit_id: UUID) -> OrgUnit:
    return await current_org_unit(uow, unit_id)


async def get_org_unit_tree(
    uow: OrganisationUnitOfWork, unit_id: UUID
) -> Sequence[tuple[OrgUnit, int]]:
    nodes = await uow.org_unit_queries.subtree(unit_id)
    if not nodes:
        raise NotFound("org unit", unit_id)
    return nodes


async def list_org_units(
    uow: OrganisationUnitOfWork,
    *,
    code: str | None,
    parent_id: UUID | None,
    roots: bool,
    page: PageRequest,
) -> Page[OrgUnit]:
    rows = await uow.org_unit_queries.list(code=code, parent_id=parent_id, roots=roots, page=page)
    return make_page(rows, page, key=lambda u: (str(u.id),))
