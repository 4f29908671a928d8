"""/v1/dunning-policy: the ladder of steps taken as invoices stay unpaid."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import Response

from app.api.base import resource_router
from app.api.collection.schemas.risk_flags import DunningPolicyIn, DunningPolicyOut
from app.api.deps import IfMatch, PlatformDep, Reader, UowDep, WriteContext, etag
from app.api.errors import problem_responses
from app.api.gate import GATED_RESPONSES, gated
from app.domain.collection.dunning import DunningLevel, DunningPolicy, validate_levels
from app.services.collection import dunning as use_cases
from app.services.collection.documents import DunningPolicyDocument, dunning_policy_document

router = resource_router("/v1/dunning-policy", "collection")


def _answer(policy: DunningPolicy, response: Response) -> DunningPolicyDocument:
    response.headers["ETag"] = etag(policy.version)
    return dunning_policy_document(policy)


@router.get("", summary="Get the dunning policy", response_model=DunningPolicyOut)
async def get_dunning_policy(uow: UowDep, _: Reader, response: Response) -> DunningPolicyDocument:
    async with uow:
        policy = await use_cases.get_dunning_policy(uow)
    return _answer(policy, response)


@router.put(
    "",
    summary="Replace the dunning policy",
    description=(
        "At least one level; level numbers and `days_overdue` strictly increasing, else 422. "
        "Send the ETag you read as `If-Match` to avoid overwriting someone else's change. "
        "202 with an approval request when the approval policy asks for one."
    ),
    response_model=DunningPolicyOut,
    responses={**problem_responses(412), **GATED_RESPONSES},
)
async def replace_dunning_policy(
    body: DunningPolicyIn,
    uow: UowDep,
    ctx: WriteContext,
    expected_version: IfMatch,
    response: Response,
    platform: PlatformDep,
) -> DunningPolicyDocument | Response:
    levels = [DunningLevel(i.level, i.days_overdue, i.action, i.create_task) for i in body.levels]
    validate_levels(levels)  # before an approval request is opened for them
    payload = {
        "levels": [asdict(level) for level in levels],
        "expected_version": expected_version,
    }
    async with uow:
        answer = await gated(platform, uow, ctx, "dunning_policy.update", payload)
        if answer is not None:
            return answer
        policy = await use_cases.replace_dunning_policy(uow, ctx, levels, expected_version)
        await uow.commit()
    return _answer(policy, response)
