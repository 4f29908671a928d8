"""Hand-written SQL computing the same figures as each report, for bench/reports.py.

Each is one statement written the way one would by hand for this schema, using the same
idea as the service (receivables as of a day = what is open now, corrected by what
changed since), so the ratio measures what the service adds: building the statement,
the API, JSON. ``NAIVE_AGING`` is the textbook formulation (every invoice less every
allocation that counted), shown for comparison.

Parameters: $1 the as-of day (or the period's last day), $2 the instant it ends.
"""

from __future__ import annotations

LIVE = """i.issued_on <= $1 AND (i.voided_on IS NULL OR i.voided_on > $1)
       AND (i.written_off_on IS NULL OR i.written_off_on > $1)"""

TERMS = f"""
    SELECT i.customer_id, i.contract_id, i.currency, i.due_date, i.disputed_at, i.hold_until,
           i.amount - i.amount_paid AS amount
      FROM invoices i
     WHERE i.status IN ('open', 'partially_paid') AND i.issued_on <= $1
    UNION ALL
    SELECT i.customer_id, i.contract_id, i.currency, i.due_date, i.disputed_at, i.hold_until,
           i.amount - i.amount_paid
      FROM invoices i
     WHERE (i.voided_on > $1 OR i.written_off_on > $1) AND i.amount_paid < i.amount AND {LIVE}
    UNION ALL
    SELECT i.customer_id, i.contract_id, i.currency, i.due_date, i.disputed_at, i.hold_until,
           CASE WHEN a.undone_at IS NULL THEN a.amount ELSE -a.amount END
      FROM payment_allocations a JOIN invoices i ON i.id = a.invoice_id
     WHERE ((a.undone_at IS NULL AND a.received_on > $1)
            OR (a.undone_reason = 'reversed' AND a.undone_at >= $2 AND a.received_on <= $1))
       AND {LIVE}
"""

# What installments due a week or more before $1 (HUIKUAN_UNBILLED_AFTER_DAYS, 7) still have
# un-invoiced on $1: their amount less their invoices issued by then and not voided then.
UNBILLED = """
    SELECT s.currency, c.customer_id, s.contract_id, s.amount - coalesce(v.invoiced, 0) AS unbilled
      FROM installments s JOIN contracts c ON c.id = s.contract_id
      LEFT JOIN (SELECT installment_id, sum(amount) AS invoiced FROM invoices
                  WHERE installment_id IS NOT NULL AND issued_on <= $1
                    AND (voided_on IS NULL OR voided_on > $1)
                  GROUP BY installment_id) v ON v.installment_id = s.id
     WHERE s.removed_at IS NULL AND c.signed_on <= $1 AND s.due_date <= $1 - 7
       AND s.amount - coalesce(v.invoiced, 0) > 0
"""

# The terms and the unbilled amounts, apart (no due date: in no bucket).
ROWS = """
    SELECT currency, customer_id, contract_id, due_date, amount, 0 AS unbilled FROM terms
    UNION ALL
    SELECT currency, customer_id, contract_id, NULL, 0, unbilled FROM unbilled
"""

BUCKETS = """
       sum(amount) FILTER (WHERE due_date >= $1) AS current,
       sum(amount) FILTER (WHERE due_date BETWEEN $1 - 30 AND $1 - 1) AS d1_30,
       sum(amount) FILTER (WHERE due_date BETWEEN $1 - 60 AND $1 - 31) AS d31_60,
       sum(amount) FILTER (WHERE due_date BETWEEN $1 - 90 AND $1 - 61) AS d61_90,
       sum(amount) FILTER (WHERE due_date <= $1 - 91) AS d91_plus,
       sum(amount) AS total, sum(unbilled) AS unbilled"""

AGING = f"""
WITH terms AS ({TERMS}), unbilled AS ({UNBILLED}), rows AS ({ROWS}),
agg AS (
  SELECT currency, customer_id, 0 AS grouped, {BUCKETS} FROM rows GROUP BY currency, customer_id
)
SELECT agg.*, c.name FROM agg LEFT JOIN customers c ON c.id = agg.customer_id
UNION ALL
SELECT currency, NULL, 1, sum(current), sum(d1_30), sum(d31_60), sum(d61_90), sum(d91_plus),
       sum(total), sum(unbilled), NULL
  FROM agg GROUP BY currency
"""

AGING_BOOK = f"""
WITH terms AS ({TERMS}), unbilled AS ({UNBILLED}), rows AS ({ROWS})
SELECT currency, {BUCKETS} FROM rows GROUP BY currency
"""

