"""People: the directory's user ids (owners, assignees, managers), placed in an org unit
so that the work and money they own roll up. No accounts, no passwords."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from app.domain.errors import ValidationFailed

MAX_USER_ID_LENGTH = 200


@dataclass(slots=True)
class Person:
    user_id: str
    name: str
    created_at: datetime
    updated_at: datetime
    org_unit_id: UUID | None = None
    active: bool = True
    version: int = 1

    def __post_init__(self) -> None:
        if not self.user_id.strip() or len(self.user_id) > MAX_USER_ID_LENGTH:
            raise ValidationFailed("user_id must be 1..200 characters", ("user_id",))
        if not self.name.strip():
            raise ValidationFailed("name must not be empty", ("name",))
