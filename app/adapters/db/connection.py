"""The connection a unit of work holds: the pooled asyncpg connection, and SQLAlchemy's
view of it made only when a repository runs a SQLAlchemy statement.

Taking the raw pooled connection and wrapping it on demand costs a fraction of
``engine.connect()`` per request; the hot ingestion statements never need the wrapper.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from sqlalchemy import Connection
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.sql.base import Executable
from sqlalchemy.util import greenlet_spawn

Parameters = Mapping[str, Any] | Sequence[Mapping[str, Any]] | None


class Executor(Protocol):
    """What repositories need from SQLAlchemy: to execute a statement."""

    async def execute(self, statement: Executable, parameters: Parameters = None) -> Any: ...


class PooledConnection:
    """One pooled connection: ``driver`` is asyncpg's, :meth:`execute` SQLAlchemy's.

    The transaction is the unit of work's (``BEGIN`` on ``driver``), so SQLAlchemy's view
    is in autocommit mode: it runs statements inside that transaction, never its own.
    """

    def __init__(self, engine: AsyncEngine, fairy: PoolProxiedConnection) -> None:
        self.engine = engine
        self.fairy = fairy
        self.driver: Any = fairy.driver_connection
        self._sqlalchemy: AsyncConnection | None = None

    @classmethod
    async def checkout(cls, engine: AsyncEngine) -> PooledConnection:
        return cls(engine, await engine.raw_connection())

    async def sqlalchemy(self) -> AsyncConnection:
        if self._sqlalchemy is None:
            sync = Connection(self.engine.sync_engine, connection=self.fairy)
            conn = AsyncConnection(self.engine, sync)
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            self._sqlalchemy = conn
        return self._sqlalchemy

    async def execute(
        self, statement: Executable, parameters: Parameters = None
    ) -> CursorResult[Any]:
        conn = await self.sqlalchemy()
        return await conn.execute(statement, parameters)

    async def close(self) -> None:
        """Back to the pool (SQLAlchemy's view, when made, hands it back)."""
        if self._sqlalchemy is not None:
            await self._sqlalchemy.close()
        else:
            await greenlet_spawn(self.fairy.close)

    async def invalidate(self) -> None:
        """Drop a broken connection, so that the pool does not hand it out again."""
        if self._sqlalchemy is not None:
            await self._sqlalchemy.invalidate()
        await greenlet_spawn(self.fairy.invalidate)
