"""Idempotency retention: one ``created_at`` index per kind of row in ``idempotency_keys``.

The ``idempotency-cleanup`` job deletes Idempotency-Key claims past the retention (24 h by
default) and signed requests' webhook-ids past their window (minutes). With one index on
``created_at`` for both, each batch of webhook-ids walked past a day of claims (or the
planner chose a scan of the whole table). Two partial indexes replace it: every row is in
exactly one, so a write costs what it did, and each delete is a range scan of rows it removes.

Revision ID: 0011_idempotency_retention
Revises: 0010_worklist
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_idempotency_retention"
down_revision: str | Sequence[str] | None = "0010_worklist"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("ix_idempotency_keys_claims_created_at", "scope <> 'webhook-id'"),
    ("ix_idempotency_keys_messages_created_at", "scope = 'webhook-id'"),
)


def upgrade() -> None:
    for name, where in INDEXES:
        op.create_index(name, "idempotency_keys", ["created_at"], postgresql_where=sa.text(where))
    op.drop_index("ix_idempotency_keys_created_at", table_name="idempotency_keys")


def downgrade() -> None:
    op.create_index("ix_idempotency_keys_created_at", "idempotency_keys", ["created_at"])
    for name, _ in reversed(INDEXES):
        op.drop_index(name, table_name="idempotency_keys")
