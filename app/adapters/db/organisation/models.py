"""Org units and their closure, people, projects and the history of who and what sat in
which unit (migration 0012_organisation)."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Index,
    Integer,
    SmallInteger,
    Table,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field

from app.adapters.db.metadata import ID, TIMESTAMP, TableModel


class OrgUnitRow(TableModel, table=True):
    __tablename__ = "org_units"
    __table_args__ = (Index("ix_org_units_parent_id", "parent_id"),)

    id: UUID = Field(sa_type=ID, primary_key=True)
    code: str = Field(sa_type=Text, unique=True)
    name: str = Field(sa_type=Text)
    parent_id: UUID | None = Field(sa_type=ID, foreign_key="org_units.id")
    manager: str | None = Field(sa_type=Text)
    version: int = Field(sa_type=Integer)
    created_at: datetime = Field(sa_type=TIMESTAMP)
    updated_at: datetime = Field(sa_type=TIMESTAMP)


org_units: Table = OrgUnitRow.__table__


# Every (ancestor, descendant) pair, each unit its own at depth 0: roll-ups are one join.
class OrgUnitClosureRow(TableModel, table=True):
    __tablename__ = "org_unit_closure"
    __table_args__ = (Index("ix_org_unit_closure_descendant_id", "descendant_id"),)

    ancestor_id: UUID = Field(sa_type=ID, primary_key=True, foreign_key="org_units.id")
    descendant_id: UUID = Field(sa_type=ID, primary_key=True, foreign_key="org_units.id")
    depth: int = Field(sa_type=SmallInteger)


org_unit_closure: Table = OrgUnitClosureRow.__table__


class PersonRow(TableModel, table=True):
    __tablename__ = "people"
    __table_args__ = (Index("ix_people_org_unit_id", "org_unit_id"),)

    user_id: str = Field(sa_type=Text, primary_key=True)
    name: str = Field(sa_type=Text)
    org_unit_id: UUID | None = Field(sa_type=ID, foreign_key="org_units.id")
    active: bool = Field(sa_type=Boolean)
    version: int = Field(sa_type=Integer)
    created_at: datetime = Field(sa_type=TIMESTAMP)
    updated_at: datetime = Field(sa_type=TIMESTAMP)


people: Table = PersonRow.__table__


class ProjectRow(TableModel, table=True):
    __tablename__ = "projects"
    __table_args__ = (
        CheckConstraint("status IN ('active','completed','closed')", name="status"),
        # Contracts refer to (id, customer_id): a contract's project is its customer's.
        UniqueConstraint("id", "customer_id", name="uq_projects_id_customer_id"),
        Index("ix_projects_customer_id", "customer_id"),
        Index("ix_projects_org_unit_id", "org_unit_id"),
    )

    id: UUID = Field(sa_type=ID, primary_key=True)
    external_id: str | None = Field(sa_type=Text, unique=True)
    name: str = Field(sa_type=Text)
    customer_id: UUID = Field(sa_type=ID, foreign_key="customers.id")
    org_unit_id: UUID | None = Field(sa_type=ID, foreign_key="org_units.id")
    manager: str | None = Field(sa_type=Text)
    status: str = Field(sa_type=Text)
    starts_on: date | None = Field(sa_type=Date)
    ends_on: date | None = Field(sa_type=Date)
    version: int = Field(sa_type=Integer)
    created_at: datetime = Field(sa_type=TIMESTAMP)
    updated_at: datetime = Field(sa_type=TIMESTAMP)


projects: Table = ProjectRow.__table__


# Which unit a person or a project sat in, from ``valid_from`` until ``valid_to`` (null:
# still): reports as of a past day read the assignment of that day's end.
class PersonAssignmentRow(TableModel, table=True):
    __tablename__ = "person_assignments"

    user_id: str = Field(sa_type=Text, primary_key=True, foreign_key="people.user_id")
    valid_from: datetime = Field(sa_type=TIMESTAMP, primary_key=True)
    valid_to: datetime | None = Field(sa_type=TIMESTAMP)
    org_unit_id: UUID | None = Field(sa_type=ID, foreign_key="org_units.id")


person_assignments: Table = PersonAssignmentRow.__table__


class ProjectAssignmentRow(TableModel, table=True):
    __tablename__ = "project_assignments"

    project_id: UUID = Field(sa_type=ID, primary_key=True, foreign_key="projects.id")
    valid_from: datetime = Field(sa_type=TIMESTAMP, primary_key=True)
    valid_to: datetime | None = Field(sa_type=TIMESTAMP)
    org_unit_id: UUID | None = Field(sa_type=ID, foreign_key="org_units.id")


project_assignments: Table = ProjectAssignmentRow.__table__
