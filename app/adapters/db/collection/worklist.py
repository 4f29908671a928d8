"""The worklist query in PostgreSQL: an assignee's items, their factors and their score.

One statement finds the items the assignee owns (contract owner, open task assignee,
active risk flag owner; see ``_SCOPES``), computes each factor from indexed lookups, scores
them with the domain's formula written in SQL (:func:`score_sql`, held equal to
``app.domain.collection.worklist.score`` by ``tests/integration/test_worklist_score_sql.py``), and
returns one keyset page ordered by (score desc, item id).
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from sqlalchemy import TextClause, text
from sqlalchemy.engine import RowMapping

from app.adapters.db.collection.statuses import (
    ACTIVE_FLAG_SQL,
    OPEN_TASK_SQL,
    UNSETTLED_PROMISE_SQL,
)
from app.adapters.db.connection import Executor
from app.adapters.db.receivables.statuses import PAYABLE_SQL
from app.domain.collection.limitation import RULE as LIMITATION_RULE
from app.domain.collection.risk import Severity
from app.domain.collection.worklist import (
    BROKEN_PROMISE_WINDOW_DAYS,
    Candidate,
    Factors,
    ItemId,
    ItemKind,
)
from app.domain.collection.worklist_weights import ANY_CURRENCY, Weights
from app.domain.money import Money
from app.services.collection.ports import Ranked, WorklistQuery

ACTIVE_FLAG = ACTIVE_FLAG_SQL
OPEN_TASK = OPEN_TASK_SQL
OPEN_INVOICE = PAYABLE_SQL
UNSETTLED_PROMISE = UNSETTLED_PROMISE_SQL
TODAY = "CAST(:today AS date)"


def _weight(name: str) -> str:
    return f"CAST(:{name} AS numeric)"


def score_sql(row: str, broken: str) -> str:
    """The score of ``row``'s factors (columns ``amount_overdue``, ``currency``,
    ``days_overdue``, ``dunning_level``, ``risk_severity``, ``promise_due_today``) with
    ``broken`` broken promises: each term rounded half up to the cent like the domain's
    reasons (``round`` on numeric rounds halves away from zero), the amount term divided
    at 30 decimals so that its rounding is exact too."""
    unit = (
        f"COALESCE(CAST(CAST(:amount_units AS jsonb) ->> {row}.currency AS numeric), "
        f"{_weight('amount_unit_any')})"
    )
    amount = f"CAST({_weight('w_amount')} * {row}.amount_overdue AS numeric(60, 30)) / {unit}"
    risk = " ".join(
        f"WHEN {s.value} THEN round({_weight(f'w_risk_{s.label}')}, 2)" for s in Severity
    )
    return f"""(
        round(LEAST({_weight("cap_amount")}, {amount}), 2)
        + round(LEAST({_weight("cap_days")}, {_weight("w_days")} * {row}.days_overdue), 2)
        + round({_weight("w_dunning")} * {row}.dunning_level, 2)
        + round({_weight("w_broken")} * {broken}, 2)
        + CASE {row}.risk_severity {risk} ELSE 0 END
        + CASE WHEN {row}.promise_due_today THEN round({_weight("w_promise")}, 2) ELSE 0 END
        + CASE WHEN {row}.limitation_expiring THEN round({_weight("w_limitation")}, 2) ELSE 0 END
    )"""


def weight_params(weights: Weights) -> dict[str, Any]:
    units = {c: str(u) for c, u in weights.amount_units.items() if c != ANY_CURRENCY}
    params: dict[str, Any] = {
        "amount_units": json.dumps(units),
        "amount_unit_any": weights.amount_units[ANY_CURRENCY],
        "w_amount": weights.amount_overdue,
        "cap_amount": weights.amount_overdue_max_points,
        "w_days": weights.days_overdue,
        "cap_days": weights.days_overdue_max_points,
        "w_dunning": weights.dunning_level,
        "w_broken": weights.broken_promises,
        "w_promise": weights.promise_due_today,
        "w_limitation": weights.limitation_expiring,
    }
    for severity in Severity:
        params[f"w_risk_{severity.label}"] = weights.risk_severity[severity]
    return params


# Whose items: one user id, or the members of a team (a manager's view).
ASSIGNEES = "CAST(:assignees AS text[])"

# What the assignees own (``who``: which of them). Contract level (the contract's invoices
# and installments): the contract's owner, an open task on the contract (not on one
# invoice), an active flag on it. Customer level (the customer item, and invoices without a
# contract): an open task or an active flag on the customer itself. Invoice level: an open
# task or active flag on the invoice.
_SCOPES = f"""
contract_scope AS (
    SELECT id, owner AS who FROM contracts WHERE owner = ANY({ASSIGNEES})
    UNION
    SELECT contract_id, assignee FROM tasks
    WHERE assignee = ANY({ASSIGNEES}) AND {OPEN_TASK} AND contract_id IS NOT NULL
      AND invoice_id IS NULL
    UNION
    SELECT subject_id, owner FROM risk_flags
    WHERE owner = ANY({ASSIGNEES}) AND {ACTIVE_FLAG} AND subject_type = 'contract'
), customer_scope AS (
    SELECT customer_id AS id, assignee AS who FROM tasks
    WHERE assignee = ANY({ASSIGNEES}) AND {OPEN_TASK} AND customer_id IS NOT NULL
      AND contract_id IS NULL AND invoice_id IS NULL
    UNION
    SELECT subject_id, owner FROM risk_flags
    WHERE owner = ANY({ASSIGNEES}) AND {ACTIVE_FLAG} AND subject_type = 'customer'
), invoice_scope AS (
    SELECT i.id, s.who FROM invoices AS i JOIN contract_scope AS s ON i.contract_id = s.id
    WHERE i.{OPEN_INVOICE}
    UNION
    SELECT invoice_id, assignee FROM tasks
    WHERE assignee = ANY({ASSIGNEES}) AND {OPEN_TASK} AND invoice_id IS NOT NULL
    UNION
    SELECT subject_id, owner FROM risk_flags
    WHERE owner = ANY({ASSIGNEES}) AND {ACTIVE_FLAG} AND subject_type = 'invoice'
    UNION
    SELECT i.id, s.who FROM invoices AS i JOIN customer_scope AS s ON i.customer_id = s.id
    WHERE i.contract_id IS NULL AND i.{OPEN_INVOICE}
)"""

COLUMNS = (
    "kind, subject_id, customer_id, contract_id, currency, reference, due_date, "
    "amount_overdue, days_overdue, dunning_level, promise_due_today, risk_severity, "
    "limitation_expiring, assignee"
)

# Open invoices, neither disputed nor on hold, that are overdue, have a promise due
# today, or carry an active flag of their own.
_INVOICES = f"""
invoice_items AS (
    SELECT CAST('invoice' AS text) AS kind, i.id AS subject_id, i.customer_id, i.contract_id,
           i.currency, i.external_id AS reference, i.due_date,
           CASE WHEN i.due_date < {TODAY} THEN i.outstanding ELSE 0 END AS amount_overdue,
           GREATEST({TODAY} - i.due_date, 0) AS days_overdue,
           CAST(i.dunning_level AS integer) AS dunning_level,
           EXISTS (
               SELECT 1 FROM promises AS p
               WHERE p.invoice_id = i.id AND p.{UNSETTLED_PROMISE} AND p.promised_date = {TODAY}
           ) AS promise_due_today,
           f.severity AS risk_severity, f.own_severity, w.who AS assignee,
           EXISTS (
               SELECT 1 FROM risk_flags AS l
               WHERE l.subject_id = i.id AND l.kind = 'legal' AND l.rule = '{LIMITATION_RULE}'
                 AND l.{ACTIVE_FLAG}
           ) AS limitation_expiring
    FROM invoices AS i
    JOIN (SELECT id, min(who) AS who FROM invoice_scope GROUP BY id) AS w ON w.id = i.id
    CROSS JOIN LATERAL (
        SELECT max(severity) AS severity,
               max(severity) FILTER (WHERE subject_id = i.id) AS own_severity
        FROM risk_flags
        WHERE subject_id IN (i.id, i.contract_id, i.customer_id) AND {ACTIVE_FLAG}
    ) AS f
    WHERE i.{OPEN_INVOICE}
      AND i.disputed_at IS NULL AND (i.hold_until IS NULL OR i.hold_until < {TODAY})
      {{only}}
)"""
_INVOICE_ROWS = (
    f"SELECT {COLUMNS} FROM invoice_items "
    "WHERE days_overdue > 0 OR promise_due_today OR own_severity IS NOT NULL"
)

# Live installments past due, with the part no (non-void) invoice covers yet.
_INSTALLMENTS = f"""
installment_items AS (
    SELECT CAST('installment' AS text) AS kind, s.id AS subject_id, c.customer_id,
           s.contract_id, s.currency, s.name AS reference, s.due_date,
           s.amount - COALESCE(v.invoiced, 0) AS amount_overdue,
           {TODAY} - s.due_date AS days_overdue, 0 AS dunning_level,
           false AS promise_due_today, f.severity AS risk_severity, w.who AS assignee,
           false AS limitation_expiring
    FROM installments AS s
    JOIN (SELECT id, min(who) AS who FROM contract_scope GROUP BY id) AS w
      ON w.id = s.contract_id
    JOIN contracts AS c ON c.id = s.contract_id
    CROSS JOIN LATERAL (
        SELECT sum(amount) AS invoiced FROM invoices
        WHERE installment_id = s.id AND status <> 'void'
    ) AS v
    CROSS JOIN LATERAL (
        SELECT max(severity) AS severity FROM risk_flags
        WHERE subject_id IN (s.contract_id, c.customer_id) AND {ACTIVE_FLAG}
    ) AS f
    WHERE s.removed_at IS NULL
      AND s.due_date < {TODAY} {{only}}
)"""
_INSTALLMENT_ROWS = f"SELECT {COLUMNS} FROM installment_items WHERE amount_overdue > 0"

# Customers (owned directly, or through one of their contracts) with a promise naming no
# invoice due today, or an active flag on the customer itself.
_CUSTOMERS = f"""
customer_items AS (
    SELECT CAST('customer' AS text) AS kind, k.id AS subject_id, k.id AS customer_id,
           CAST(NULL AS uuid) AS contract_id, k.currency, CAST(NULL AS text) AS reference,
           CAST(NULL AS date) AS due_date, CAST(0 AS numeric) AS amount_overdue,
           0 AS days_overdue, 0 AS dunning_level,
           EXISTS (
               SELECT 1 FROM promises AS p
               WHERE p.customer_id = k.id AND p.{UNSETTLED_PROMISE} AND p.invoice_id IS NULL
                 AND p.promised_date = {TODAY}
           ) AS promise_due_today,
           (SELECT max(severity) FROM risk_flags WHERE subject_id = k.id AND {ACTIVE_FLAG})
               AS risk_severity,
           w.who AS assignee, false AS limitation_expiring
    FROM customers AS k
    JOIN (
        SELECT id, min(who) AS who FROM (
            SELECT id, who FROM customer_scope
            UNION ALL
            SELECT c.customer_id, s.who FROM contract_scope AS s JOIN contracts AS c ON c.id = s.id
        ) AS owned
        GROUP BY id
    ) AS w ON w.id = k.id
    WHERE true {{only}}
)"""
_CUSTOMER_ROWS = (
    f"SELECT {COLUMNS} FROM customer_items WHERE promise_due_today OR risk_severity IS NOT NULL"
)

_BRANCHES = {
    ItemKind.INVOICE: (_INVOICES, _INVOICE_ROWS, "i.id"),
    ItemKind.INSTALLMENT: (_INSTALLMENTS, _INSTALLMENT_ROWS, "s.id"),
    ItemKind.CUSTOMER: (_CUSTOMERS, _CUSTOMER_ROWS, "k.id"),
}


# The assignee's earliest-due open task about each item of the page.
_TASK_ABOUT = {
    ItemKind.INVOICE: "t.invoice_id = s.subject_id",
    ItemKind.INSTALLMENT: "t.contract_id = s.contract_id AND t.invoice_id IS NULL",
    ItemKind.CUSTOMER: "t.customer_id = s.subject_id AND t.contract_id IS NULL"
    " AND t.invoice_id IS NULL",
}
_OPEN_TASK = (
    "CASE s.kind "
    + " ".join(
        f"""WHEN '{kind.value}' THEN (
            SELECT t.id FROM tasks AS t
            WHERE t.assignee = s.assignee AND t.{OPEN_TASK} AND {condition}
            ORDER BY t.due_date NULLS LAST, t.id LIMIT 1)"""
        for kind, condition in _TASK_ABOUT.items()
    )
    + " END"
)


@cache
def ranked_statement(only: ItemKind | None = None) -> TextClause:
    """The worklist statement; with ``only``, for the one item ``:only`` of that kind."""
    kinds = [only] if only is not None else list(ItemKind)
    ctes = [_SCOPES]
    rows = []
    for kind in kinds:
        cte, select, key = _BRANCHES[kind]
        ctes.append(cte.format(only=f"AND {key} = CAST(:only AS uuid)" if only else ""))
        rows.append(select)
    return text(
        f"""
