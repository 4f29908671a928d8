"""Balance confirmation replies: what may follow what, and the figures a reply takes."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from app.domain.collection.confirmations import (
    Confirmation,
    ConfirmationStatus,
    Reply,
    record_reply,
)
from app.domain.errors import Conflict, ValidationFailed
from app.domain.money import Money

NOW = datetime(2026, 11, 27, 8, tzinfo=UTC)
TODAY = date(2026, 11, 27)
SENT = Confirmation(
    id=uuid.uuid4(),
    customer_id=uuid.uuid4(),
    as_of=date(2026, 10, 31),
    book_balance=Money.of("1200.50", "CNY"),
    status=ConfirmationStatus.SENT,
    created_at=NOW,
    updated_at=NOW,
    created_by="k",
)


def test_confirmed_without_a_figure_takes_the_book_balance_and_today() -> None:
    done = record_reply(
        SENT, Reply(ConfirmationStatus.CONFIRMED, confirmed_by=" 王会计 "), NOW, TODAY
    )
    assert (done.confirmed_balance, done.confirmed_on, done.confirmed_by) == (
        SENT.book_balance,
        TODAY,
        "王会计",
    )
    assert done.difference == Money.zero("CNY")
    assert done.version == SENT.version + 1


def test_a_disputed_figure_gives_the_difference() -> None:
    reply = Reply(ConfirmationStatus.DISPUTED, confirmed_balance=Decimal("1000"))
    done = record_reply(SENT, reply, NOW, TODAY)
    assert done.difference == Money.of("-200.50", "CNY")


def test_no_reply_may_be_followed_by_a_reply_but_a_reply_is_final() -> None:
    silent = record_reply(SENT, Reply(ConfirmationStatus.NO_REPLY), NOW, TODAY)
    confirmed = record_reply(silent, Reply(ConfirmationStatus.CONFIRMED), NOW, TODAY)
    with pytest.raises(Conflict):
        record_reply(confirmed, Reply(ConfirmationStatus.DISPUTED), NOW, TODAY)


@pytest.mark.parametrize(
    "reply",
    [
        Reply(ConfirmationStatus.SENT),
        Reply(ConfirmationStatus.NO_REPLY, confirmed_balance=Decimal(1)),
        Reply(ConfirmationStatus.CONFIRMED, confirmed_on=date(2026, 10, 30)),
        Reply(ConfirmationStatus.CONFIRMED, confirmed_on=date(2026, 11, 28)),
        Reply(ConfirmationStatus.CONFIRMED, confirmed_balance=Decimal("1.001")),
        Reply(ConfirmationStatus.CONFIRMED, confirmed_by="  "),
    ],
)
def test_bad_replies(reply: Reply) -> None:
    with pytest.raises(ValidationFailed):
        record_reply(SENT, reply, NOW, TODAY)
