"""Collection plans: turning ``[{name, due_date, amount | percent}]`` into installments.

A plan must add up exactly to the contract amount. Percentages are turned into amounts
rounded half-up to the currency's minor unit; the rounding remainder goes to the last
installment given by percent, so amounts a client typed are never changed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

from app.domain.errors import UnknownReference, ValidationFailed
from app.domain.money import Money
from app.domain.receivables.contracts import Installment, InstallmentState
from app.domain.receivables.milestones import (
    InstallmentKind,
    Milestone,
    MilestoneTerm,
    check_term,
)

MAX_INSTALLMENTS = 200
HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class PlannedInstallment:
    """An installment as a client describes it; ``id`` names an existing one in a change."""

    name: str
    due_date: date | None
    amount: Decimal | None = None
    percent: Decimal | None = None
    id: UUID | None = None
    kind: InstallmentKind = InstallmentKind.OTHER
    term: MilestoneTerm | None = None


def _check_bases(items: Sequence[PlannedInstallment], milestones: Sequence[Milestone]) -> None:
    """Each item has a due date or a milestone term, never both; the term names a milestone
    of the contract and one offset at most, not negative."""
    keys = {m.key for m in milestones}
    for index, item in enumerate(items):
        if item.term is None:
            if item.due_date is None:
                raise ValidationFailed(
                    "give due_date, or basis milestone with a milestone", _loc(index, "due_date")
                )
            continue
        if item.due_date is not None:
            raise ValidationFailed(
                "an installment due on a milestone has no due_date", _loc(index, "due_date")
            )
        check_term(item.term, ("installments", index))
        if item.term.milestone not in keys:
            raise ValidationFailed(
                f"unknown milestone {item.term.milestone!r}: the contract's milestones are "
                f"{sorted(keys)}",
                _loc(index, "milestone"),
            )


def _due_date(item: PlannedInstallment, milestones: Sequence[Milestone]) -> date | None:
    """The item's due date: its own, or its milestone's reached date plus the offset."""
    if item.term is None:
        return item.due_date
    reached = next((m.reached_on for m in milestones if m.key == item.term.milestone), None)
    return None if reached is None else item.term.due_on(reached)


def _loc(index: int, field: str) -> tuple[str | int, ...]:
    return ("installments", index, field)


def resolve_amounts(total: Money, items: Sequence[PlannedInstallment]) -> list[Money]:
    """Each installment's amount; 422 unless they add up exactly to ``total``."""
    if not items:
        return []
    if len(items) > MAX_INSTALLMENTS:
        raise ValidationFailed(f"a plan has at most {MAX_INSTALLMENTS} installments")
    fixed = Decimal(0)
    percents = Decimal(0)
    for index, item in enumerate(items):
        if (item.amount is None) == (item.percent is None):
            raise ValidationFailed("give exactly one of amount or percent", _loc(index, "amount"))
        if item.amount is not None:
            fixed += Money.of(item.amount, total.currency).amount
        elif item.percent is not None:
            if not item.percent.is_finite() or not 0 < item.percent <= HUNDRED:
                raise ValidationFailed("percent must be within (0, 100]", _loc(index, "percent"))
            percents += item.percent
    # Exact comparison in integers of hundredths: no rounding can hide a wrong plan.
    if fixed * HUNDRED + total.amount * percents != total.amount * HUNDRED:
        planned = fixed + total.amount * percents / HUNDRED
        raise ValidationFailed(
            f"installments add up to {planned.normalize():f} {total.currency}, "
            f"the contract amount is {total.to_wire()}",
            ("installments",),
        )
    step = Decimal(1).scaleb(-total.places)
    amounts: list[Money] = []
    for item in items:
        if item.amount is not None:
            amounts.append(Money.of(item.amount, total.currency))
        else:
            assert item.percent is not None
            share = (total.amount * item.percent / HUNDRED).quantize(step, rounding=ROUND_HALF_UP)
            amounts.append(Money(share, total.currency))
    by_percent = [index for index, item in enumerate(items) if item.percent is not None]
    if by_percent:
        last = by_percent[-1]
        amounts[last] = amounts[last] + (total - Money.sum(amounts, total.currency))
    for index, amount in enumerate(amounts):
        if not amount.is_positive():
            raise ValidationFailed(
                "every installment must be greater than zero", _loc(index, "amount")
            )
    return amounts


def _check_names(items: Sequence[PlannedInstallment]) -> None:
    seen: set[str] = set()
    for index, item in enumerate(items):
        name = item.name.strip()
        if not name:
            raise ValidationFailed("installment name must not be empty", _loc(index, "name"))
        if name in seen:
            raise ValidationFailed(
                f"installment names are unique within a contract: {name!r}", _loc(index, "name")
            )
        seen.add(name)


