"""Cursor pagination shared by every list: opaque cursors over a stable key order."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from uuid import UUID

from app.domain.errors import ValidationFailed

DEFAULT_LIMIT = 50
MAX_LIMIT = 500

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PageRequest:
    """Where a page starts (``after``: the sort key of the last row seen) and its size.

    Repositories fetch ``limit + 1`` rows so that :func:`make_page` can tell whether
    there is a next page without a count query.
    """

    limit: int = DEFAULT_LIMIT
    after: tuple[Any, ...] | None = None

    @property
    def fetch(self) -> int:
        return self.limit + 1

    def after_uuid(self, index: int = 0) -> UUID:
        """The cursor's ``index``-th key as a UUID (422 when it is not one)."""
        assert self.after is not None
        try:
            return UUID(str(self.after[index]))
        except (ValueError, IndexError):
            raise ValidationFailed(
                "cursor is not one this service issued", ("query", "cursor")
            ) from None


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: Sequence[T]
    next_cursor: str | None


def encode_cursor(key: Sequence[Any]) -> str:
    raw = json.dumps(list(key), separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[Any, ...]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise ValidationFailed(
            "cursor is not one this service issued", ("query", "cursor")
        ) from None
    if not isinstance(value, list) or not value:
        raise ValidationFailed("cursor is not one this service issued", ("query", "cursor"))
    return tuple(value)


def page_request(limit: int | None, cursor: str | None) -> PageRequest:
    size = DEFAULT_LIMIT if limit is None else limit
    if not 1 <= size <= MAX_LIMIT:
        raise ValidationFailed(f"limit must be within 1..{MAX_LIMIT}", ("query", "limit"))
    return PageRequest(limit=size, after=decode_cursor(cursor) if cursor else None)


def make_page(
    rows: Sequence[T], request: PageRequest, key: Callable[[T], Sequence[Any]]
) -> Page[T]:
    """Cut the extra row off and turn the last kept row's sort key into the next cursor."""
    if len(rows) <= request.limit:
        return Page(items=rows, next_cursor=None)
    kept = rows[: request.limit]
    return Page(items=kept, next_cursor=encode_cursor(key(kept[-1])))
