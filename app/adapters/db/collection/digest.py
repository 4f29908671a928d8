"""What the collector digest reads: who may have work, their tasks due, promises due."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date

from sqlalchemy import text

from app.adapters.db.collection.statuses import (
    ACTIVE_FLAG_SQL,
    OPEN_TASK_SQL,
    UNSETTLED_PROMISE_SQL,
)
from app.adapters.db.connection import Executor
from app.domain.money import Money
from app.services.collection.ports import DigestPerson, PromiseDue, TaskDue

# The worklist's owners (see worklist.py's scopes): user ids that own a contract, an open
# task or an active risk flag; a person record gives the name, and an inactive one no digest.
_PEOPLE = text(f"""
WITH owners(user_id) AS (
    SELECT owner FROM contracts WHERE owner IS NOT NULL
    UNION SELECT assignee FROM tasks WHERE assignee IS NOT NULL AND {OPEN_TASK_SQL}
    UNION SELECT owner FROM risk_flags WHERE owner IS NOT NULL AND {ACTIVE_FLAG_SQL}
)
SELECT o.user_id, p.name
FROM owners AS o LEFT JOIN people AS p ON p.user_id = o.user_id
WHERE p.active IS DISTINCT FROM false
ORDER BY o.user_id
""")

_TASKS_DUE = text(f"""
SELECT t.assignee, t.id, t.title, t.due_date, c.name AS customer_name
FROM tasks AS t
LEFT JOIN invoices AS i ON i.id = t.invoice_id
LEFT JOIN contracts AS k ON k.id = t.contract_id
LEFT JOIN customers AS c ON c.id = COALESCE(t.customer_id, i.customer_id, k.customer_id)
WHERE t.assignee = ANY(CAST(:people AS text[])) AND t.{OPEN_TASK_SQL}
  AND t.due_date <= CAST(:today AS date)
ORDER BY t.assignee, t.due_date, t.id
""")

_PROMISES_DUE = text(f"""
SELECT p.id, p.customer_id, c.name AS customer_name, p.invoice_id,
       p.amount - p.paid_amount AS remaining, p.currency
FROM promises AS p JOIN customers AS c ON c.id = p.customer_id
WHERE p.promised_date = CAST(:today AS date) AND p.{UNSETTLED_PROMISE_SQL}
ORDER BY p.customer_id, p.id
""")


class SqlDigestQueries:
    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def people(self) -> Sequence[DigestPerson]:
        return [DigestPerson(r.user_id, r.name) for r in (await self.conn.execute(_PEOPLE)).all()]

    async def tasks_due(self, people: Collection[str], today: date) -> Sequence[TaskDue]:
        params = {"people": list(people), "today": today}
        rows = (await self.conn.execute(_TASKS_DUE, params)).all()
        return [TaskDue(r.assignee, r.id, r.title, r.due_date, r.customer_name) for r in rows]

    async def promises_due(self, today: date) -> Sequence[PromiseDue]:
        rows = (await self.conn.execute(_PROMISES_DUE, {"today": today})).all()
        return [
            PromiseDue(
                r.id,
                r.customer_id,
                r.customer_name,
                r.invoice_id,
                Money.of(r.remaining, r.currency),
            )
            for r in rows
        ]