NAIVE_AGING = f"""
WITH outstanding AS (
  SELECT i.customer_id, i.currency, i.due_date,
         i.amount - coalesce(sum(a.amount), 0) AS amount, 0 AS unbilled
    FROM invoices i
    LEFT JOIN payment_allocations a
      ON a.invoice_id = i.id AND a.received_on <= $1
     AND (a.undone_at IS NULL OR (a.undone_reason = 'reversed' AND a.undone_at >= $2))
   WHERE {LIVE}
   GROUP BY i.id
),
agg AS (
  SELECT currency, customer_id, GROUPING(customer_id) AS grouped, {BUCKETS}
    FROM outstanding
   GROUP BY GROUPING SETS ((currency, customer_id), (currency))
)
SELECT agg.*, c.name FROM agg LEFT JOIN customers c ON c.id = agg.customer_id
"""

# $1 last day, $2 its end, $3 the day before the period, $4 that day's end, $5 first day.
# Opening = unpaid now on invoices receivable on $3, plus money received since (only the
# allocations of invoices not receivable then need their invoice); on time = paid now on
# the invoices falling due, less what came after each due date.
KPIS = f"""
WITH closing AS ({TERMS}), unbilled AS ({UNBILLED}),
parts AS (
  SELECT currency, sum(amount) AS opening, 0 AS billed, 0 AS collected, 0 AS closing,
         0 AS closing_current, 0 AS disputed, 0 AS on_hold, 0 AS falling_due, 0 AS on_time,
         0 AS unbilled
    FROM (
      SELECT i.currency, i.amount - i.amount_paid AS amount FROM invoices i
       WHERE i.status IN ('open', 'partially_paid') AND i.issued_on <= $3
      UNION ALL
      SELECT i.currency, i.amount - i.amount_paid FROM invoices i
       WHERE (i.voided_on > $3 OR i.written_off_on > $3) AND i.amount_paid < i.amount
         AND {LIVE.replace("$1", "$3")}
      UNION ALL
      SELECT a.currency, a.amount FROM payment_allocations a
       WHERE a.undone_at IS NULL AND a.received_on > $3
      UNION ALL
      SELECT a.currency, -a.amount FROM payment_allocations a JOIN invoices i ON i.id = a.invoice_id
       WHERE a.undone_at IS NULL AND a.received_on > $3
         AND (i.issued_on > $3 OR i.voided_on <= $3 OR i.written_off_on <= $3)
      UNION ALL
      SELECT a.currency, -a.amount FROM payment_allocations a JOIN invoices i ON i.id = a.invoice_id
       WHERE a.undone_reason = 'reversed' AND a.undone_at >= $4 AND a.received_on <= $3
         AND {LIVE.replace("$1", "$3")}
    ) opening
   GROUP BY currency
  UNION ALL
  SELECT currency, 0, 0, 0, sum(amount), sum(amount) FILTER (WHERE due_date >= $1),
         sum(amount) FILTER (WHERE disputed_at < $2), sum(amount) FILTER (WHERE hold_until >= $1),
         0, 0, 0
    FROM closing GROUP BY currency
  UNION ALL
  SELECT currency, 0, sum(amount), 0, 0, 0, 0, 0, 0, 0, 0 FROM invoices
   WHERE issued_on BETWEEN $5 AND $1 AND (voided_on IS NULL OR voided_on > $1)
   GROUP BY currency
  UNION ALL
  SELECT currency, 0, 0, sum(amount), 0, 0, 0, 0, 0, 0, 0 FROM payment_allocations
   WHERE received_on BETWEEN $5 AND $1
     AND (undone_at IS NULL OR (undone_reason = 'reversed' AND undone_at >= $2))
   GROUP BY currency
  UNION ALL
  SELECT currency, 0, 0, 0, 0, 0, 0, 0, sum(amount), sum(amount_paid), 0 FROM invoices
   WHERE due_date BETWEEN $5 AND $1 AND issued_on <= $1 AND (voided_on IS NULL OR voided_on > $1)
   GROUP BY currency
  UNION ALL
  SELECT i.currency, 0, 0, 0, 0, 0, 0, 0, 0,
         sum(CASE WHEN a.undone_at IS NULL THEN -a.amount ELSE a.amount END), 0
    FROM invoices i JOIN payment_allocations a ON a.invoice_id = i.id
   WHERE i.due_date BETWEEN $5 AND $1 AND i.issued_on <= $1
     AND (i.voided_on IS NULL OR i.voided_on > $1)
     AND ((a.undone_at IS NULL AND a.received_on > $3 AND a.received_on > i.due_date)
          OR (a.undone_reason = 'reversed' AND a.undone_at >= $2 AND a.received_on <= i.due_date))
   GROUP BY i.currency
  UNION ALL
  SELECT currency, 0, 0, 0, 0, 0, 0, 0, 0, 0, sum(unbilled) FROM unbilled GROUP BY currency
)
SELECT currency, sum(opening) AS opening, sum(billed) AS billed, sum(collected) AS collected,
       sum(closing) AS closing, sum(closing_current) AS closing_current,
       sum(disputed) AS disputed, sum(on_hold) AS on_hold, sum(falling_due) AS falling_due,
       sum(on_time) AS on_time, sum(unbilled) AS unbilled
  FROM parts GROUP BY currency ORDER BY currency
"""

