"""API key schemas. The secret appears once, in the creation response."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from app.api.schemas import RequestModel, Timestamp
from app.domain.access.api_keys import Scope


class ApiKeyCreate(RequestModel):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    scopes: Annotated[list[Scope], Field(min_length=1, max_length=5)]
    fixed_actor: bool = Field(
        default=False,
        description="The key always acts as its own name, whatever X-Actor says",
    )


class ApiKeyOut(BaseModel):
    id: str
    name: str
    scopes: list[Scope]
    created_at: Timestamp
    revoked_at: Timestamp | None
    fixed_actor: bool


class ApiKeyCreated(ApiKeyOut):
    secret: str = Field(description="The key itself. Shown once: store it now.")
