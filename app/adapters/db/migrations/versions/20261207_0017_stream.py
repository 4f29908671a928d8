"""The event stream and chat robots: the stream publisher's cursor, an endpoint's format.

``stream_cursors`` holds, per JetStream stream, the last (xid, position) of the feed order
that JetStream acknowledged; the publisher reads after it and moves it only after the acks.
``webhook_endpoints.format`` says how the relay renders an event for the endpoint:
``cloudevents`` (every endpoint so far) or a chat robot's markdown.

Revision ID: 0017_stream
Revises: 0016_imports
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017_stream"
down_revision: str | Sequence[str] | None = "0016_imports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "CREATE TABLE stream_cursors ("
        " stream text NOT NULL, xid xid8 NOT NULL, position bigint NOT NULL,"
        " updated_at timestamptz NOT NULL, CONSTRAINT pk_stream_cursors PRIMARY KEY (stream))"
    )
    op.add_column(
        "webhook_endpoints",
        sa.Column("format", sa.Text(), server_default="cloudevents", nullable=False),
    )
    op.create_check_constraint(
        op.f("ck_webhook_endpoints_format"),
        "webhook_endpoints",
        "format IN ('cloudevents','wecom','dingtalk','feishu')",
    )


def downgrade() -> None:
    op.drop_constraint("ck_webhook_endpoints_format", "webhook_endpoints", type_="check")
    op.drop_column("webhook_endpoints", "format")
    op.drop_table("stream_cursors")
