"""Organisation: org units (a tree, with its closure table), people, projects, the history
of their units, and contracts' project.

Revision ID: 0012_organisation
Revises: 0011_idempotency_retention
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision: str = "0012_organisation"
down_revision: str | Sequence[str] | None = "0011_idempotency_retention"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = UUID(as_uuid=True)
TS = sa.DateTime(timezone=True)


def _stamps() -> list[sa.Column[object]]:
    return [
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    ]


# Frozen copies of the targets' scope checks, before and after.
_SCOPES_BEFORE = "scope IN ('org','customer','contract','owner')"
_SCOPES_AFTER = "scope IN ('org','customer','contract','owner','org_unit','project')"
_SCOPE_IDS_BEFORE = (
    "(scope = 'org' AND customer_id IS NULL AND contract_id IS NULL AND scope_owner IS NULL)"
    " OR (scope = 'customer' AND customer_id IS NOT NULL AND contract_id IS NULL"
    " AND scope_owner IS NULL)"
    " OR (scope = 'contract' AND contract_id IS NOT NULL AND customer_id IS NULL"
    " AND scope_owner IS NULL)"
    " OR (scope = 'owner' AND scope_owner IS NOT NULL AND customer_id IS NULL"
    " AND contract_id IS NULL)"
)
_SCOPE_IDS_AFTER = (
    _SCOPE_IDS_BEFORE
    + " OR (scope = 'org_unit' AND org_unit_id IS NOT NULL AND customer_id IS NULL"
    " AND contract_id IS NULL AND scope_owner IS NULL)"
    " OR (scope = 'project' AND project_id IS NOT NULL AND customer_id IS NULL"
    " AND contract_id IS NULL AND scope_owner IS NULL)"
)


def _target_checks(scopes: str, scope_ids: str) -> None:
    op.drop_constraint(op.f("ck_targets_scope"), "targets", type_="check")
    op.drop_constraint(op.f("ck_targets_scope_id"), "targets", type_="check")
    op.create_check_constraint("scope", "targets", scopes)
    op.create_check_constraint("scope_id", "targets", scope_ids)


def upgrade() -> None:
    op.create_table(
        "org_units",
        sa.Column("id", ID, primary_key=True),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("parent_id", ID, sa.ForeignKey("org_units.id"), nullable=True),
        sa.Column("manager", sa.Text(), nullable=True),
        *_stamps(),
        sa.UniqueConstraint("code", name="uq_org_units_code"),
        sa.PrimaryKeyConstraint("id", name="pk_org_units"),
    )
    op.create_index("ix_org_units_parent_id", "org_units", ["parent_id"])
    op.create_table(
        "org_unit_closure",
        sa.Column("ancestor_id", ID, sa.ForeignKey("org_units.id"), nullable=False),
        sa.Column("descendant_id", ID, sa.ForeignKey("org_units.id"), nullable=False),
        sa.Column("depth", sa.SmallInteger(), nullable=False),
        sa.PrimaryKeyConstraint("ancestor_id", "descendant_id", name="pk_org_unit_closure"),
    )
    op.create_index("ix_org_unit_closure_descendant_id", "org_unit_closure", ["descendant_id"])
    op.create_table(
        "people",
        sa.Column("user_id", sa.Text(), primary_key=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("org_unit_id", ID, sa.ForeignKey("org_units.id"), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("user_id", name="pk_people"),
    )
    op.create_index("ix_people_org_unit_id", "people", ["org_unit_id"])
    op.create_table(
        "projects",
        sa.Column("id", ID, nullable=False),
        sa.Column("external_id", sa.Text(), nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("customer_id", ID, sa.ForeignKey("customers.id"), nullable=False),
        sa.Column("org_unit_id", ID, sa.ForeignKey("org_units.id"), nullable=True),
        sa.Column("manager", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_projects"),
        sa.UniqueConstraint("external_id", name="uq_projects_external_id"),
        sa.UniqueConstraint("id", "customer_id", name="uq_projects_id_customer_id"),
        sa.CheckConstraint("status IN ('active','completed','closed')", name="status"),
    )
    op.create_index("ix_projects_customer_id", "projects", ["customer_id"])
    op.create_index("ix_projects_org_unit_id", "projects", ["org_unit_id"])
    op.create_table(
        "person_assignments",
        sa.Column("user_id", sa.Text(), sa.ForeignKey("people.user_id"), nullable=False),
        sa.Column("valid_from", TS, nullable=False),
        sa.Column("valid_to", TS, nullable=True),
        sa.Column("org_unit_id", ID, sa.ForeignKey("org_units.id"), nullable=True),
        sa.PrimaryKeyConstraint("user_id", "valid_from", name="pk_person_assignments"),
    )
    op.create_table(
        "project_assignments",
        sa.Column("project_id", ID, sa.ForeignKey("projects.id"), nullable=False),
        sa.Column("valid_from", TS, nullable=False),
        sa.Column("valid_to", TS, nullable=True),
        sa.Column("org_unit_id", ID, sa.ForeignKey("org_units.id"), nullable=True),
        sa.PrimaryKeyConstraint("project_id", "valid_from", name="pk_project_assignments"),
    )
    op.add_column("contracts", sa.Column("project_id", ID, nullable=True))
    op.create_index("ix_contracts_project_id", "contracts", ["project_id"])
    op.create_foreign_key(
        "fk_contracts_project_id_projects",
        "contracts",
        "projects",
        ["project_id", "customer_id"],
        ["id", "customer_id"],
    )
    op.add_column("targets", sa.Column("org_unit_id", ID, sa.ForeignKey("org_units.id")))
    op.add_column("targets", sa.Column("project_id", ID, sa.ForeignKey("projects.id")))
    op.add_column("targets", sa.Column("parent_id", ID, sa.ForeignKey("targets.id")))
    op.create_index("ix_targets_parent_id", "targets", ["parent_id"])
    _target_checks(_SCOPES_AFTER, _SCOPE_IDS_AFTER)


def downgrade() -> None:
    op.execute("DELETE FROM targets WHERE scope IN ('org_unit', 'project')")
    _target_checks(_SCOPES_BEFORE, _SCOPE_IDS_BEFORE)
    op.drop_index("ix_targets_parent_id", table_name="targets")
    for column in ("parent_id", "project_id", "org_unit_id"):
        op.drop_column("targets", column)
    op.drop_constraint("fk_contracts_project_id_projects", "contracts", type_="foreignkey")
    op.drop_index("ix_contracts_project_id", table_name="contracts")
    op.drop_column("contracts", "project_id")
    for table in (
        "project_assignments",
        "person_assignments",
        "projects",
        "people",
        "org_unit_closure",
        "org_units",
    ):
        op.drop_table(table)
