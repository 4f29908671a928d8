"""What the scheduled jobs find, and the natural key that makes each finding happen once.

A finding is (kind, subject id, key): an invoice overdue for its due date, an installment
due soon for its due date, a dunning level reached, a customer's overdue summary for a
day. The database keeps every finding under that key, so running a job twice, or in two
processes at once, finds nothing new the second time. The rules that decide what is due
live in the contexts whose jobs find it (``receivables/due_soon.py``,
``collection/scans.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from uuid import UUID


class FindingKind(StrEnum):
    """Mostly the event type a finding emits; ``invoice.overdue_risk`` is the overdue rule's
    raise of an invoice's risk flag to one severity."""

    INVOICE_OVERDUE = "invoice.overdue"
    INVOICE_OVERDUE_RISK = "invoice.overdue_risk"
    INVOICE_DUNNING = "invoice.dunning_level_changed"
    INVOICE_DUE_SOON = "invoice.due_soon"
    INSTALLMENT_OVERDUE = "installment.overdue"
    INSTALLMENT_DUE_SOON = "installment.due_soon"
    TASK_OVERDUE = "task.overdue"
    CUSTOMER_OVERDUE_SUMMARY = "customer.overdue_summary"
    PROMISE_BROKEN = "promise.broken"
    TARGET_AT_RISK = "target.at_risk"
    TARGET_ACHIEVED = "target.achieved"
    TARGET_MISSED = "target.missed"


@dataclass(frozen=True, slots=True)
class Finding:
    """A finding under its natural key. ``customer_id`` is kept for overdue installments,
    which the daily summary lists per customer."""

    kind: FindingKind
    subject_id: UUID
    key: str
    customer_id: UUID | None = None

    @property
    def natural_key(self) -> tuple[str, UUID, str]:
        return (self.kind.value, self.subject_id, self.key)


def finding(kind: FindingKind, subject_id: UUID, *parts: object) -> Finding:
    """``finding(INVOICE_OVERDUE, id, due_date)``: the key joins the parts with ``:``."""
    return Finding(kind, subject_id, ":".join(_part(p) for p in parts))


def _part(value: object) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)
