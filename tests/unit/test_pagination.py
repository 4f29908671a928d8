"""Cursor pagination: opaque cursors, bounded limits, no count query."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.errors import ValidationFailed
from app.services.pagination import (
    MAX_LIMIT,
    PageRequest,
    decode_cursor,
    encode_cursor,
    make_page,
    page_request,
)


@given(st.lists(st.one_of(st.text(max_size=40), st.integers()), min_size=1, max_size=4))
def test_cursor_round_trips(key: list[object]) -> None:
    assert decode_cursor(encode_cursor(key)) == tuple(key)


@pytest.mark.parametrize("cursor", ["!!!", "bm90IGpzb24", "e30", "W10"])
def test_foreign_cursors_are_refused(cursor: str) -> None:
    with pytest.raises(ValidationFailed, match="cursor"):
        decode_cursor(cursor)


@pytest.mark.parametrize("limit", [0, -1, MAX_LIMIT + 1])
def test_limits_are_bounded(limit: int) -> None:
    with pytest.raises(ValidationFailed, match="limit"):
        page_request(limit, None)


def test_a_cursor_that_is_not_a_uuid_is_refused_where_a_uuid_is_expected() -> None:
    request = page_request(10, encode_cursor(["not-a-uuid"]))
    with pytest.raises(ValidationFailed):
        request.after_uuid()


def test_make_page_cuts_the_probe_row_and_points_at_the_last_kept_row() -> None:
    request = PageRequest(limit=2)
    page = make_page([1, 2, 3], request, key=lambda n: (n,))
    assert list(page.items) == [1, 2]
    assert page.next_cursor is not None
    assert decode_cursor(page.next_cursor) == (2,)
    last = make_page([1, 2], request, key=lambda n: (n,))
    assert last.next_cursor is None
