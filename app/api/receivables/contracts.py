"""/v1/contracts: contracts, their collection plans and installment history."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import Path, Query, Response, status

from app.api.arrivals import ArrivalsDep
from app.api.base import resource_router
from app.api.deps import ClockDep, IfMatch, PlatformDep, Reader, UowDep, WriteContext, etag
from app.api.errors import problem_responses
from app.api.gate import GATED_RESPONSES, gated
from app.api.receivables.schemas.contracts import (
    ContractCreate,
    ContractOut,
    ContractPatch,
    HistoryOut,
    InstallmentIn,
    InstallmentOut,
    MilestoneIn,
    MilestoneListOut,
    MilestoneOut,
    ReachIn,
    RescheduleIn,
    UnreachIn,
)
from app.api.schemas import PageOut
from app.domain.evidence import evidence_links
from app.domain.receivables.milestones import InstallmentKind, Milestone
from app.domain.receivables.plans import PlannedInstallment
from app.services.pagination import page_request
from app.services.receivables import contracts as use_cases
from app.services.receivables import installments as installment_cases
from app.services.receivables import milestones as milestone_cases
from app.services.receivables.contract_documents import (
    ContractDocument,
    InstallmentDocument,
    MilestoneDocument,
    history_document,
    milestone_document,
)

router = resource_router("/v1/contracts", "receivables")


def _plan(items: list[InstallmentIn]) -> tuple[PlannedInstallment, ...]:
    return tuple(
        PlannedInstallment(
            name=i.name,
            due_date=i.due_date,
            amount=i.amount,
            percent=i.percent,
            id=i.id,
            kind=InstallmentKind(i.kind),
            term=i.term(index),
        )
        for index, i in enumerate(items)
    )


def _milestones(items: list[MilestoneIn]) -> tuple[Milestone, ...]:
    return tuple(Milestone(key=m.key, name=m.name, planned_on=m.planned_on) for m in items)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create a contract with its collection plan",
    response_model=ContractOut,
    responses=problem_responses(409),
)
async def create_contract(
    body: ContractCreate,
    uow: UowDep,
    ctx: WriteContext,
    response: Response,
    arrivals: ArrivalsDep,
) -> ContractDocument:
    async with uow:
        view = await use_cases.create_contract(
            uow,
            ctx,
            use_cases.NewContract(
                customer_id=body.customer_id,
                name=body.name,
                amount=body.amount,
                currency=body.currency,
                owner=body.owner,
                signed_on=body.signed_on,
                external_id=body.external_id,
                late_fee_rate=body.late_fee_rate,
                installments=_plan(body.installments),
                milestones=_milestones(body.milestones),
                payment_terms_days=body.payment_terms_days,
                project_id=body.project_id,
            ),
        )
        await uow.commit()
    await arrivals("contract", view.contract.external_id)
    response.headers["Location"] = f"/v1/contracts/{view.contract.id}"
    response.headers["ETag"] = etag(view.contract.version)
    return view.document()


@router.get("", summary="List contracts", response_model=PageOut[ContractOut])
async def list_contracts(
    uow: UowDep,
    clock: ClockDep,
    _: Reader,
    customer_id: UUID | None = None,
    external_id: Annotated[str | None, Query(max_length=100)] = None,
    owner: Annotated[str | None, Query(max_length=200)] = None,
    project_id: UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> dict[str, Any]:
    async with uow:
        page = await use_cases.list_contracts(
            uow,
            clock,
            customer_id=customer_id,
            external_id=external_id,
            owner=owner,
            page=page_request(limit, cursor),
            project_id=project_id,
        )
    return {"data": [v.document() for v in page.items], "next_cursor": page.next_cursor}


@router.get(
    "/{contract_id}",
    summary="Get a contract with its plan, totals and progress",
    response_model=ContractOut,
    responses=problem_responses(404),
)
async def get_contract(
    contract_id: UUID, uow: UowDep, clock: ClockDep, _: Reader, response: Response
) -> ContractDocument:
    async with uow:
        view = await use_cases.get_contract(uow, clock, contract_id)
    response.headers["ETag"] = etag(view.contract.version)
    return view.document()


@router.patch(
    "/{contract_id}",
    summary="Change a contract or its collection plan",
    description=(
        "`installments` replaces the plan: installments named by `id` (or, without one, by "
        "an unchanged name) are kept, the others added or removed. The new plan must add up "
        "to the amount and no installment may drop below what is already invoiced (409); an "
        "invoiced installment keeps its kind and basis (422). `milestones` replaces the "
        "milestones by key; a reached one must stay (409)."
    ),
    response_model=ContractOut,
    responses=problem_responses(404, 409, 412),
)
async def update_contract(
    contract_id: UUID,
    body: ContractPatch,
    uow: UowDep,
    ctx: WriteContext,
    expected_version: IfMatch,
    response: Response,
    arrivals: ArrivalsDep,
) -> ContractDocument:
    values = body.model_dump(exclude_unset=True, exclude={"installments", "reason", "milestones"})
    plan = _plan(body.installments) if body.installments is not None else None
    nodes = _milestones(body.milestones) if body.milestones is not None else None
    async with uow:
        current = await use_cases.locked_contract(uow, contract_id, expected_version)
        view = await use_cases.update_contract(uow, ctx, current, values, plan, body.reason, nodes)
        await uow.commit()
    if "external_id" in values:
        await arrivals("contract", view.contract.external_id)
    response.headers["ETag"] = etag(view.contract.version)
    return view.document()


@router.post(
    "/{contract_id}/installments/{installment_id}/reschedule",
    summary="Move an installment's due date",
    description="202 with an approval request when the approval policy asks for one.",
    response_model=InstallmentOut,
    responses={**problem_responses(404, 409, 412), **GATED_RESPONSES},
)
async def reschedule_installment(
    contract_id: UUID,
    installment_id: UUID,
    body: RescheduleIn,
    uow: UowDep,
    ctx: WriteContext,
    expected_version: IfMatch,
    response: Response,
    platform: PlatformDep,
) -> InstallmentDocument | Response:
    payload = {
        "contract_id": str(contract_id),
        "installment_id": str(installment_id),
        "due_date": body.due_date.isoformat(),
        "reason": body.reason,
    }
    async with uow:
        current = await use_cases.locked_contract(uow, contract_id, expected_version)
        answer = await gated(platform, uow, ctx, "installment.reschedule", payload)
        if answer is not None:
            return answer
        contract, document = await installment_cases.reschedule_installment(
            uow, ctx, current, installment_id, body.due_date, body.reason
        )
        await uow.commit()
    response.headers["ETag"] = etag(contract.version)
    return document


@router.get(
    "/{contract_id}/installments/{installment_id}/history",
    summary="Every change of an installment: who, when, from, to and why",
    response_model=HistoryOut,
    responses=problem_responses(404),
)
async def get_installment_history(
    contract_id: UUID, installment_id: UUID, uow: UowDep, _: Reader
) -> dict[str, Any]:
    async with uow:
        entries = await installment_cases.installment_history(uow, contract_id, installment_id)
    return {"data": [history_document(e) for e in entries], "next_cursor": None}


@router.get(
    "/{contract_id}/milestones",
    summary="The contract's milestones: planned, reached and their evidence",
    response_model=MilestoneListOut,
    responses=problem_responses(404),
)
async def list_contract_milestones(contract_id: UUID, uow: UowDep, _: Reader) -> dict[str, Any]:
    async with uow:
        milestones = await milestone_cases.list_milestones(uow, contract_id)
    return {"data": [milestone_document(m) for m in milestones], "next_cursor": None}


@router.post(
    "/{contract_id}/milestones/{key}/reach",
    summary="Reach a milestone: every installment due on it gets its due date",
    description=(
        "In one transaction: the milestone's `reached_on` and evidence, the due date of "
        "every installment waiting on it (reached on plus its offset), their history, "
        "`milestone.reached` and one `installment.due_date_set` each. Reached already: 409."
    ),
    response_model=MilestoneOut,
    responses=problem_responses(404, 409, 412),
)
async def reach_milestone(
    contract_id: UUID,
    key: Annotated[str, Path(max_length=50)],
    body: ReachIn,
    uow: UowDep,
    ctx: WriteContext,
    expected_version: IfMatch,
    response: Response,
) -> MilestoneDocument:
    evidence = evidence_links(e.model_dump() for e in body.evidence)
    async with uow:
        current = await use_cases.locked_contract(uow, contract_id, expected_version)
        contract, document = await milestone_cases.reach_milestone(
            uow, ctx, current, key, body.reached_on, evidence
        )
        await uow.commit()
    response.headers["ETag"] = etag(contract.version)
    return document


@router.post(
    "/{contract_id}/milestones/{key}/unreach",
    summary="Undo a mistaken reach while nothing is invoiced on its installments",
    description=(
        "The dependent installments go back to awaiting the milestone. 409 when the "
        "milestone is not reached, or an invoice or payment hangs on one of them."
    ),
    response_model=MilestoneOut,
    responses=problem_responses(404, 409, 412),
)
async def unreach_milestone(
    contract_id: UUID,
    key: Annotated[str, Path(max_length=50)],
    body: UnreachIn,
    uow: UowDep,
    ctx: WriteContext,
    expected_version: IfMatch,
    response: Response,
) -> MilestoneDocument:
    async with uow:
        current = await use_cases.locked_contract(uow, contract_id, expected_version)
        contract, document = await milestone_cases.unreach_milestone(
            uow, ctx, current, key, body.reason
        )
        await uow.commit()
    response.headers["ETag"] = etag(contract.version)
    return document
