"""/v1/approval-policy and /v1/approval-requests: who must approve which actions, and the
requests waiting for them."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import Query, Response

from app.api.base import resource_router
from app.api.controls.schemas.approvals import ApprovalPolicyIn, ApprovalPolicyOut, DecisionIn
from app.api.deps import (
    AdminContext,
    Administrator,
    IfMatch,
    PlatformDep,
    Reader,
    UowDep,
    WriteContext,
    etag,
)
from app.api.errors import problem_responses
from app.api.gate import ApprovalRequestOut
from app.api.schemas import PageOut
from app.domain.controls.approvals import ApprovalPolicy, ApprovalStatus, Verdict, make_rule
from app.services.controls import approvals as use_cases
from app.services.controls.documents import policy_document, request_document
from app.services.controls.ports import ApprovalRequestFilter
from app.services.pagination import page_request

router = resource_router("/v1/approval-policy", "controls")
requests_router = resource_router("/v1/approval-requests", "controls")

DECISION_PROBLEMS = problem_responses(403, 404, 409)


def _policy(policy: ApprovalPolicy, response: Response) -> dict[str, Any]:
    response.headers["ETag"] = etag(policy.version)
    return policy_document(policy)


@router.get("", summary="Get the approval policy", response_model=ApprovalPolicyOut)
async def get_approval_policy(uow: UowDep, _: Administrator, response: Response) -> dict[str, Any]:
    async with uow:
        policy = await use_cases.get_policy(uow)
    return _policy(policy, response)


@router.put(
    "",
    summary="Replace the approval policy",
    description=(
        "Rules `{action, approvers, required, min_amount?, currency?}`. An empty list asks "
        "for no approval. Unknown action, `required` other than 1 or 2, no approver, or a "
        "currency without `min_amount`: 422. Send the ETag you read as `If-Match`."
    ),
    response_model=ApprovalPolicyOut,
    responses=problem_responses(412),
)
async def put_approval_policy(
    body: ApprovalPolicyIn,
    uow: UowDep,
    ctx: AdminContext,
    expected_version: IfMatch,
    response: Response,
    platform: PlatformDep,
) -> dict[str, Any]:
    rules = [
        make_rule(i, r.action, r.approvers, r.required, r.min_amount, r.currency)
        for i, r in enumerate(body.rules)
    ]
    async with uow:
        policy = await use_cases.replace_policy(
            uow, ctx, rules, platform.approvers, expected_version
        )
        await uow.commit()
    platform.gate.forget()
    return _policy(policy, response)


@requests_router.get(
    "", summary="List approval requests, newest first", response_model=PageOut[ApprovalRequestOut]
)
async def list_approval_requests(
    uow: UowDep,
    _: Reader,
    status: ApprovalStatus | None = None,
    action: Annotated[str | None, Query(max_length=100)] = None,
    requested_by: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> dict[str, Any]:
    filters = ApprovalRequestFilter(status=status, action=action, requested_by=requested_by)
    async with uow:
        page = await use_cases.list_requests(uow, filters, page_request(limit, cursor))
    return {"data": [request_document(r) for r in page.items], "next_cursor": page.next_cursor}


@requests_router.get(
    "/{request_id}",
    summary="Get an approval request",
    response_model=ApprovalRequestOut,
    responses=problem_responses(404),
)
async def get_approval_request(request_id: UUID, uow: UowDep, _: Reader) -> dict[str, Any]:
    async with uow:
        request = await use_cases.get_request(uow, request_id)
    return request_document(request)


async def _decide(
    uow: UowDep,
    ctx: WriteContext,
    platform: PlatformDep,
    request_id: UUID,
    verdict: Verdict,
    body: DecisionIn | None,
) -> dict[str, Any]:
    comment = body.comment if body else None
    async with uow:
        request = await use_cases.decide_request(
            uow, ctx, request_id, verdict, comment, platform.approvers
        )
        await uow.commit()
    return request_document(request)


@requests_router.post(
    "/{request_id}/approve",
    summary="Approve a request; the last approval runs the action at once",
    description=(
        "By an eligible approver other than the requester (403). The last approval runs the "
        "action in the same transaction: the request ends `approved` with the action's "
        "answer in `result`, or `failed` with the problem when the action is no longer "
        "valid. A request no longer pending, or a second decision by the same person: 409."
    ),
    response_model=ApprovalRequestOut,
    responses=DECISION_PROBLEMS,
)
async def approve_request(
    request_id: UUID,
    uow: UowDep,
    ctx: WriteContext,
    platform: PlatformDep,
    body: DecisionIn | None = None,
) -> dict[str, Any]:
    return await _decide(uow, ctx, platform, request_id, Verdict.APPROVE, body)


@requests_router.post(
    "/{request_id}/reject",
    summary="Reject a request; nothing is changed",
    response_model=ApprovalRequestOut,
    responses=DECISION_PROBLEMS,
)
async def reject_request(
    request_id: UUID,
    uow: UowDep,
    ctx: WriteContext,
    platform: PlatformDep,
    body: DecisionIn | None = None,
) -> dict[str, Any]:
    return await _decide(uow, ctx, platform, request_id, Verdict.REJECT, body)


@requests_router.post(
    "/{request_id}/cancel",
    summary="Cancel your own pending request",
    response_model=ApprovalRequestOut,
    responses=DECISION_PROBLEMS,
)
async def cancel_request(request_id: UUID, uow: UowDep, ctx: WriteContext) -> dict[str, Any]:
    async with uow:
        request = await use_cases.cancel_request(uow, ctx, request_id)
        await uow.commit()
    return request_document(request)
