"""The approval gate as the routes of gated actions use it: ask, and answer 202 with the
approval request (and its ``Location``) when a policy rule matches.

Shared plumbing (like ``deps``): the gated contexts' routes reach controls through
``Platform.gate`` and never import it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from starlette.responses import JSONResponse

from app.api.schemas import AmountOut
from app.services.context import Context
from app.services.platform import AppUnitOfWork, Platform


class DecisionOut(BaseModel):
    by: str
    at: datetime
    decision: str
    comment: str | None


class ApprovalRequestOut(BaseModel):
    id: str
    action: str
    subject: str
    payload: dict[str, Any]
    amount: AmountOut | None
    currency: str | None
    requested_by: str
    requested_key: str
    requested_at: datetime
    expires_at: datetime
    approvers: list[str]
    required: int
    status: str
    decisions: list[DecisionOut]
    result: dict[str, Any] | None
    version: int


GATED_RESPONSES: dict[int | str, dict[str, Any]] = {
    202: {
        "model": ApprovalRequestOut,
        "description": "An approval policy rule matched: nothing changed yet; the approval "
        "request was opened (`Location` names it) and the action runs on its last approval",
    }
}


def approval_answer(document: dict[str, Any]) -> JSONResponse:
    return JSONResponse(
        document,
        status_code=202,
        headers={"Location": f"/v1/approval-requests/{document['id']}"},
    )


async def gated(
    platform: Platform, uow: AppUnitOfWork, ctx: Context, action: str, payload: dict[str, Any]
) -> JSONResponse | None:
    """Inside the route's open unit of work: None to go on with the action; else the
    request is opened, committed, and this is the 202 answer to return."""
    document = await platform.gate.check(uow, ctx, action, payload)
    if document is None:
        return None
    await uow.commit()
    return approval_answer(document)
