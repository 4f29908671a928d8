"""The current request's id, shared by the HTTP layer (which sets it) and the log format."""

from __future__ import annotations

from contextvars import ContextVar

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
