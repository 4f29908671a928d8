"""Collection work: targets, tasks, interactions and promises, risk flags, dunning policy.

Revision ID: 0005_collection_work
Revises: 0004_test_clock
Create Date: 2026-11-27
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision: str = "0005_collection_work"
down_revision: str | Sequence[str] | None = "0004_test_clock"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)
MONEY = sa.Numeric(20, 4)
ID = pg.UUID(as_uuid=True)

TARGET_SCOPE_SQL = (
    "(scope = 'org' AND customer_id IS NULL AND contract_id IS NULL AND scope_owner IS NULL)"
    " OR (scope = 'customer' AND customer_id IS NOT NULL AND contract_id IS NULL"
    " AND scope_owner IS NULL)"
    " OR (scope = 'contract' AND contract_id IS NOT NULL AND customer_id IS NULL"
    " AND scope_owner IS NULL)"
    " OR (scope = 'owner' AND scope_owner IS NOT NULL AND customer_id IS NULL"
    " AND contract_id IS NULL)"
)
OPEN_TASK_SQL = "status IN ('todo', 'in_progress')"
UNSETTLED_PROMISE_SQL = "status IN ('open', 'partially_kept')"
ACTIVE_FLAG_SQL = "status IN ('open', 'mitigating')"

# The default policy: 1 reminder at 1 day, 2 escalate at 15, 3 final notice at 30, 4 legal at 60.
DEFAULT_DUNNING_LEVELS = [
    {"level": 1, "days_overdue": 1, "action": "reminder", "create_task": False},
    {"level": 2, "days_overdue": 15, "action": "escalate", "create_task": True},
    {"level": 3, "days_overdue": 30, "action": "final_notice", "create_task": True},
    {"level": 4, "days_overdue": 60, "action": "legal", "create_task": True},
]


def _fk(column: str, table: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=f"fk_{table}_{column}_{target}")


def _check(table: str, name: str, condition: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(condition, name=op.f(f"ck_{table}_{name}"))


def _stamps() -> list[sa.Column[object]]:
    return [
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "targets",
        sa.Column("id", ID),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("period_start", sa.Date, nullable=False),
        sa.Column("period_end", sa.Date, nullable=False),
        sa.Column("scope", sa.Text, nullable=False),
        sa.Column("customer_id", ID),
        sa.Column("contract_id", ID),
        sa.Column("scope_owner", sa.Text),
        sa.Column("owner", sa.Text),
        sa.Column("description", sa.Text),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_targets"),
        _fk("customer_id", "targets", "customers"),
        _fk("contract_id", "targets", "contracts"),
        _check("targets", "amount_positive", "amount > 0"),
        _check("targets", "period", "period_end >= period_start"),
        _check("targets", "scope", "scope IN ('org','customer','contract','owner')"),
        _check("targets", "scope_id", TARGET_SCOPE_SQL),
    )
    op.create_index("ix_targets_customer_id", "targets", ["customer_id"])
    op.create_index("ix_targets_contract_id", "targets", ["contract_id"])
    op.create_index("ix_targets_scope_owner", "targets", ["scope_owner"])
    op.create_index("ix_targets_period_end", "targets", ["period_end"])

    op.create_table(
        "tasks",
        sa.Column("id", ID),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("priority", sa.Text, nullable=False),
        sa.Column("assignee", sa.Text),
        sa.Column("due_date", sa.Date),
        sa.Column("target_id", ID),
        sa.Column("customer_id", ID),
        sa.Column("contract_id", ID),
        sa.Column("invoice_id", ID),
        sa.Column("description", sa.Text),
        sa.Column("completed_at", TS),
        sa.Column("cancelled_at", TS),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_tasks"),
        _fk("target_id", "tasks", "targets"),
        _fk("customer_id", "tasks", "customers"),
        _fk("contract_id", "tasks", "contracts"),
        _fk("invoice_id", "tasks", "invoices"),
        _check(
            "tasks", "kind", "kind IN ('call','email','visit','invoice','reminder','legal','other')"
        ),
        _check("tasks", "status", "status IN ('todo','in_progress','done','cancelled')"),
        _check("tasks", "priority", "priority IN ('low','normal','high','urgent')"),
    )
    op.create_index("ix_tasks_assignee", "tasks", ["assignee"])
    op.create_index("ix_tasks_target_id", "tasks", ["target_id"])
    op.create_index("ix_tasks_customer_id", "tasks", ["customer_id"])
    op.create_index("ix_tasks_invoice_id", "tasks", ["invoice_id"])
    op.create_index(
        "ix_tasks_open_due_date", "tasks", ["due_date"], postgresql_where=sa.text(OPEN_TASK_SQL)
    )

    op.create_table(
        "interactions",
        sa.Column("id", ID),
        sa.Column("customer_id", ID, nullable=False),
        sa.Column("invoice_id", ID),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("occurred_at", TS, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("outcome", sa.Text),
        sa.Column("recorded_by", sa.Text, nullable=False),
        sa.Column("recorded_by_user", sa.Text),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_interactions"),
        _fk("customer_id", "interactions", "customers"),
        _fk("invoice_id", "interactions", "invoices"),
        _check(
            "interactions",
            "channel",
            "channel IN ('phone','email','meeting','visit','im','letter')",
        ),
    )
    op.create_index("ix_interactions_customer_id", "interactions", ["customer_id"])
    op.create_index("ix_interactions_invoice_id", "interactions", ["invoice_id"])

    op.create_table(
        "promises",
        sa.Column("id", ID),
        sa.Column("interaction_id", ID, nullable=False),
        sa.Column("customer_id", ID, nullable=False),
        sa.Column("invoice_id", ID),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("paid_amount", MONEY, nullable=False),
        sa.Column("promised_date", sa.Date, nullable=False),
        sa.Column("made_on", sa.Date, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("kept_at", TS),
        sa.Column("broken_at", TS),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_promises"),
        _fk("interaction_id", "promises", "interactions"),
        _fk("customer_id", "promises", "customers"),
        _fk("invoice_id", "promises", "invoices"),
        sa.UniqueConstraint("interaction_id", name="uq_promises_interaction_id"),
        _check("promises", "amount_positive", "amount > 0"),
        _check("promises", "paid_amount", "paid_amount >= 0"),
        _check("promises", "status", "status IN ('open','kept','partially_kept','broken')"),
    )
    op.create_index(
        "ix_promises_unsettled_customer_id_currency",
        "promises",
        ["customer_id", "currency"],
        postgresql_where=sa.text(UNSETTLED_PROMISE_SQL),
    )
    op.create_index(
        "ix_promises_unsettled_promised_date",
        "promises",
        ["promised_date"],
        postgresql_where=sa.text(UNSETTLED_PROMISE_SQL),
    )
    op.create_index("ix_promises_invoice_id", "promises", ["invoice_id"])

    op.create_table(
        "risk_flags",
        sa.Column("id", ID),
        sa.Column("subject_type", sa.Text, nullable=False),
        sa.Column("subject_id", ID, nullable=False),
        sa.Column("customer_id", ID, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("severity", sa.SmallInteger, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("rule", sa.Text),
        sa.Column("description", sa.Text),
        sa.Column("mitigation_plan", sa.Text),
        sa.Column("owner", sa.Text),
        sa.Column("resolution_note", sa.Text),
        sa.Column("resolved_at", TS),
        sa.Column("escalated_from", sa.SmallInteger),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_risk_flags"),
        _fk("customer_id", "risk_flags", "customers"),
        _check("risk_flags", "subject_type", "subject_type IN ('customer','contract','invoice')"),
        _check(
            "risk_flags",
            "kind",
            "kind IN ('overdue','broken_promise','amount_mismatch','invoice_error','credit',"
            "'dispute','legal','other')",
        ),
        _check("risk_flags", "severity", "severity BETWEEN 1 AND 4"),
        _check("risk_flags", "status", "status IN ('open','mitigating','resolved','dismissed')"),
        _check("risk_flags", "source", "source IN ('rule','user')"),
        _check("risk_flags", "rule", "(source = 'rule') = (rule IS NOT NULL)"),
    )
    op.create_index(
        "uq_risk_flags_active_subject_type_subject_id_kind",
        "risk_flags",
        ["subject_type", "subject_id", "kind"],
        unique=True,
        postgresql_where=sa.text(ACTIVE_FLAG_SQL),
    )
    op.create_index("ix_risk_flags_customer_id", "risk_flags", ["customer_id"])
    op.create_index("ix_risk_flags_subject_id", "risk_flags", ["subject_id"])

    op.create_table(
        "dunning_policy",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("levels", pg.JSONB, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("updated_by", sa.Text),
        sa.Column("updated_by_user", sa.Text),
        sa.PrimaryKeyConstraint("id", name="pk_dunning_policy"),
        _check("dunning_policy", "single_row", "id = 1"),
    )
    op.execute(
        sa.text(
            "INSERT INTO dunning_policy (id, levels, version, updated_at, updated_by) "
            "VALUES (1, CAST(:levels AS jsonb), 1, now(), 'system:migration')"
        ).bindparams(levels=json.dumps(DEFAULT_DUNNING_LEVELS))
    )


def downgrade() -> None:
    op.drop_table("dunning_policy")
    op.drop_table("risk_flags")
    op.drop_table("promises")
    op.drop_table("interactions")
    op.drop_table("tasks")
    op.drop_table("targets")