def new_plan(
    contract_id: UUID,
    total: Money,
    items: Sequence[PlannedInstallment],
    new_id: Callable[[], UUID],
    milestones: Sequence[Milestone] = (),
) -> tuple[Installment, ...]:
    """The installments of a new contract (due dates are checked by the contract)."""
    _check_names(items)
    _check_bases(items, milestones)
    if any(item.id is not None for item in items):
        raise ValidationFailed("a new contract's installments have no id yet", ("installments",))
    amounts = resolve_amounts(total, items)
    return tuple(
        Installment(
            id=new_id(),
            contract_id=contract_id,
            name=item.name.strip(),
            due_date=_due_date(item, milestones),
            amount=amount,
            position=position,
            kind=item.kind,
            term=item.term,
        )
        for position, (item, amount) in enumerate(zip(items, amounts, strict=True))
    )


@dataclass(frozen=True, slots=True)
class PlanChange:
    """A new plan for an existing contract and how it differs from the old one."""

    installments: tuple[Installment, ...]
    added: tuple[Installment, ...]
    changed: tuple[tuple[Installment, Installment], ...]
    removed: tuple[Installment, ...]
    reordered: bool

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.changed or self.removed or self.reordered)


def _match(
    current: Sequence[Installment], items: Sequence[PlannedInstallment]
) -> list[Installment | None]:
    """For each item, the existing installment it keeps: by id, else by unchanged name."""
    by_id = {i.id: i for i in current}
    taken: set[UUID] = set()
    for index, item in enumerate(items):
        if item.id is None:
            continue
        if item.id not in by_id:
            raise UnknownReference("installment", item.id, _loc(index, "id"))
        if item.id in taken:
            raise ValidationFailed("an installment is listed twice", _loc(index, "id"))
        taken.add(item.id)
    matched: list[Installment | None] = []
    for item in items:
        if item.id is not None:
            matched.append(by_id[item.id])
            continue
        same_name = next(
            (i for i in current if i.name == item.name.strip() and i.id not in taken), None
        )
        if same_name is not None:
            taken.add(same_name.id)
        matched.append(same_name)
    return matched


def change_plan(
    contract_id: UUID,
    total: Money,
    current: Sequence[Installment],
    items: Sequence[PlannedInstallment],
    invoiced: Mapping[UUID, Money],
    new_id: Callable[[], UUID],
    milestones: Sequence[Milestone] = (),
) -> PlanChange:
    """Replace the ``current`` plan with ``items``, which must add up to ``total``.

    Only installments not yet invoiced may change: an invoiced one (even in part) keeps
    its name, due date, amount, kind and basis and may not be removed (422 naming it; its
    due date moves by rescheduling). It may move in the order. Due dates are checked
    against the signing date by the contract the plan is put on.
    """
    _check_names(items)
    _check_bases(items, milestones)
    amounts = resolve_amounts(total, items)
    matched = _match(current, items)
    plan: list[Installment] = []
    added: list[Installment] = []
    changed: list[tuple[Installment, Installment]] = []
    for position, (item, amount, before) in enumerate(zip(items, amounts, matched, strict=True)):
        if before is None:
            installment = Installment(
                id=new_id(),
                contract_id=contract_id,
                name=item.name.strip(),
                due_date=_due_date(item, milestones),
                amount=amount,
                position=position,
                kind=item.kind,
                term=item.term,
            )
            added.append(installment)
        else:
            installment = replace(
                before,
                name=item.name.strip(),
                due_date=_due_date(item, milestones),
                amount=amount,
                position=position,
                kind=item.kind,
                term=item.term,
            )
            already = invoiced.get(before.id)
            if already is not None and already.is_positive():
                _refuse_invoiced_change(before, installment, position, already)
            if InstallmentState.of(before) != InstallmentState.of(installment) or (
                before.term,
                before.kind,
            ) != (installment.term, installment.kind):
                changed.append((before, installment))
        plan.append(installment)
    kept = {i.id for i in plan}
    removed = tuple(i for i in current if i.id not in kept)
    for installment in removed:
        already = invoiced.get(installment.id)
        if already is not None and already.is_positive():
            raise ValidationFailed(
                f"installment {installment.name!r} cannot be removed: "
                f"{already.to_wire()} {already.currency} is already invoiced against it",
                ("installments",),
            )
    added_ids = {i.id for i in added}
    reordered = [i.id for i in plan if i.id not in added_ids] != [
        i.id for i in current if i.id in kept
    ]
    return PlanChange(tuple(plan), tuple(added), tuple(changed), removed, reordered)


# The field a 422 names when a re-plan touches an invoiced installment, in this order.
_INVOICED_FIELDS = ("name", "due_date", "amount", "kind", "basis")


def _refuse_invoiced_change(
    before: Installment, after: Installment, position: int, invoiced: Money
) -> None:
    differs = {
        "name": before.name != after.name,
        "due_date": before.due_date != after.due_date,
        "amount": before.amount != after.amount,
        "kind": before.kind != after.kind,
        "basis": before.term != after.term,
    }
    field = next((f for f in _INVOICED_FIELDS if differs[f]), None)
    if field is not None:
        raise ValidationFailed(
            f"installment {before.name!r} is invoiced ({invoiced.to_wire()} "
            f"{invoiced.currency}): a re-plan changes only installments not yet invoiced",
            _loc(position, field),
        )


def plan_total(installments: Sequence[Installment], currency: str) -> Money:
    return Money.sum((i.amount for i in installments), currency)
