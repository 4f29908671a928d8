"""The unit of work's SQL rendering of the audit entry equals the domain's ``entry_for``,
for any event data (hypothesis), and commits naming a sensitive field take the Python path
that redacts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.adapters.db.uow import SqlUnitOfWork
from app.domain.controls.audit import REDACTED, entry_for
from app.domain.events import OutboxEvent
from app.request_context import request_id_var
from app.services.reactions import REACTIONS

NAMES = st.sampled_from(["id", "amount", "status", "version", "created_at", "due_date", "from"])
SCALARS = st.none() | st.booleans() | st.integers(-(10**6), 10**6) | st.text("ab中 ", max_size=4)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(NAMES, inner, max_size=3),
    max_leaves=6,
)
CHANGE = st.fixed_dictionaries({"from": VALUES, "to": VALUES}) | VALUES
TYPES = st.sampled_from(["invoice.updated", "invoice.created", "payment.allocated"])
DATA = st.fixed_dictionaries(
    {},
    optional={
        "object": st.dictionaries(NAMES, VALUES, max_size=5) | SCALARS,
        "changes": st.dictionaries(NAMES, CHANGE, max_size=4) | SCALARS,
        "action": st.sampled_from(["write_off", "", "hold"]) | st.integers(0, 2),
        "reason": VALUES,
        "invoice": VALUES,
        "actor": st.fixed_dictionaries(
            {
                "api_key": st.sampled_from(["k", "system:scheduler"]),
                "user": st.none() | st.just("u"),
            }
        )
        | st.none(),
    },
)


async def _entries(db: AsyncEngine, events: list[OutboxEvent]) -> list[dict[str, Any]]:
    async with db.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT id, at, actor, key_name, request_id, action, subject, changes "
                "FROM audit_log WHERE id = ANY(:ids) ORDER BY position"
            ),
            {"ids": [e.id for e in events]},
        )
        return [dict(r) for r in rows.mappings()]


def _expected(event: OutboxEvent, request_id: str | None) -> dict[str, Any]:
    entry = entry_for(event, request_id)
    return {
        "id": entry.id,
        "at": entry.at,
        "actor": entry.actor,
        "key_name": entry.key_name,
        "request_id": entry.request_id,
        "action": entry.action,
        "subject": entry.subject,
        "changes": entry.changes,
    }


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    batch=st.lists(st.tuples(TYPES, DATA), min_size=1, max_size=4),
    request_id=st.none() | st.just("req-1"),
)
async def test_the_sql_entry_equals_the_domain_s(
    db: AsyncEngine, batch: list[tuple[str, dict[str, Any]]], request_id: str | None
) -> None:
    moment = datetime(2026, 12, 1, 8, 0, 0, 123000, tzinfo=UTC)
    events = [
        OutboxEvent(uuid4(), type_, f"invoices/{n}", moment, data)
        for n, (type_, data) in enumerate(batch)
    ]
    token = request_id_var.set(request_id)
    try:
        async with SqlUnitOfWork(db, REACTIONS) as uow:
            for event in events:
                uow.add_event(event)
            await uow.commit()
    finally:
        request_id_var.reset(token)
    assert await _entries(db, events) == [_expected(e, request_id) for e in events]


async def test_a_commit_naming_a_secret_is_redacted(db: AsyncEngine) -> None:
    moment = datetime(2026, 12, 1, tzinfo=UTC)
    data = {"object": {"url": "u", "secret": "whsec_x"}, "actor": {"api_key": "k", "user": None}}
    event = OutboxEvent(uuid4(), "webhook_endpoint.disabled", "w/1", moment, data)
    async with SqlUnitOfWork(db, REACTIONS) as uow:
        uow.add_event(event)
        await uow.commit()
    (entry,) = await _entries(db, [event])
    assert entry["changes"] == {"object": [None, {"url": "u", "secret": REDACTED}]}
