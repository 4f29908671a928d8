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

from app.domain.events import EventType


class FindingKind(StrEnum):
    """Mostly the event type a finding emits (its value, stored in ``findings.kind``);
    ``invoice.overdue_risk`` is the overdue rule's raise of an invoice's risk flag."""

    INVOICE_OVERDUE = EventType.INVOICE_OVERDUE.value
    INVOICE_OVERDUE_RISK = "invoice.overdue_risk"
    INVOICE_DUNNING = EventType.INVOICE_DUNNING_LEVEL_CHANGED.value
    INVOICE_DUE_SOON = EventType.INVOICE_DUE_SOON.value
    INSTALLMENT_OVERDUE = EventType.INSTALLMENT_OVERDUE.value
    INSTALLMENT_DUE_SOON = EventType.INSTALLMENT_DUE_SOON.value
    INSTALLMENT_UNBILLED = EventType.INSTALLMENT_UNBILLED.value
    TASK_OVERDUE = EventType.TASK_OVERDUE.value
    CUSTOMER_OVERDUE_SUMMARY = EventType.CUSTOMER_OVERDUE_SUMMARY.value
    PROMISE_BROKEN = EventType.PROMISE_BROKEN.value
    TARGET_AT_RISK = EventType.TARGET_AT_RISK.value
    TARGET_ACHIEVED = EventType.TARGET_ACHIEVED.value
    TARGET_MISSED = EventType.TARGET_MISSED.value
    PERSON_DAILY_DIGEST = EventType.PERSON_DAILY_DIGEST.value
    INVOICE_LIMITATION_EXPIRING = EventType.INVOICE_LIMITATION_EXPIRING.value
    INSTALLMENT_LIMITATION_EXPIRING = EventType.INSTALLMENT_LIMITATION_EXPIRING.value


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
