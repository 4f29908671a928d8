"""The async engine on asyncpg, and URL handling for plain ``postgresql://`` URLs."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

import orjson
from sqlalchemy import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine


def async_url(url: str) -> URL:
    """``postgresql://...`` (as libpq and pgserver give it) -> ``postgresql+asyncpg://...``."""
    parsed = make_url(url)
    if parsed.drivername in {"postgresql", "postgres", "postgresql+psycopg", "postgresql+psycopg2"}:
        parsed = parsed.set(drivername="postgresql+asyncpg")
    return parsed


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")  # never an exponent: "100", not "1E+2"
    if isinstance(value, UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps(value: Any) -> str:
    """Compact JSON, non-ASCII as is (what ``json.dumps`` with ``ensure_ascii=False`` and
    tight separators writes), by orjson: outbox events and documents are on the hot path."""
    return orjson.dumps(value, default=_json_default, option=orjson.OPT_NON_STR_KEYS).decode()


def create_engine(
    url: str,
    *,
    pool_size: int = 10,
    max_overflow: int = 10,
    pre_ping: bool = False,
    application_name: str = "huikuan",
) -> AsyncEngine:
    """The pool does not ping on checkout by default (that cost three round trips per request
    with asyncpg): a connection found dead fails its request with 503 (see ``uow.py``) and
    SQLAlchemy then invalidates the pool, so the next checkouts connect afresh."""
    return create_async_engine(
        async_url(url),
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_pre_ping=pre_ping,
        # Statement parameters hold webhook secrets and personal data: keep them out of
        # exception messages, and so out of logs.
        hide_parameters=True,
        pool_recycle=1800,
        json_serializer=dumps,
        connect_args={"server_settings": {"application_name": application_name}},
    )
