"""Risk flags and the rules that raise them: what may go wrong with a customer, a contract
or an invoice, how bad it is, and who is on it.

At most one flag per subject and kind is open (``open`` or ``mitigating``) at a time; a rule
that fires again raises that flag's severity instead of adding another. The severity
ladders below are pure functions (docs/collection.md lists them).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from enum import IntEnum, StrEnum
from typing import Any
from uuid import UUID

from app.domain.errors import IllegalStateTransition, ValidationFailed
from app.domain.money import Money

MAX_TEXT_LENGTH = 4000
MAX_OWNER_LENGTH = 200


class SubjectType(StrEnum):
    CUSTOMER = "customer"
    CONTRACT = "contract"
    INVOICE = "invoice"


class RiskKind(StrEnum):
    OVERDUE = "overdue"
    BROKEN_PROMISE = "broken_promise"
    AMOUNT_MISMATCH = "amount_mismatch"
    INVOICE_ERROR = "invoice_error"
    CREDIT = "credit"
    DISPUTE = "dispute"
    LEGAL = "legal"
    OTHER = "other"


class Severity(IntEnum):
    """Ordered, so that "raise to at least" is ``max``; stored as the number."""

    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def of(cls, label: str) -> Severity:
        try:
            return cls[label.upper()]
        except KeyError:
            raise ValidationFailed(f"unknown severity {label!r}", ("severity",)) from None


class RiskStatus(StrEnum):
    OPEN = "open"
    MITIGATING = "mitigating"
    RESOLVED = "resolved"
    DISMISSED = "dismissed"


ACTIVE_STATUS_ORDER = (RiskStatus.OPEN, RiskStatus.MITIGATING)  # as SQL renders them
ACTIVE_STATUSES = frozenset(ACTIVE_STATUS_ORDER)


class RiskSource(StrEnum):
    RULE = "rule"
    USER = "user"


@dataclass(frozen=True, slots=True)
class Subject:
    type: SubjectType
    id: UUID

    def path(self) -> str:
        return f"{self.type.value}s/{self.id}"


@dataclass(slots=True)
class RiskFlag:
    id: UUID
    subject: Subject
    customer_id: UUID  # the subject's customer, so a customer's flags are one lookup
    kind: RiskKind
    severity: Severity
    source: RiskSource
    created_at: datetime
    updated_at: datetime
    rule: str | None = None
    status: RiskStatus = RiskStatus.OPEN
    description: str | None = None
    mitigation_plan: str | None = None
    owner: str | None = None
    resolution_note: str | None = None
    resolved_at: datetime | None = None
    version: int = 1

    def __post_init__(self) -> None:
        validate_flag(self)

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES


def _text(value: str | None, field: str, limit: int = MAX_TEXT_LENGTH) -> None:
    if value is not None and not 0 < len(value.strip()) <= limit:
        raise ValidationFailed(f"{field} must be 1..{limit} characters", (field,))


def validate_flag(flag: RiskFlag) -> None:
    if (flag.source is RiskSource.RULE) != (flag.rule is not None):
        raise ValidationFailed("a flag names its rule exactly when a rule raised it")
    _text(flag.description, "description")
    _text(flag.mitigation_plan, "mitigation_plan")
    _text(flag.owner, "owner", MAX_OWNER_LENGTH)
    _text(flag.resolution_note, "note")


EDITABLE_FIELDS = ("severity", "description", "mitigation_plan", "owner", "status")


def change_flag(
    flag: RiskFlag, values: dict[str, Any], now: datetime
) -> tuple[RiskFlag, dict[str, tuple[Any, Any]]]:
    """A partial update of an active flag; ``status`` may move between open and
    mitigating only (resolve and dismiss are their own actions, with a note)."""
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(f"fields cannot be changed: {sorted(unknown)}")
    status = values.get("status")
    if status is not None and status not in ACTIVE_STATUSES:
        raise ValidationFailed(
            "status may be set to open or mitigating; resolve or dismiss the flag instead",
            ("status",),
        )
    changed = {
        name: (getattr(flag, name), value)
        for name, value in values.items()
        if getattr(flag, name) != value
    }
    if not changed:
        return flag, {}
    if not flag.active:
        raise IllegalStateTransition(f"a {flag.status.value} flag cannot be changed")
    updated = replace(
        flag,
        **{name: after for name, (_, after) in changed.items()},
        updated_at=now,
        version=flag.version + 1,
    )
    return updated, changed


def close_flag(flag: RiskFlag, status: RiskStatus, note: str, now: datetime) -> RiskFlag:
    """Resolve or dismiss an active flag, saying why."""
    if status not in (RiskStatus.RESOLVED, RiskStatus.DISMISSED):
        raise ValueError(f"{status} does not close a flag")
    if not flag.active:
        raise IllegalStateTransition(f"the flag is already {flag.status.value}")
    text = note.strip()
    _text(text, "note")
    return replace(
        flag,
        status=status,
        resolution_note=text,
        resolved_at=now,
        updated_at=now,
        version=flag.version + 1,
    )


# --- Severity ladders ------------------------------------------------------------------

# (from days overdue, severity), highest first.
OVERDUE_LADDER: tuple[tuple[int, Severity], ...] = (
    (90, Severity.CRITICAL),
    (60, Severity.HIGH),
    (30, Severity.MEDIUM),
    (1, Severity.LOW),
)

# (from this many broken promises, severity), highest first.
BROKEN_PROMISE_LADDER: tuple[tuple[int, Severity], ...] = (
    (3, Severity.CRITICAL),
    (2, Severity.HIGH),
    (1, Severity.MEDIUM),
)

# (from outstanding ÷ credit limit, severity), highest first; above the limit at all: medium.
CREDIT_LADDER: tuple[tuple[Decimal, Severity], ...] = (
    (Decimal("1.5"), Severity.CRITICAL),
    (Decimal("1.25"), Severity.HIGH),
)


def overdue_severity(days_overdue: int) -> Severity | None:
    """How serious an overdue invoice (or installment) is; None when it is not overdue."""
    return next((s for days, s in OVERDUE_LADDER if days_overdue >= days), None)


def broken_promise_severity(broken_promises: int) -> Severity | None:
    """How serious a customer's broken promises are (counted over the window the caller
    chooses); None without any."""
    return next((s for count, s in BROKEN_PROMISE_LADDER if broken_promises >= count), None)


def credit_severity(outstanding: Money, credit_limit: Money | None) -> Severity | None:
    """None while the outstanding stays within the credit limit (or there is no limit)."""
    if credit_limit is None or outstanding <= credit_limit:
        return None
    if credit_limit.is_zero():
        return Severity.CRITICAL
    ratio = outstanding.amount / credit_limit.amount
    return next((s for at, s in CREDIT_LADDER if ratio >= at), Severity.MEDIUM)


@dataclass(frozen=True, slots=True)
class AllocationOutcome:
    """What an automatic allocation did with one payment, for the amount-mismatch rule."""

    amount: Money
    invoices_paid: int
    unallocated: Money
    matches_an_open_invoice: bool  # some open invoice's outstanding equals the amount


def amount_mismatch_severity(outcome: AllocationOutcome) -> Severity | None:
    """A payment that matches no open invoice's outstanding exactly and had to be spread
    over several invoices (low) or was left (partly) unallocated (medium)."""
    if outcome.matches_an_open_invoice:
        return None
    if outcome.unallocated.is_positive():
        return Severity.MEDIUM
    if outcome.invoices_paid > 1:
        return Severity.LOW
    return None


def needs_mismatch_check(invoices_paid: int, unallocated: Money) -> bool:
    """Whether an automatic allocation could be a mismatch at all (one invoice, fully
    allocated, never is): the only case the rule looks any further."""
    return invoices_paid > 1 or unallocated.is_positive()


DISPUTE_SEVERITY = Severity.MEDIUM
