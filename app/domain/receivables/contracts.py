"""Contracts: what a customer agreed to pay, and the collection plan that says when."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import UUID

from app.domain.errors import IllegalStateTransition, NotFound, ValidationFailed
from app.domain.money import Money, require_positive
from app.domain.receivables.milestones import (
    Basis,
    InstallmentKind,
    Milestone,
    MilestoneTerm,
    check_milestones,
)

MAX_NAME_LENGTH = 200
MAX_PAYMENT_TERMS_DAYS = 3650
MAX_LATE_FEE_RATE = Decimal(1)  # per day; anything near 1 (100 % a day) is surely a typo
LATE_FEE_RATE_PLACES = 6


@dataclass(frozen=True, slots=True)
class Installment:
    """One line of a collection plan: an amount due on a date, or ``term`` after a
    milestone (``due_date`` is None until the milestone is reached)."""

    id: UUID
    contract_id: UUID
    name: str
    due_date: date | None
    amount: Money
    position: int
    kind: InstallmentKind = InstallmentKind.OTHER
    term: MilestoneTerm | None = None

    @property
    def currency(self) -> str:
        return self.amount.currency

    @property
    def basis(self) -> Basis:
        return Basis.DATE if self.term is None else Basis.MILESTONE

    @property
    def awaiting_milestone(self) -> bool:
        return self.due_date is None


@dataclass(slots=True)
class Contract:
    id: UUID
    customer_id: UUID
    name: str
    amount: Money
    owner: str
    signed_on: date
    created_at: datetime
    updated_at: datetime
    external_id: str | None = None
    late_fee_rate: Decimal | None = None
    installments: tuple[Installment, ...] = ()
    version: int = 1
    milestones: tuple[Milestone, ...] = ()
    payment_terms_days: int | None = None
    project_id: UUID | None = None  # one of the customer's projects

    def __post_init__(self) -> None:
        validate_contract(self)

    @property
    def currency(self) -> str:
        return self.amount.currency

    def installment(self, installment_id: UUID) -> Installment | None:
        return next((i for i in self.installments if i.id == installment_id), None)

    def milestone(self, key: str) -> Milestone | None:
        return next((m for m in self.milestones if m.key == key), None)


# Fields a PATCH may change besides the plan; customer and currency are fixed once created.
EDITABLE_FIELDS = (
    "name",
    "external_id",
    "owner",
    "signed_on",
    "late_fee_rate",
    "amount",
    "payment_terms_days",
    "project_id",
)


def validate_contract(contract: Contract) -> None:
    name = contract.name.strip()
    if not name:
        raise ValidationFailed("name must not be empty", ("name",))
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationFailed(f"name is longer than {MAX_NAME_LENGTH} characters", ("name",))
    if not contract.owner.strip():
        raise ValidationFailed("owner must not be empty", ("owner",))
    require_positive(contract.amount)
    validate_late_fee_rate(contract.late_fee_rate)
    validate_payment_terms(contract.payment_terms_days, ("payment_terms_days",))
    check_milestones(contract.milestones)
    keys = {m.key for m in contract.milestones}
    for index, item in enumerate(contract.installments):
        if item.term is not None:
            if item.term.milestone not in keys:
                raise ValidationFailed(
                    f"installment {item.name!r} names an unknown milestone {item.term.milestone!r}",
                    ("installments", index, "milestone"),
                )
            continue
        if item.due_date is None:
            raise ValidationFailed(
                f"installment {item.name!r} has neither a due date nor a milestone",
                ("installments", index, "due_date"),
            )
        if item.due_date < contract.signed_on:
            raise ValidationFailed(
                f"installment {item.name!r} is due {item.due_date}, "
                f"before the contract was signed on {contract.signed_on}",
                ("installments", index, "due_date"),
            )


def validate_payment_terms(days: int | None, loc: tuple[str | int, ...]) -> None:
    if days is not None and not 0 <= days <= MAX_PAYMENT_TERMS_DAYS:
        raise ValidationFailed(
            f"payment_terms_days must be within [0, {MAX_PAYMENT_TERMS_DAYS}]", loc
        )


def validate_late_fee_rate(rate: Decimal | None) -> None:
    if rate is None:
        return
    exponent = rate.as_tuple().exponent
    if not rate.is_finite() or not 0 <= rate < MAX_LATE_FEE_RATE:
        raise ValidationFailed("late_fee_rate is a daily rate within [0, 1)", ("late_fee_rate",))
    if (
        isinstance(exponent, int)
        and -exponent > LATE_FEE_RATE_PLACES
        and rate != rate.quantize(Decimal(1).scaleb(-LATE_FEE_RATE_PLACES))
    ):
        raise ValidationFailed(
            f"late_fee_rate has more than {LATE_FEE_RATE_PLACES} decimals", ("late_fee_rate",)
        )


def change_contract(
    contract: Contract, values: dict[str, Any], now: datetime
) -> tuple[Contract, dict[str, tuple[Any, Any]]]:
    """Apply a partial update of the contract's own fields (not its plan).

    Returns the new contract and ``{field: (before, after)}``; the version is not bumped
    here, because a plan change in the same request counts as the same new version.
    """
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(f"fields cannot be changed: {sorted(unknown)}")
    changed = {
        name: (getattr(contract, name), value)
        for name, value in values.items()
        if getattr(contract, name) != value
    }
    if not changed:
        return contract, {}
    updated = replace(contract, **{name: after for name, (_, after) in changed.items()})
    updated.updated_at = now
    return updated, changed


class ChangeKind(StrEnum):
    CREATED = "created"
    RESCHEDULED = "rescheduled"
    ADDED = "added"
    CHANGED = "changed"
    REMOVED = "removed"
    DUE_DATE_SET = "due_date_set"  # its milestone was reached
    DUE_DATE_CLEARED = "due_date_cleared"  # its milestone was unreached


@dataclass(frozen=True, slots=True)
class InstallmentState:
    """What an installment looked like before or after a change."""

    name: str
    due_date: date | None
    amount: Money

    @classmethod
    def of(cls, installment: Installment) -> InstallmentState:
        return cls(installment.name, installment.due_date, installment.amount)


@dataclass(frozen=True, slots=True)
class InstallmentChange:
    """One entry of an installment's history: who changed what, when and why."""

    id: UUID
    installment_id: UUID
    contract_id: UUID
    kind: ChangeKind
    changed_at: datetime
    changed_by: str
    before: InstallmentState | None
    after: InstallmentState | None
    reason: str | None = None
    changed_by_user: str | None = None


def reschedule(
    contract: Contract, installment_id: UUID, due_date: date
) -> tuple[Installment, Installment]:
    """The installment before and after moving its due date; the contract is not changed."""
    current = contract.installment(installment_id)
    if current is None:
        raise NotFound("installment", installment_id)
    if due_date < contract.signed_on:
        raise ValidationFailed(
            f"due_date {due_date} is before the contract was signed on {contract.signed_on}",
            ("due_date",),
        )
    if current.term is not None:
        raise IllegalStateTransition(
            f"installment {current.name!r} is due after milestone {current.term.milestone!r}: "
            "reach the milestone or change the plan"
        )
    if due_date == current.due_date:
        raise ValidationFailed(f"the installment is already due on {due_date}", ("due_date",))
    return current, replace(current, due_date=due_date)
