"""Use cases of approvals: the policy, the gate's request, decisions, cancelling, expiry.

The last approval runs the gated action in the approving transaction, in a savepoint: if
the action is no longer valid, its changes are undone and the request ends ``failed`` with
the problem, in the same commit. The request row is locked while deciding, so concurrent
approvers take turns and only one of them can run the action.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta
from uuid import UUID

from app.domain.controls import approvals as rules
from app.domain.controls.approvals import (
    ApprovalPolicy,
    ApprovalRequest,
    ApprovalRule,
    ApprovalStatus,
    Verdict,
)
from app.domain.errors import DomainError, NotFound, StaleVersion, ValidationFailed
from app.domain.events import Actor, EventType
from app.services.context import Context
from app.services.controls.actions import GATED, Payload
from app.services.controls.documents import policy_document, request_document
from app.services.controls.ports import (
    ApprovalRequestFilter,
    ApproverDirectory,
    ControlsUnitOfWork,
)
from app.services.pagination import Page, PageRequest, make_page
from app.services.problems import problem_document

POLICY_SUBJECT = "approval-policy"
DEFAULT_EXPIRE_DAYS = 7


def subject(request_id: UUID) -> str:
    return f"approval-requests/{request_id}"


async def get_policy(uow: ControlsUnitOfWork) -> ApprovalPolicy:
    return await uow.approval_policy.get()


async def replace_policy(
    uow: ControlsUnitOfWork,
    ctx: Context,
    new_rules: Sequence[ApprovalRule],
    directory: ApproverDirectory,
    expected_version: int | None = None,
) -> ApprovalPolicy:
    """Store a new policy (each rule checked by ``make_rule``); emits
    ``approval_policy.updated``. A role the directory cannot resolve is 422."""
    for index, rule in enumerate(new_rules):
        for approver in rule.approvers:
            if approver == rules.ORG_UNIT_MANAGER and approver not in directory.roles:
                raise ValidationFailed(
                    f"{approver!r} cannot be resolved here; name the approvers' user ids",
                    ("rules", index, "approvers"),
                )
    current = await uow.approval_policy.get()
    if expected_version is not None and expected_version != current.version:
        raise StaleVersion("approval policy", expected_version, current.version)
    policy = ApprovalPolicy(
        rules=tuple(new_rules),
        version=current.version + 1,
        updated_at=ctx.clock.now(),
        updated_by=ctx.actor.user or ctx.actor.key_name,
    )
    await uow.approval_policy.save(policy, expected_version=current.version)
    before, after = policy_document(current)["rules"], policy_document(policy)["rules"]
    data = {"object": policy_document(policy), "changes": {"rules": {"from": before, "to": after}}}
    uow.add_event(ctx.event(EventType.APPROVAL_POLICY_UPDATED, POLICY_SUBJECT, data))
    return policy


def _person(ctx: Context) -> str:
    if ctx.actor.user is None:
        raise ValidationFailed(
            "name the person acting in X-Actor: an approval policy is in force",
            ("header", "x-actor"),
        )
    return ctx.actor.user


def _emit(
    uow: ControlsUnitOfWork, ctx: Context, type_: EventType, request: ApprovalRequest
) -> None:
    uow.add_event(ctx.event(type_, subject(request.id), {"object": request_document(request)}))


async def request_if_needed(
    uow: ControlsUnitOfWork, ctx: Context, action: str, payload: Payload, expire_days: int
) -> ApprovalRequest | None:
    """The gate: None when no rule asks for approval; else a new pending request (emits
    ``approval.requested``). The amount at stake is read as the subject is now."""
    policy = await uow.approval_policy.get()
    if not policy.rules:
        return None
    gated = GATED[action]
    stake = await gated.stake(uow, ctx, payload)
    rule = policy.rule_for(action, stake)
    if rule is None:
        return None
    now = ctx.clock.now()
    request = ApprovalRequest(
        id=ctx.ids.new_id(),
        action=action,
        subject=gated.subject(payload),
        payload=payload,
        stake=stake,
        requested_by=_person(ctx),
        requested_key=ctx.actor.key_name,
        requested_at=now,
        expires_at=now + timedelta(days=expire_days),
        approvers=rule.approvers,
        required=rule.required,
    )
    await uow.approval_requests.add(request)
    _emit(uow, ctx, EventType.APPROVAL_REQUESTED, request)
    return request


async def _locked(uow: ControlsUnitOfWork, request_id: UUID) -> ApprovalRequest:
    request = await uow.approval_requests.get(request_id, lock=True)
    if request is None:
        raise NotFound("approval request", request_id)
    return request


async def _eligible(
    uow: ControlsUnitOfWork, request: ApprovalRequest, by: str, directory: ApproverDirectory
) -> bool:
    if by in request.approvers:
        return True
    if rules.ORG_UNIT_MANAGER in request.approvers:
        return by in await directory.managers_of(uow, request)
    return False


async def _execute(
    uow: ControlsUnitOfWork, ctx: Context, request: ApprovalRequest
) -> ApprovalRequest:
    """Run the approved action as its requester, in a savepoint: a refusal undoes only it."""
    requester = Actor(key_name=request.requested_key, user=request.requested_by)
    as_requester = replace(ctx, actor=requester)
    try:
        async with uow.savepoint():
            result = await GATED[request.action].run(uow, as_requester, request.payload)
    except DomainError as exc:
        return rules.settle(request, dict(problem_document(exc)), failed=True)
    return rules.settle(request, result, failed=False)


async def decide_request(
    uow: ControlsUnitOfWork,
    ctx: Context,
    request_id: UUID,
    verdict: Verdict,
    comment: str | None,
    directory: ApproverDirectory,
) -> ApprovalRequest:
    """One approver's decision. The last approval runs the action (exactly once: the row
    is locked and must still be pending); emits ``approval.approved`` or ``.failed``,
    ``approval.rejected``, or ``approval.decided`` while more approvals are needed."""
    by = _person(ctx)
    request = await _locked(uow, request_id)
    eligible = await _eligible(uow, request, by, directory)
    decided = rules.decide(request, by, verdict, comment, ctx.clock.now(), eligible=eligible)
    if decided.status is ApprovalStatus.APPROVED:
        decided = await _execute(uow, ctx, decided)
    await uow.approval_requests.save(decided)
    event = {
        ApprovalStatus.APPROVED: EventType.APPROVAL_APPROVED,
        ApprovalStatus.FAILED: EventType.APPROVAL_FAILED,
        ApprovalStatus.REJECTED: EventType.APPROVAL_REJECTED,
        ApprovalStatus.PENDING: EventType.APPROVAL_DECIDED,
    }[decided.status]
    _emit(uow, ctx, event, decided)
    return decided


async def cancel_request(
    uow: ControlsUnitOfWork, ctx: Context, request_id: UUID
) -> ApprovalRequest:
    request = await _locked(uow, request_id)
    cancelled = rules.cancel(request, ctx.actor.user)
    await uow.approval_requests.save(cancelled)
    _emit(uow, ctx, EventType.APPROVAL_CANCELLED, cancelled)
    return cancelled


async def get_request(uow: ControlsUnitOfWork, request_id: UUID) -> ApprovalRequest:
    request = await uow.approval_requests.get(request_id)
    if request is None:
        raise NotFound("approval request", request_id)
    return request


async def list_requests(
    uow: ControlsUnitOfWork, filters: ApprovalRequestFilter, page: PageRequest
) -> Page[ApprovalRequest]:
    rows = await uow.approval_request_queries.list(filters, page)
    return make_page(rows, page, lambda r: (r.requested_at.isoformat(), str(r.id)))


async def expire_due(uow: ControlsUnitOfWork, ctx: Context, limit: int) -> int:
    """One batch of the ``approval-expiry`` job: pending requests past their expiry end
    ``expired`` (emits ``approval.expired``); returns how many."""
    due = await uow.approval_requests.due_for_expiry(ctx.clock.now(), limit)
    for request in due:
        expired = rules.expire(request, ctx.clock.now())
        await uow.approval_requests.save(expired)
        _emit(uow, ctx, EventType.APPROVAL_EXPIRED, expired)
    return len(due)