WITH {", ".join(ctes)},
candidates AS (
    {" UNION ALL ".join(rows)}
), broken AS (
    SELECT c.customer_id, (
        SELECT count(*) FROM promises AS p
        WHERE p.customer_id = c.customer_id AND p.status = 'broken'
          AND p.promised_date >= {TODAY} - {BROKEN_PROMISE_WINDOW_DAYS}
    ) AS broken_promises
    FROM (SELECT DISTINCT customer_id FROM candidates) AS c
), scored AS (
    SELECT c.*, b.broken_promises, c.kind || ':' || c.subject_id AS item_id,
           {score_sql("c", "b.broken_promises")} AS score
    FROM candidates AS c JOIN broken AS b ON b.customer_id = c.customer_id
)
SELECT s.*, k.name AS customer_name, {_OPEN_TASK} AS open_task_id
FROM (
    SELECT * FROM scored
    WHERE CAST(:after_score AS numeric) IS NULL
       OR score < CAST(:after_score AS numeric)
       OR (score = CAST(:after_score AS numeric)
           AND item_id COLLATE "C" > CAST(:after_id AS text))
    ORDER BY score DESC, item_id COLLATE "C"
    LIMIT :limit
) AS s
JOIN customers AS k ON k.id = s.customer_id
ORDER BY s.score DESC, s.item_id COLLATE "C"
"""
    )


def statement_params(query: WorklistQuery) -> dict[str, Any]:
    after_score, after_id = query.after if query.after else (None, None)
    return {
        "assignees": list(query.team) if query.team is not None else [query.assignee],
        "today": query.today,
        "limit": query.limit,
        "after_score": after_score,
        "after_id": after_id,
        **({"only": query.only.subject_id} if query.only else {}),
        **weight_params(query.weights),
    }


def candidate_from_row(row: RowMapping) -> Candidate:
    severity = row["risk_severity"]
    factors = Factors(
        amount_overdue=Money.of(row["amount_overdue"], row["currency"]),
        days_overdue=row["days_overdue"],
        dunning_level=row["dunning_level"],
        broken_promises=row["broken_promises"],
        risk_severity=None if severity is None else Severity(severity),
        promise_due_today=row["promise_due_today"],
        limitation_expiring=row["limitation_expiring"],
    )
    return Candidate(
        id=ItemId(ItemKind(row["kind"]), row["subject_id"]),
        customer_id=row["customer_id"],
        customer_name=row["customer_name"],
        factors=factors,
        contract_id=row["contract_id"],
        reference=row["reference"],
        due_date=row["due_date"],
        open_task_id=row["open_task_id"],
        assignee=row["assignee"],
    )


_EXISTS = {
    ItemKind.INVOICE: text("SELECT EXISTS (SELECT 1 FROM invoices WHERE id = :id)"),
    ItemKind.INSTALLMENT: text("SELECT EXISTS (SELECT 1 FROM installments WHERE id = :id)"),
    ItemKind.CUSTOMER: text("SELECT EXISTS (SELECT 1 FROM customers WHERE id = :id)"),
}


class SqlWorklistQueries:
    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def ranked(self, query: WorklistQuery) -> list[Ranked]:
        statement = ranked_statement(query.only.kind if query.only else None)
        result = await self.conn.execute(statement, statement_params(query))
        return [Ranked(candidate_from_row(r), r["score"]) for r in result.mappings()]

    async def exists(self, item: ItemId) -> bool:
        found = await self.conn.execute(_EXISTS[item.kind], {"id": item.subject_id})
        return bool(found.scalar_one())
