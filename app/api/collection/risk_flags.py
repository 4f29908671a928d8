"""/v1/risk-flags: what may go wrong with a customer, contract or invoice."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import Query, Response, status

from app.api.base import resource_router
from app.api.collection.schemas.risk_flags import NoteIn, RiskFlagCreate, RiskFlagOut, RiskFlagPatch
from app.api.deps import IfMatch, Reader, UowDep, WriteContext, etag
from app.api.errors import problem_responses
from app.api.schemas import PageOut, SeverityName
from app.domain.collection.risk import (
    RiskFlag,
    RiskKind,
    RiskStatus,
    Severity,
    Subject,
    SubjectType,
)
from app.services.collection import risk_flags as use_cases
from app.services.collection.documents import RiskFlagDocument, risk_flag_document
from app.services.collection.ports import RiskFlagFilter
from app.services.pagination import page_request

router = resource_router("/v1/risk-flags", "collection")

ACTIONS = problem_responses(404, 409, 412)


def _answer(flag: RiskFlag, response: Response) -> RiskFlagDocument:
    response.headers["ETag"] = etag(flag.version)
    return risk_flag_document(flag)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Raise a risk flag by hand",
    description="409 when the subject already has an open or mitigating flag of that kind.",
    response_model=RiskFlagOut,
    responses=problem_responses(409),
)
async def create_risk_flag(
    body: RiskFlagCreate, uow: UowDep, ctx: WriteContext, response: Response
) -> RiskFlagDocument:
    async with uow:
        flag = await use_cases.create_risk_flag(
            uow,
            ctx,
            use_cases.NewRiskFlag(
                subject=Subject(body.subject.type, body.subject.id),
                kind=body.kind,
                severity=Severity.of(body.severity),
                description=body.description,
                mitigation_plan=body.mitigation_plan,
                owner=body.owner,
            ),
        )
        await uow.commit()
    response.headers["Location"] = f"/v1/risk-flags/{flag.id}"
    return _answer(flag, response)


@router.get("", summary="List risk flags", response_model=PageOut[RiskFlagOut])
async def list_risk_flags(
    uow: UowDep,
    _: Reader,
    customer_id: Annotated[UUID | None, Query(description="On it, its contracts or invoices")] = (
        None
    ),
    subject_type: SubjectType | None = None,
    subject_id: UUID | None = None,
    kind: RiskKind | None = None,
    status: RiskStatus | None = None,
    active: Annotated[bool | None, Query(description="Open or mitigating")] = None,
    min_severity: SeverityName | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> dict[str, Any]:
    filters = RiskFlagFilter(
        customer_id=customer_id,
        subject_type=subject_type,
        subject_id=subject_id,
        kind=kind,
        status=status,
        active=active,
        min_severity=None if min_severity is None else Severity.of(min_severity),
    )
    async with uow:
        page = await use_cases.list_risk_flags(uow, filters, page_request(limit, cursor))
    return {
        "data": [risk_flag_document(f) for f in page.items],
        "next_cursor": page.next_cursor,
    }


@router.get(
    "/{flag_id}",
    summary="Get a risk flag",
    response_model=RiskFlagOut,
    responses=problem_responses(404),
)
async def get_risk_flag(
    flag_id: UUID, uow: UowDep, _: Reader, response: Response
) -> RiskFlagDocument:
    async with uow:
        flag = await use_cases.get_risk_flag(uow, flag_id)
    return _answer(flag, response)


@router.patch(
    "/{flag_id}",
    summary="Change a risk flag's severity, status (open, mitigating), plan or owner",
    response_model=RiskFlagOut,
    responses=ACTIONS,
)
async def update_risk_flag(
    flag_id: UUID,
    body: RiskFlagPatch,
    uow: UowDep,
    ctx: WriteContext,
    expected_version: IfMatch,
    response: Response,
) -> RiskFlagDocument:
    values = body.model_dump(exclude_unset=True)
    if "severity" in values:
        values["severity"] = Severity.of(values["severity"])
    if "status" in values:
        values["status"] = RiskStatus(values["status"])
    async with uow:
        flag = await use_cases.update_risk_flag(uow, ctx, flag_id, values, expected_version)
        await uow.commit()
    return _answer(flag, response)


@router.post(
    "/{flag_id}/resolve",
    summary="Resolve a risk flag, with a note",
    response_model=RiskFlagOut,
    responses=ACTIONS,
)
async def resolve_risk_flag(
    flag_id: UUID,
    body: NoteIn,
    uow: UowDep,
    ctx: WriteContext,
    expected_version: IfMatch,
    response: Response,
) -> RiskFlagDocument:
    async with uow:
        flag = await use_cases.close_risk_flag(
            uow, ctx, flag_id, RiskStatus.RESOLVED, body.note, expected_version
        )
        await uow.commit()
    return _answer(flag, response)


@router.post(
    "/{flag_id}/dismiss",
    summary="Dismiss a risk flag (it was not a risk), with a note",
    response_model=RiskFlagOut,
    responses=ACTIONS,
)
async def dismiss_risk_flag(
    flag_id: UUID,
    body: NoteIn,
    uow: UowDep,
    ctx: WriteContext,
    expected_version: IfMatch,
    response: Response,
) -> RiskFlagDocument:
    async with uow:
        flag = await use_cases.close_risk_flag(
            uow, ctx, flag_id, RiskStatus.DISMISSED, body.note, expected_version
        )
        await uow.commit()
    return _answer(flag, response)
