"""The ``data`` of the organisation's inbound event types: org units (by ``code``), people
(by ``user_id``) and projects (by ``external_id``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from app.domain.intake.ingest_fields import Fields, Issues
from app.domain.organisation.projects import ProjectStatus

DATA: tuple[str] = ("data",)


@dataclass(frozen=True, slots=True)
class OrgUnitUpsert:
    external_id: str  # the unit's code
    name: str
    parent_code: str | None = None
    fields: Mapping[str, Any] = field(default_factory=dict)  # manager, when given


@dataclass(frozen=True, slots=True)
class PersonUpsert:
    external_id: str  # the user id
    name: str
    org_unit_code: str | None = None
    fields: Mapping[str, Any] = field(default_factory=dict)  # active, when given


@dataclass(frozen=True, slots=True)
class ProjectUpsert:
    external_id: str
    name: str
    customer_external_id: str
    org_unit_code: str | None = None
    # Only the optional fields the event carries: manager, status, starts_on, ends_on.
    fields: Mapping[str, Any] = field(default_factory=dict)


def parse_org_unit(raw: object, issues: Issues) -> OrgUnitUpsert | None:
    data = Fields(raw, DATA, issues, ("code", "name", "parent_code", "manager"))
    code, name = data.text("code", max_length=100), data.text("name")
    parent = data.text("parent_code", required=False, max_length=100)
    if parent is not None and parent == code:
        issues.add((*DATA, "parent_code"), "an org unit cannot be its own parent")
    fields: dict[str, object] = {}
    if data.given("manager"):
        fields["manager"] = data.text("manager", required=False)
    if code is None or name is None:
        return None
    return OrgUnitUpsert(code, name, parent, fields)


def parse_person(raw: object, issues: Issues) -> PersonUpsert | None:
    data = Fields(raw, DATA, issues, ("user_id", "name", "org_unit_code", "active"))
    user_id, name = data.text("user_id"), data.text("name")
    unit = data.text("org_unit_code", required=False, max_length=100)
    fields: dict[str, object] = {}
    if data.given("active"):
        active = data.raw.get("active")
        if not isinstance(active, bool):
            issues.add((*DATA, "active"), "must be true or false")
        fields["active"] = active
    if user_id is None or name is None:
        return None
    return PersonUpsert(user_id, name, unit, fields)


def parse_project(raw: object, issues: Issues) -> ProjectUpsert | None:
    allowed = (
        "external_id",
        "name",
        "customer_external_id",
        "org_unit_code",
        "manager",
        "status",
        "starts_on",
        "ends_on",
    )
    data = Fields(raw, DATA, issues, allowed)
    external_id = data.text("external_id", max_length=100)
    name = data.text("name")
    customer = data.text("customer_external_id", max_length=100)
    unit = data.text("org_unit_code", required=False, max_length=100)
    fields: dict[str, object] = {}
    if data.given("manager"):
        fields["manager"] = data.text("manager", required=False)
    if data.given("status"):
        status = data.raw.get("status")
        statuses = {s.value: s for s in ProjectStatus}
        if status not in statuses:
            issues.add((*DATA, "status"), f"must be one of {', '.join(statuses)}")
        fields["status"] = statuses.get(status) if isinstance(status, str) else None
    start, end = data.day("starts_on", required=False), data.day("ends_on", required=False)
    if data.given("starts_on"):
        fields["starts_on"] = start
    if data.given("ends_on"):
        fields["ends_on"] = end
    if start is not None and end is not None and end < start:
        issues.add((*DATA, "ends_on"), "is before starts_on")
    if external_id is None or name is None or customer is None:
        return None
    return ProjectUpsert(external_id, name, customer, unit, fields)
