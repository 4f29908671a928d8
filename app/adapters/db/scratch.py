"""Throwaway databases for test runs and benchmarks: created, migrated, dropped."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
from collections.abc import AsyncIterator

import asyncpg
from sqlalchemy import make_url

from app.adapters.db.migrate import upgrade


def libpq_url(url: str) -> str:
    """The URL as asyncpg itself reads it (no SQLAlchemy driver suffix)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextlib.asynccontextmanager
async def throwaway_database(server_url: str, prefix: str) -> AsyncIterator[str]:
    """A new database on ``server_url``, built by the migrations, dropped on exit."""
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
    admin = await asyncpg.connect(libpq_url(server_url))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    try:
        await upgrade(url)
        yield url
    finally:
        await _drop(server_url, name)


async def _drop(server_url: str, name: str, attempts: int = 5) -> None:
    """DROP ... WITH (FORCE) gives a terminated session 5 s to leave, and fails when one
    busy in a long statement takes longer: ask again."""
    admin = await asyncpg.connect(libpq_url(server_url))
    try:
        for attempt in range(attempts):
            try:
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                return
            except asyncpg.ObjectInUseError:
                if attempt == attempts - 1:
                    raise
                await asyncio.sleep(1)
    finally:
        await admin.close()
