"""Org units, people and projects as the API shows them (HTTP bodies and events' objects)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict

from app.domain.events import rfc3339
from app.domain.organisation.org_units import OrgUnit
from app.domain.organisation.people import Person
from app.domain.organisation.projects import Project, ProjectFigures
from app.services.documents import jsonable


class OrgUnitDocument(TypedDict):
    id: str
    code: str
    name: str
    parent_id: str | None
    manager: str | None
    version: int
    created_at: str
    updated_at: str


class OrgTreeNodeDocument(OrgUnitDocument):
    depth: int  # distance from the subtree's root (0)
    children: list[OrgTreeNodeDocument]


class PersonDocument(TypedDict):
    user_id: str
    name: str
    org_unit_id: str | None
    active: bool
    version: int
    created_at: str
    updated_at: str


class ProjectDocument(TypedDict):
    id: str
    external_id: str | None
    name: str
    customer_id: str
    org_unit_id: str | None
    manager: str | None
    status: str
    starts_on: str | None
    ends_on: str | None
    version: int
    created_at: str
    updated_at: str


class ProjectFiguresDocument(TypedDict):
    currency: str
    contract_value: str
    invoiced: str
    collected: str
    outstanding: str
    overdue: str
    retention_held: str
    unbilled: str
    collection_rate: str | None


class ProjectDetailDocument(ProjectDocument):
    figures: list[ProjectFiguresDocument]


def org_unit_document(unit: OrgUnit) -> OrgUnitDocument:
    return {
        "id": str(unit.id),
        "code": unit.code,
        "name": unit.name,
        "parent_id": jsonable(unit.parent_id),
        "manager": unit.manager,
        "version": unit.version,
        "created_at": rfc3339(unit.created_at),
        "updated_at": rfc3339(unit.updated_at),
    }


def tree_document(nodes: Sequence[tuple[OrgUnit, int]]) -> OrgTreeNodeDocument:
    """Nested from the flat subtree (parents before children; the root first)."""
    built: dict[str, OrgTreeNodeDocument] = {}
    root: OrgTreeNodeDocument | None = None
    for unit, depth in nodes:
        node: OrgTreeNodeDocument = {**org_unit_document(unit), "depth": depth, "children": []}
        built[node["id"]] = node
        parent = built.get(str(unit.parent_id)) if depth else None
        if parent is not None:
            parent["children"].append(node)
        elif root is None:
            root = node
    assert root is not None, "a subtree has its root"
    return root


def person_document(person: Person) -> PersonDocument:
    return {
        "user_id": person.user_id,
        "name": person.name,
        "org_unit_id": jsonable(person.org_unit_id),
        "active": person.active,
        "version": person.version,
        "created_at": rfc3339(person.created_at),
        "updated_at": rfc3339(person.updated_at),
    }


def project_document(project: Project) -> ProjectDocument:
    return {
        "id": str(project.id),
        "external_id": project.external_id,
        "name": project.name,
        "customer_id": str(project.customer_id),
        "org_unit_id": jsonable(project.org_unit_id),
        "manager": project.manager,
        "status": project.status.value,
        "starts_on": jsonable(project.starts_on),
        "ends_on": jsonable(project.ends_on),
        "version": project.version,
        "created_at": rfc3339(project.created_at),
        "updated_at": rfc3339(project.updated_at),
    }


def figures_document(f: ProjectFigures) -> ProjectFiguresDocument:
    rate = f.collection_rate
    return {
        "currency": f.currency,
        "contract_value": f.contract_value.to_wire(),
        "invoiced": f.invoiced.to_wire(),
        "collected": f.collected.to_wire(),
        "outstanding": f.outstanding.to_wire(),
        "overdue": f.overdue.to_wire(),
        "retention_held": f.retention_held.to_wire(),
        "unbilled": f.unbilled.to_wire(),
        "collection_rate": None if rate is None else str(rate),
    }


def project_detail_document(
    project: Project, figures: Sequence[ProjectFigures]
) -> ProjectDetailDocument:
    return {**project_document(project), "figures": [figures_document(f) for f in figures]}
