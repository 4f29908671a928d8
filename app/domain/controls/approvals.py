"""Approval policy and approval requests: which actions need a second person, and the
life of a request (pending -> approved | rejected | cancelled | expired | failed)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import UUID

from app.domain.errors import Conflict, Forbidden, IllegalStateTransition, ValidationFailed
from app.domain.money import Money

# The actions a policy may gate, as the policy names them.
GATED_ACTIONS = (
    "invoice.write_off",
    "invoice.hold",
    "installment.reschedule",
    "payment.reverse",
    "allocation.delete",
    "dunning_policy.update",
    "target.update",
)
# An approver entry that names a role instead of a person: the manager of the org unit that
# owns the subject (resolved by an ApproverDirectory).
ORG_UNIT_MANAGER = "org_unit_manager"
MAX_APPROVERS = 50


@dataclass(frozen=True, slots=True)
class ApprovalRule:
    action: str
    approvers: tuple[str, ...]
    required: int = 1
    min_amount: Money | None = None  # None: every such action needs approval

    def matches(self, action: str, stake: Money | None) -> bool:
        """The rule applies to ``action`` when it has no threshold, or when the amount at
        stake is in the threshold's currency and at least the threshold."""
        if action != self.action:
            return False
        if self.min_amount is None:
            return True
        return (
            stake is not None
            and stake.currency == self.min_amount.currency
            and stake >= self.min_amount
        )


@dataclass(frozen=True, slots=True)
class ApprovalPolicy:
    rules: tuple[ApprovalRule, ...] = ()
    version: int = 0
    updated_at: datetime | None = None
    updated_by: str | None = None

    def rule_for(self, action: str, stake: Money | None) -> ApprovalRule | None:
        """The most demanding matching rule (more approvals, then the first listed)."""
        found = [r for r in self.rules if r.matches(action, stake)]
        return max(found, key=lambda r: r.required) if found else None


def make_rule(
    index: int,
    action: str,
    approvers: Sequence[str],
    required: int,
    min_amount: str | Decimal | None,
    currency: str | None,
) -> ApprovalRule:
    """One rule as a client sends it, checked: 422 names the rule's place in the list."""
    loc: tuple[str | int, ...] = ("rules", index)
    if action not in GATED_ACTIONS:
        known = ", ".join(GATED_ACTIONS)
        raise ValidationFailed(f"unknown action {action!r} (known: {known})", (*loc, "action"))
    if required not in (1, 2):
        raise ValidationFailed("required must be 1 or 2", (*loc, "required"))
    people = tuple(dict.fromkeys(a.strip() for a in approvers))
    if not people or any(not p for p in people):
        raise ValidationFailed("approvers must name at least one user id", (*loc, "approvers"))
    if len(people) > MAX_APPROVERS:
        raise ValidationFailed(f"at most {MAX_APPROVERS} approvers", (*loc, "approvers"))
    if ORG_UNIT_MANAGER in people and len(people) > 1:
        raise ValidationFailed(
            f"{ORG_UNIT_MANAGER!r} stands alone in approvers", (*loc, "approvers")
        )
    if ORG_UNIT_MANAGER not in people and len(people) < required:
        raise ValidationFailed(
            f"required is {required} but only {len(people)} approver(s) are named",
            (*loc, "approvers"),
        )
    if currency is not None and min_amount is None:
        raise ValidationFailed("a currency needs a min_amount", (*loc, "min_amount"))
    if min_amount is not None and currency is None:
        raise ValidationFailed("a min_amount needs a currency", (*loc, "currency"))
    threshold = None
    if min_amount is not None and currency is not None:
        try:
            threshold = Money.of(min_amount, currency)
        except ValidationFailed as exc:
            raise ValidationFailed(exc.detail, (*loc, "min_amount")) from None
        if threshold.is_negative():
            raise ValidationFailed("min_amount must not be negative", (*loc, "min_amount"))
    return ApprovalRule(action, people, required, threshold)


class ApprovalStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    FAILED = "failed"


class Verdict(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


@dataclass(frozen=True, slots=True)
class Decision:
    by: str
    at: datetime
    decision: Verdict
    comment: str | None


@dataclass(frozen=True, slots=True)
class ApprovalRequest:
    id: UUID
    action: str
    subject: str
    payload: dict[str, Any]
    stake: Money | None
    requested_by: str
    requested_key: str
    requested_at: datetime
    expires_at: datetime
    approvers: tuple[str, ...]  # as the rule named them at request time
    required: int
    status: ApprovalStatus = ApprovalStatus.PENDING
    decisions: tuple[Decision, ...] = ()
    result: dict[str, Any] | None = None
    version: int = 1

    def approvals(self) -> int:
        return sum(1 for d in self.decisions if d.decision is Verdict.APPROVE)


def _pending(request: ApprovalRequest) -> None:
    if request.status is not ApprovalStatus.PENDING:
        raise IllegalStateTransition(f"the approval request is {request.status.value}")


def decide(
    request: ApprovalRequest,
    by: str,
    verdict: Verdict,
    comment: str | None,
    now: datetime,
    *,
    eligible: bool,
) -> ApprovalRequest:
    """Record one approver's decision. The request is ``approved`` (its action to be run
    now) when it reaches the required approvals; one rejection ends it."""
    _pending(request)
    if now >= request.expires_at:  # the expiry job may not have run yet
        raise IllegalStateTransition("the approval request has expired")
    if by == request.requested_by:
        raise Forbidden("nobody approves or rejects their own request")
    if not eligible:
        raise Forbidden(f"{by!r} is not an approver of this request")
    if any(d.by == by for d in request.decisions):
        raise Conflict(f"{by!r} has already decided on this request")
    decided = (*request.decisions, Decision(by, now, verdict, comment))
    status = ApprovalStatus.PENDING
    if verdict is Verdict.REJECT:
        status = ApprovalStatus.REJECTED
    elif sum(1 for d in decided if d.decision is Verdict.APPROVE) >= request.required:
        status = ApprovalStatus.APPROVED
    return replace(request, decisions=decided, status=status, version=request.version + 1)


def cancel(request: ApprovalRequest, by: str | None) -> ApprovalRequest:
    _pending(request)
    if by != request.requested_by:
        raise Forbidden("only the requester cancels a request")
    return replace(request, status=ApprovalStatus.CANCELLED, version=request.version + 1)


def expire(request: ApprovalRequest, now: datetime) -> ApprovalRequest:
    _pending(request)
    if now < request.expires_at:
        raise IllegalStateTransition("the approval request has not expired yet")
    return replace(request, status=ApprovalStatus.EXPIRED, version=request.version + 1)


def settle(request: ApprovalRequest, result: dict[str, Any], *, failed: bool) -> ApprovalRequest:
    """An approved request's outcome: what the action answered, or the problem it met."""
    if request.status is not ApprovalStatus.APPROVED:
        raise IllegalStateTransition(f"the approval request is {request.status.value}")
    status = ApprovalStatus.FAILED if failed else ApprovalStatus.APPROVED
    return replace(request, status=status, result=result)
