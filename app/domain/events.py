"""Outbound events: what happened, as CloudEvents 1.0 envelopes waiting in the outbox."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypedDict
from uuid import UUID

EVENT_SOURCE = "/huikuan"


class EventType(StrEnum):
    """Every outbound event type, the one list: emitters name a member, webhook endpoints
    subscribe to members. The contract's types plus ours: ``webhook_endpoint.disabled``,
    ``invoice.due_soon`` (the due-soon job reminds of invoices as well as installments), and
    for changes the contract names no type for, ``task.updated``, ``target.updated``,
    ``risk.updated``, ``interaction.created``, ``dunning_policy.updated``, ``confirmation.updated``
    (no reply) and ``legal_action.created``. A person's first placement is ``person.updated``
    too (the directory already knew the user id). For approvals, ``approval.cancelled``,
    ``approval.decided`` (one approval of two) and ``approval_policy.updated``."""

    CUSTOMER_CREATED = "customer.created"
    CUSTOMER_UPDATED = "customer.updated"
    CUSTOMER_OVERDUE_SUMMARY = "customer.overdue_summary"
    CONTRACT_CREATED = "contract.created"
    CONTRACT_UPDATED = "contract.updated"
    INSTALLMENT_RESCHEDULED = "installment.rescheduled"
    INSTALLMENT_DUE_SOON = "installment.due_soon"
    INSTALLMENT_OVERDUE = "installment.overdue"
    INSTALLMENT_PAID = "installment.paid"
    INVOICE_CREATED = "invoice.created"
    INVOICE_UPDATED = "invoice.updated"
    INVOICE_PAID = "invoice.paid"
    INVOICE_VOIDED = "invoice.voided"
    INVOICE_OVERDUE = "invoice.overdue"
    INVOICE_DISPUTED = "invoice.disputed"
    INVOICE_DUNNING_LEVEL_CHANGED = "invoice.dunning_level_changed"
    INVOICE_DUE_SOON = "invoice.due_soon"
    PAYMENT_RECEIVED = "payment.received"
    PAYMENT_ALLOCATED = "payment.allocated"
    PAYMENT_REVERSED = "payment.reversed"
    PAYMENT_UNALLOCATED = "payment.unallocated"
    TASK_CREATED = "task.created"
    TASK_ASSIGNED = "task.assigned"
    TASK_COMPLETED = "task.completed"
    TASK_OVERDUE = "task.overdue"
    TASK_UPDATED = "task.updated"
    PROMISE_CREATED = "promise.created"
    PROMISE_KEPT = "promise.kept"
    PROMISE_BROKEN = "promise.broken"
    RISK_RAISED = "risk.raised"
    RISK_ESCALATED = "risk.escalated"
    RISK_RESOLVED = "risk.resolved"
    RISK_UPDATED = "risk.updated"
    TARGET_CREATED = "target.created"
    TARGET_ACHIEVED = "target.achieved"
    TARGET_AT_RISK = "target.at_risk"
    TARGET_MISSED = "target.missed"
    TARGET_UPDATED = "target.updated"
    INTERACTION_CREATED = "interaction.created"
    DUNNING_POLICY_UPDATED = "dunning_policy.updated"
    WEBHOOK_ENDPOINT_DISABLED = "webhook_endpoint.disabled"
    ORG_UNIT_CREATED = "org_unit.created"
    ORG_UNIT_UPDATED = "org_unit.updated"
    PERSON_UPDATED = "person.updated"
    PROJECT_CREATED = "project.created"
    PROJECT_UPDATED = "project.updated"
    PROJECT_COMPLETED = "project.completed"
    PERSON_DAILY_DIGEST = "person.daily_digest"
    APPROVAL_REQUESTED = "approval.requested"
    APPROVAL_APPROVED = "approval.approved"
    APPROVAL_REJECTED = "approval.rejected"
    APPROVAL_EXPIRED = "approval.expired"
    APPROVAL_FAILED = "approval.failed"
    APPROVAL_CANCELLED = "approval.cancelled"
    APPROVAL_DECIDED = "approval.decided"
    APPROVAL_POLICY_UPDATED = "approval_policy.updated"
    MILESTONE_REACHED = "milestone.reached"
    MILESTONE_UNREACHED = "milestone.unreached"
    INSTALLMENT_DUE_DATE_SET = "installment.due_date_set"
    INSTALLMENT_DUE_DATE_CLEARED = "installment.due_date_cleared"
    INSTALLMENT_UNBILLED = "installment.unbilled"
    CONFIRMATION_SENT = "confirmation.sent"
    CONFIRMATION_CONFIRMED = "confirmation.confirmed"
    CONFIRMATION_DISPUTED = "confirmation.disputed"
    CONFIRMATION_UPDATED = "confirmation.updated"
    LEGAL_ACTION_CREATED = "legal_action.created"
    INVOICE_LIMITATION_EXPIRING = "invoice.limitation_expiring"
    INSTALLMENT_LIMITATION_EXPIRING = "installment.limitation_expiring"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who caused a change: the API key's name and, when a front end says so, the person."""

    key_name: str
    user: str | None = None

    @classmethod
    def system(cls, component: str) -> Actor:
        return cls(key_name=f"system:{component}")

    def as_dict(self) -> dict[str, str | None]:
        return {"api_key": self.key_name, "user": self.user}


class Envelope(TypedDict):
    """An event as the webhooks and the feed carry it (CloudEvents 1.0, structured mode)."""

    specversion: str
    id: str
    source: str
    type: str
    subject: str
    time: str
    datacontenttype: str
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class OutboxEvent:
    """A CloudEvents 1.0 event; ``data`` is JSON-ready (strings, numbers, lists, dicts)."""

    id: UUID
    type: str
    subject: str
    time: datetime
    data: dict[str, Any]
    source: str = EVENT_SOURCE
    extra: dict[str, Any] = field(default_factory=dict)

    def envelope(self) -> Envelope:
        return {
            "specversion": "1.0",
            "id": str(self.id),
            "source": self.source,
            "type": self.type,
            "subject": self.subject,
            "time": rfc3339(self.time),
            "datacontenttype": "application/json",
            "data": self.data,
        }


def rfc3339(moment: datetime) -> str:
    """UTC timestamp as ``2026-11-27T08:00:00Z`` (microseconds kept when present)."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def changes_document(changed: dict[str, tuple[Any, Any]]) -> dict[str, dict[str, Any]]:
    return {name: {"from": before, "to": after} for name, (before, after) in changed.items()}


class DomainEvent:
    """Something that happened inside a unit of work that another context may react to in
    the same transaction (``app/services/unit_of_work.py``); never leaves the service.
    Subclasses are frozen dataclasses named in the past tense."""

    __slots__ = ()