# $1 today, $2 first day, $3 last day.
FORECAST = """
WITH for_invoice AS (
  SELECT invoice_id, sum(amount - paid_amount) AS promised FROM promises
   WHERE status IN ('open', 'partially_kept') AND amount > paid_amount AND invoice_id IS NOT NULL
   GROUP BY invoice_id
), for_customer AS (
  SELECT customer_id, currency, sum(amount - paid_amount) AS promised FROM promises
   WHERE status IN ('open', 'partially_kept') AND amount > paid_amount AND invoice_id IS NULL
   GROUP BY customer_id, currency
), residual AS (
  SELECT i.id, i.customer_id, i.currency, i.due_date,
         i.outstanding - least(i.outstanding, coalesce(p.promised, 0)) AS residual
    FROM invoices i LEFT JOIN for_invoice p ON p.invoice_id = i.id
   WHERE i.status IN ('open', 'partially_paid')
), waterfall AS (
  SELECT r.*, c.promised,
         sum(r.residual) OVER (PARTITION BY r.customer_id, r.currency
                               ORDER BY r.due_date, r.id) AS running
    FROM residual r LEFT JOIN for_customer c
      ON c.customer_id = r.customer_id AND c.currency = r.currency
), invoiced AS (
  SELECT installment_id, sum(amount) AS invoiced FROM invoices
   WHERE installment_id IS NOT NULL AND status <> 'void' GROUP BY installment_id
), sources AS (
  SELECT currency, due_date AS day, 'invoices' AS source,
         residual - least(residual, greatest(0, coalesce(promised, 0) - (running - residual)))
           AS amount
    FROM waterfall
  UNION ALL
  SELECT currency, promised_date, 'promises', amount - paid_amount FROM promises
   WHERE status IN ('open', 'partially_kept') AND amount > paid_amount
  UNION ALL
  SELECT s.currency, s.due_date, 'installments', s.amount - coalesce(v.invoiced, 0)
    FROM installments s LEFT JOIN invoiced v ON v.installment_id = s.id
   WHERE s.removed_at IS NULL AND s.amount - coalesce(v.invoiced, 0) > 0
)
SELECT currency, CASE WHEN day < $1 THEN NULL ELSE day END AS day, source, sum(amount) AS amount
  FROM sources
 WHERE day < $1 OR day BETWEEN greatest($1, $2) AND $3
 GROUP BY 1, 2, 3
"""

