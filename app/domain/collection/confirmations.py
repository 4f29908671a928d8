"""Balance confirmations (对账确认, 询证) and legal actions: the customer's acknowledgement of
what it owes, and the creditor's filings; both start a limitation period again (PRC Civil
Code art. 195)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from app.domain.errors import Conflict, ValidationFailed
from app.domain.evidence import EvidenceLink
from app.domain.money import Money

MAX_SIGNATORY_LENGTH = 200
MAX_NOTE_LENGTH = 2000


class ConfirmationStatus(StrEnum):
    SENT = "sent"
    CONFIRMED = "confirmed"
    DISPUTED = "disputed"
    NO_REPLY = "no_reply"


# A reply is final; a confirmation without one may still get it (a late reply).
REPLIES = {ConfirmationStatus.CONFIRMED, ConfirmationStatus.DISPUTED}
OPEN = {ConfirmationStatus.SENT, ConfirmationStatus.NO_REPLY}


@dataclass(frozen=True, slots=True)
class Confirmation:
    id: UUID
    customer_id: UUID
    as_of: date
    book_balance: Money  # the customer's net position in the service at the end of as_of
    status: ConfirmationStatus
    created_at: datetime
    updated_at: datetime
    created_by: str
    confirmed_balance: Money | None = None
    confirmed_on: date | None = None
    confirmed_by: str | None = None
    note: str | None = None
    evidence: tuple[EvidenceLink, ...] = ()
    version: int = 1

    @property
    def currency(self) -> str:
        return self.book_balance.currency

    @property
    def difference(self) -> Money | None:
        """What the customer states minus what the book shows (None without a figure)."""
        if self.confirmed_balance is None:
            return None
        return self.confirmed_balance - self.book_balance


@dataclass(frozen=True, slots=True)
class Reply:
    status: ConfirmationStatus
    confirmed_balance: Decimal | None = None  # in the confirmation's currency
    confirmed_on: date | None = None
    confirmed_by: str | None = None
    note: str | None = None
    evidence: tuple[EvidenceLink, ...] | None = None  # None: keep the links it has


def validate_as_of(as_of: date, today: date) -> None:
    if as_of > today:
        raise ValidationFailed("as_of must be today or earlier", ("as_of",))


def record_reply(
    confirmation: Confirmation, reply: Reply, now: datetime, today: date
) -> Confirmation:
    """The customer's reply (or the lack of one). ``confirmed`` takes the book balance when no
    figure is given; the day of a reply defaults to today, from ``as_of`` to today."""
    if confirmation.status in REPLIES:
        raise Conflict(f"the confirmation is already {confirmation.status.value}")
    if reply.status is ConfirmationStatus.SENT:
        raise ValidationFailed("a reply is confirmed, disputed or no_reply", ("status",))
    on, by = reply.confirmed_on, reply.confirmed_by
    balance = None
    if reply.confirmed_balance is not None:
        balance = Money.of(reply.confirmed_balance, confirmation.currency)
    if reply.status is ConfirmationStatus.NO_REPLY:
        if balance is not None or on is not None or by is not None:
            raise ValidationFailed("no_reply carries no balance, day or signatory", ("status",))
    else:
        on = on or today
        if on > today or on < confirmation.as_of:
            raise ValidationFailed("confirmed_on must lie from as_of to today", ("confirmed_on",))
        if reply.status is ConfirmationStatus.CONFIRMED and balance is None:
            balance = confirmation.book_balance
    if by is not None and (not by.strip() or len(by) > MAX_SIGNATORY_LENGTH):
        raise ValidationFailed("confirmed_by must be a name", ("confirmed_by",))
    return replace(
        confirmation,
        status=reply.status,
        confirmed_balance=balance,
        confirmed_on=on,
        confirmed_by=by.strip() if by else None,
        note=reply.note if reply.note is not None else confirmation.note,
        evidence=reply.evidence if reply.evidence is not None else confirmation.evidence,
        updated_at=now,
        version=confirmation.version + 1,
    )


class LegalActionKind(StrEnum):
    LAWSUIT = "lawsuit"
    ARBITRATION = "arbitration"
    PAYMENT_ORDER = "payment_order"  # 支付令
    MEDIATION = "mediation"


@dataclass(frozen=True, slots=True)
class LegalAction:
    id: UUID
    invoice_id: UUID
    customer_id: UUID
    kind: LegalActionKind
    filed_on: date
    created_at: datetime
    created_by: str
    court: str | None = None
    case_no: str | None = None
    evidence: tuple[EvidenceLink, ...] = ()


def validate_legal_action(action: LegalAction, today: date) -> None:
    if action.filed_on > today:
        raise ValidationFailed("filed_on must be today or earlier", ("filed_on",))
