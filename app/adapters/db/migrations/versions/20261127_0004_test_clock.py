"""The test clock's offset, shared by every replica (HUIKUAN_TEST_CLOCK=true only).

Revision ID: 0004_test_clock
Revises: 0003_event_delivery
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_test_clock"
down_revision: str | Sequence[str] | None = "0003_event_delivery"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "test_clock",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("offset_us", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_test_clock"),
        sa.CheckConstraint("id = 1", name=op.f("ck_test_clock_single_row")),
    )


def downgrade() -> None:
    op.drop_table("test_clock")