# $1 last day, $2 its end, $3 first day, $4 the first day's start, $5 today, $6 zone.
PERFORMANCE = """
WITH parts AS (
  SELECT c.owner, i.currency, a.amount AS collected, 0 AS target, 0 AS due, 0 AS on_time,
         0 AS done, 0 AS late, 0 AS promised, 0 AS kept
    FROM payment_allocations a JOIN invoices i ON i.id = a.invoice_id
    LEFT JOIN contracts c ON c.id = i.contract_id
   WHERE a.received_on BETWEEN $3 AND $1 AND i.issued_on <= $1
     AND (a.undone_at IS NULL OR (a.undone_reason = 'reversed' AND a.undone_at >= $2))
  UNION ALL
  SELECT coalesce(t.scope_owner, t.owner), t.currency,
         0, t.amount * (least(t.period_end, $1) - greatest(t.period_start, $3) + 1)
              / (t.period_end - t.period_start + 1), 0, 0, 0, 0, 0, 0
    FROM targets t WHERE t.period_start <= $1 AND t.period_end >= $3
  UNION ALL
  SELECT c.owner, i.currency, 0, 0, i.amount, 0, 0, 0, 0, 0
    FROM invoices i LEFT JOIN contracts c ON c.id = i.contract_id
   WHERE i.due_date BETWEEN $3 AND $1 AND i.issued_on <= $1
     AND (i.voided_on IS NULL OR i.voided_on > $1)
  UNION ALL
  SELECT c.owner, i.currency, 0, 0, 0, a.amount, 0, 0, 0, 0
    FROM invoices i JOIN payment_allocations a ON a.invoice_id = i.id
    LEFT JOIN contracts c ON c.id = i.contract_id
   WHERE i.due_date BETWEEN $3 AND $1 AND i.issued_on <= $1
     AND (i.voided_on IS NULL OR i.voided_on > $1) AND a.received_on <= i.due_date
     AND (a.undone_at IS NULL OR (a.undone_reason = 'reversed' AND a.undone_at >= $2))
  UNION ALL
  SELECT assignee, NULL, 0, 0, 0, 0, 1, 0, 0, 0 FROM tasks
   WHERE status = 'done' AND completed_at >= $4 AND completed_at < $2
  UNION ALL
  SELECT assignee, NULL, 0, 0, 0, 0, 0, 1, 0, 0 FROM tasks
   WHERE status <> 'cancelled' AND due_date BETWEEN $3 AND $1 AND due_date < $5
     AND (completed_at IS NULL OR (completed_at AT TIME ZONE $6)::date > due_date)
  UNION ALL
  SELECT coalesce(n.recorded_by_user, c.owner), NULL, 0, 0, 0, 0, 0, 0, 1,
         CASE WHEN p.status = 'kept' THEN 1 ELSE 0 END
    FROM promises p JOIN interactions n ON n.id = p.interaction_id
    LEFT JOIN invoices i ON i.id = p.invoice_id LEFT JOIN contracts c ON c.id = i.contract_id
   WHERE p.promised_date BETWEEN $3 AND $1 AND p.status IN ('kept', 'partially_kept', 'broken')
)
SELECT owner, currency, sum(collected) AS collected, sum(target) AS target, sum(due) AS due,
       sum(on_time) AS on_time, sum(done) AS done, sum(late) AS late,
       sum(promised) AS promised, sum(kept) AS kept
  FROM parts GROUP BY owner, currency
"""

# Ageing by org unit, rolled up: each contract's unit (its project's, else its owner's, as
# assigned at $2), summed per leaf unit, then joined once to the closure table; money
# without a unit is the unassigned row (key null). Totals per currency from the leaves.
UNITS = """
  SELECT c.id, coalesce(pa.org_unit_id, pe.org_unit_id) AS unit
    FROM contracts c
    LEFT JOIN project_assignments pa ON pa.project_id = c.project_id
         AND pa.valid_from < $2 AND (pa.valid_to IS NULL OR pa.valid_to >= $2)
    LEFT JOIN person_assignments pe ON pe.user_id = c.owner
         AND pe.valid_from < $2 AND (pe.valid_to IS NULL OR pe.valid_to >= $2)
"""

AGING_BY_UNIT = f"""
WITH terms AS ({TERMS}), unbilled AS ({UNBILLED}), rows AS ({ROWS}), units AS ({UNITS}),
leaf AS (
  SELECT r.currency, u.unit, {BUCKETS}
    FROM rows r LEFT JOIN units u ON u.id = r.contract_id
   GROUP BY r.currency, u.unit
)
SELECT l.currency, cl.ancestor_id AS unit, 0 AS grouped, sum(l.current) AS current,
       sum(l.d1_30) AS d1_30, sum(l.d31_60) AS d31_60, sum(l.d61_90) AS d61_90,
       sum(l.d91_plus) AS d91_plus, sum(l.total) AS total, sum(l.unbilled) AS unbilled,
       max(o.name) AS name, max(o.parent_id::text) AS parent_id
  FROM leaf l JOIN org_unit_closure cl ON cl.descendant_id = l.unit
  JOIN org_units o ON o.id = cl.ancestor_id
 GROUP BY l.currency, cl.ancestor_id
UNION ALL
SELECT currency, NULL, 0, current, d1_30, d31_60, d61_90, d91_plus, total, unbilled, NULL, NULL
  FROM leaf WHERE unit IS NULL
UNION ALL
SELECT currency, NULL, 1, sum(current), sum(d1_30), sum(d31_60), sum(d61_90), sum(d91_plus),
       sum(total), sum(unbilled), NULL, NULL
  FROM leaf GROUP BY currency
"""

