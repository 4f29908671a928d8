"""/v1/admin/api-keys"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import Query, Response, status

from app.api.access.schemas.api_keys import ApiKeyCreate, ApiKeyCreated, ApiKeyOut
from app.api.base import resource_router
from app.api.deps import NO_STORE, AdminContext, Administrator, PlatformDep, UowDep
from app.api.errors import problem_responses
from app.api.schemas import PageOut
from app.domain.access.api_keys import ApiKey
from app.domain.events import rfc3339
from app.services.access import api_keys as use_cases
from app.services.pagination import page_request

router = resource_router("/v1/admin/api-keys", "access")


def key_document(key: ApiKey) -> dict[str, Any]:
    return {
        "id": str(key.id),
        "name": key.name,
        "scopes": sorted(s.value for s in key.scopes),
        "created_at": rfc3339(key.created_at),
        "revoked_at": rfc3339(key.revoked_at) if key.revoked_at else None,
        "fixed_actor": key.fixed_actor,
    }


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create an API key",
    response_model=ApiKeyCreated,
)
async def create_api_key(
    body: ApiKeyCreate, uow: UowDep, ctx: AdminContext, response: Response
) -> dict[str, Any]:
    response.headers["Cache-Control"] = NO_STORE
    async with uow:
        created = await use_cases.create_api_key(
            uow,
            ctx.clock,
            ctx.ids,
            body.name,
            [s.value for s in body.scopes],
            fixed_actor=body.fixed_actor,
            by=ctx.actor,
        )
        await uow.commit()
    return {**key_document(created.key), "secret": created.secret}


@router.get("", summary="List API keys", response_model=PageOut[ApiKeyOut])
async def list_api_keys(
    uow: UowDep,
    _: Administrator,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> dict[str, Any]:
    async with uow:
        page = await use_cases.list_api_keys(uow, page_request(limit, cursor))
    return {"data": [key_document(k) for k in page.items], "next_cursor": page.next_cursor}


@router.post(
    "/{key_id}/revoke",
    summary="Revoke an API key",
    response_model=ApiKeyOut,
    responses=problem_responses(404),
)
async def revoke_api_key(
    key_id: UUID, uow: UowDep, ctx: AdminContext, platform: PlatformDep
) -> dict[str, Any]:
    async with uow:
        key = await use_cases.revoke_api_key(uow, ctx.clock, key_id, ids=ctx.ids, by=ctx.actor)
        await uow.commit()
    if platform.key_cache is not None:  # after the commit: this process refuses it at once
        platform.key_cache.clear()
    return key_document(key)
