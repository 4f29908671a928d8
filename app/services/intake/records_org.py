"""Applying org unit, person and project upserts, through the organisation's use cases (the
same rules and outbound events as the REST API). Upserts lock nothing of their own but the
tree's shape (org units) and follow the staleness rule as every upsert does."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from app.domain.intake.ingest import RecordKey, RecordKind
from app.domain.intake.ingest_org import OrgUnitUpsert, PersonUpsert, ProjectUpsert
from app.services.intake.ports import IntakeUnitOfWork
from app.services.intake.records import Run, _each, _mismatch, _stale
from app.services.intake.steps import Step
from app.services.organisation.org_units import (
    NewOrgUnit,
    create_org_unit,
    current_org_unit,
    update_org_unit,
)
from app.services.organisation.people import PersonValues, put_person
from app.services.organisation.projects import (
    NewProject,
    create_project,
    current_project,
    update_project,
)


def _unit(run: Run, code: str | None) -> Any:
    return None if code is None else run.refs[RecordKey(RecordKind.ORG_UNIT, code)]


async def _upsert_org_unit(uow: IntakeUnitOfWork, step: Step, run: Run) -> None:
    data = cast(OrgUnitUpsert, step.event.data)
    parent_id = _unit(run, data.parent_code)
    unit_id = run.refs.get(step.event.subject)
    if unit_id is None:
        manager = data.fields.get("manager")
        cmd = NewOrgUnit(data.external_id, data.name, parent_id, manager)
        unit = await create_org_unit(uow, step.ctx, cmd)
        run.created(step, unit.id)
        return
    await uow.org_units.lock_tree()
    if await _stale(uow, step, run):
        return
    current = await current_org_unit(uow, unit_id)
    await update_org_unit(
        uow, step.ctx, current, {"name": data.name, "parent_id": parent_id, **data.fields}
    )


async def _upsert_person(uow: IntakeUnitOfWork, step: Step, run: Run) -> None:
    data = cast(PersonUpsert, step.event.data)
    if await _stale(uow, step, run):
        return
    current = await uow.people.get(data.external_id)
    active = data.fields.get("active", current.active if current else True)
    values = PersonValues(data.name, _unit(run, data.org_unit_code), bool(active))
    await put_person(uow, step.ctx, data.external_id, values)


async def _upsert_project(uow: IntakeUnitOfWork, step: Step, run: Run) -> None:
    data = cast(ProjectUpsert, step.event.data)
    customer_id = run.refs[RecordKey(RecordKind.CUSTOMER, data.customer_external_id)]
    unit_id = _unit(run, data.org_unit_code)
    project_id = run.refs.get(step.event.subject)
    if project_id is None:
        optional = {k: v for k, v in data.fields.items() if v is not None}
        cmd = NewProject(
            name=data.name,
            customer_id=customer_id,
            external_id=data.external_id,
            org_unit_id=unit_id,
            **optional,
        )
        project = await create_project(uow, step.ctx, cmd)
        run.created(step, project.id)
        return
    if await _stale(uow, step, run):
        return
    current = await current_project(uow, project_id)
    if current.customer_id != customer_id:
        raise _mismatch("customer_external_id", "a project's customer")
    values = {"name": data.name, "org_unit_id": unit_id, **data.fields}
    await update_project(uow, step.ctx, current, values)


async def apply_org_units(uow: IntakeUnitOfWork, steps: Sequence[Step]) -> None:
    await _each(uow, steps, _upsert_org_unit)


async def apply_people(uow: IntakeUnitOfWork, steps: Sequence[Step]) -> None:
    await _each(uow, steps, _upsert_person)


async def apply_projects(uow: IntakeUnitOfWork, steps: Sequence[Step]) -> None:
    await _each(uow, steps, _upsert_project)