# KPIs by org unit, rolled up ($ as KPIS): every part's rows with their invoice's contract
# (so the allocations read their invoice), each contract's unit, sums per leaf unit, then
# the closure once; the unassigned row and the totals as in AGING_BY_UNIT.
KPIS_BY_UNIT = f"""
WITH closing AS ({TERMS}), unbilled AS ({UNBILLED}), units AS ({UNITS}),
parts AS (
  SELECT i.currency, i.contract_id, i.amount - i.amount_paid AS opening, 0 AS billed,
         0 AS collected, 0 AS closing, 0 AS on_time, 0 AS unbilled
    FROM invoices i WHERE i.status IN ('open', 'partially_paid') AND i.issued_on <= $3
  UNION ALL
  SELECT i.currency, i.contract_id, i.amount - i.amount_paid, 0, 0, 0, 0, 0 FROM invoices i
   WHERE (i.voided_on > $3 OR i.written_off_on > $3) AND i.amount_paid < i.amount
     AND {LIVE.replace("$1", "$3")}
  UNION ALL
  SELECT i.currency, i.contract_id,
         CASE WHEN a.undone_at IS NULL AND a.received_on > $3 AND {LIVE.replace("$1", "$3")}
              THEN a.amount
              WHEN a.undone_reason = 'reversed' AND a.received_on <= $3
                   AND {LIVE.replace("$1", "$3")} THEN -a.amount ELSE 0 END,
         0,
         CASE WHEN a.received_on BETWEEN $5 AND $1 THEN a.amount ELSE 0 END, 0, 0, 0
    FROM payment_allocations a JOIN invoices i ON i.id = a.invoice_id
   WHERE (a.undone_at IS NULL AND a.received_on > $3)
      OR (a.undone_reason = 'reversed' AND a.undone_at >= $2 AND a.received_on BETWEEN $5 AND $1)
      OR (a.undone_reason = 'reversed' AND a.undone_at >= $4 AND a.received_on <= $3)
  UNION ALL
  SELECT currency, contract_id, 0, 0, 0, amount, 0, 0 FROM closing
  UNION ALL
  SELECT currency, contract_id, 0, amount, 0, 0, 0, 0 FROM invoices
   WHERE issued_on BETWEEN $5 AND $1 AND (voided_on IS NULL OR voided_on > $1)
  UNION ALL
  SELECT currency, contract_id, 0, 0, 0, 0, amount_paid, 0 FROM invoices
   WHERE due_date BETWEEN $5 AND $1 AND issued_on <= $1 AND (voided_on IS NULL OR voided_on > $1)
  UNION ALL
  SELECT i.currency, i.contract_id, 0, 0, 0, 0,
         CASE WHEN a.undone_at IS NULL THEN -a.amount ELSE a.amount END, 0
    FROM invoices i JOIN payment_allocations a ON a.invoice_id = i.id
   WHERE i.due_date BETWEEN $5 AND $1 AND i.issued_on <= $1
     AND (i.voided_on IS NULL OR i.voided_on > $1)
     AND ((a.undone_at IS NULL AND a.received_on > $3 AND a.received_on > i.due_date)
          OR (a.undone_reason = 'reversed' AND a.undone_at >= $2 AND a.received_on <= i.due_date))
  UNION ALL
  SELECT currency, contract_id, 0, 0, 0, 0, 0, unbilled FROM unbilled
),
leaf AS (
  SELECT p.currency, u.unit, sum(opening) AS opening, sum(billed) AS billed,
         sum(collected) AS collected, sum(closing) AS closing, sum(on_time) AS on_time,
         sum(unbilled) AS unbilled
    FROM parts p LEFT JOIN units u ON u.id = p.contract_id
   GROUP BY p.currency, u.unit
)
SELECT l.currency, cl.ancestor_id AS unit, 0 AS grouped, sum(l.opening) AS opening,
       sum(l.billed) AS billed, sum(l.collected) AS collected, sum(l.closing) AS closing,
       sum(l.on_time) AS on_time, sum(l.unbilled) AS unbilled
  FROM leaf l JOIN org_unit_closure cl ON cl.descendant_id = l.unit
 GROUP BY l.currency, cl.ancestor_id
UNION ALL
SELECT currency, NULL, 0, opening, billed, collected, closing, on_time, unbilled
  FROM leaf WHERE unit IS NULL
UNION ALL
SELECT currency, NULL, 1, sum(opening), sum(billed), sum(collected), sum(closing),
       sum(on_time), sum(unbilled)
  FROM leaf GROUP BY currency
"""
