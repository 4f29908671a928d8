"""Readiness: the database answers and its schema is at the migrations' head."""

from __future__ import annotations

import asyncio

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from app.adapters.db.migrate import current_revision, head_revision


class DatabaseReadiness:
    def __init__(self, engine: AsyncEngine, timeout_s: float = 2.0) -> None:
        self.engine = engine
        self.timeout_s = timeout_s
        self.head = head_revision()

    async def problems(self) -> list[str]:
        try:
            async with asyncio.timeout(self.timeout_s):
                async with self.engine.connect() as conn:
                    current = await current_revision(conn)
        except (SQLAlchemyError, OSError, TimeoutError) as exc:
            return [f"database unreachable: {type(exc).__name__}"]
        if current != self.head:
            return [f"migrations behind: database at {current}, code at {self.head}"]
        return []
