"""A contract's plan as ``contract.upserted`` carries it: installments and milestones.

The same shape as the REST plan (``kind``, ``basis``, ``milestone``, ``offset_days`` or
``offset_months``), checked field by field so that one event reports every problem.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.domain.errors import Loc, ValidationFailed
from app.domain.intake.ingest_fields import Fields, Issues
from app.domain.receivables.milestones import (
    MAX_KEY_LENGTH,
    MAX_MILESTONES,
    MAX_OFFSET_DAYS,
    MAX_OFFSET_MONTHS,
    InstallmentKind,
    Milestone,
    MilestoneTerm,
    check_milestones,
)
from app.domain.receivables.plans import PlannedInstallment

INSTALLMENT_FIELDS = (
    "name",
    "due_date",
    "amount",
    "percent",
    "kind",
    "basis",
    "milestone",
    "offset_days",
    "offset_months",
)
KINDS = tuple(k.value for k in InstallmentKind)


def _kind(item: Fields) -> InstallmentKind:
    value = item.text("kind", required=False, max_length=20) or InstallmentKind.OTHER.value
    if value not in KINDS:
        item.issues.add((*item.loc, "kind"), f"must be one of {', '.join(KINDS)}")
        return InstallmentKind.OTHER
    return InstallmentKind(value)


def _term(item: Fields) -> tuple[bool, MilestoneTerm | None]:
    """(well-formed, the milestone term or None for a date basis)."""
    key = item.text("milestone", required=False, max_length=MAX_KEY_LENGTH)
    basis = item.text("basis", required=False, max_length=20)
    days = item.integer("offset_days", 0, MAX_OFFSET_DAYS)
    months = item.integer("offset_months", 0, MAX_OFFSET_MONTHS)
    basis = basis or ("milestone" if item.given("milestone") else "date")
    if basis == "date":
        if item.given("milestone") or days is not None or months is not None:
            item.issues.add((*item.loc, "milestone"), "an installment due on a date has none")
            return False, None
        return True, None
    if basis != "milestone":
        item.issues.add((*item.loc, "basis"), "must be date or milestone")
        return False, None
    if days is not None and months is not None:
        item.issues.add((*item.loc, "offset_days"), "give offset_days or offset_months, not both")
        return False, None
    if key is None:
        item.issues.add((*item.loc, "milestone"), "basis milestone needs a milestone")
        return False, None
    return True, MilestoneTerm(key, days, months)


def parse_installment(loc: Loc, raw: object, issues: Issues) -> PlannedInstallment | None:
    item = Fields(raw, loc, issues, INSTALLMENT_FIELDS)
    name = item.text("name")
    amount, percent = item.amount("amount", required=False), item.decimal("percent")
    if (amount is None) == (percent is None):
        issues.add(loc, "give exactly one of amount or percent")
    kind = _kind(item)
    well_formed, term = _term(item)
    on_a_date = term is None and well_formed
    due = item.day("due_date", required=on_a_date)
    if term is not None and item.given("due_date"):
        issues.add((*loc, "due_date"), "an installment due on a milestone has no due_date")
        return None
    if name is None or not well_formed or (on_a_date and due is None):
        return None
    return PlannedInstallment(
        name=name, due_date=due, amount=amount, percent=percent, kind=kind, term=term
    )


def parse_milestones(data: Fields, loc: Loc) -> tuple[Milestone, ...] | None:
    """``milestones`` when given (they replace the contract's, as a PATCH does), else None."""
    if not data.given("milestones"):
        return None
    milestones: list[Milestone] = []
    raws = data.objects("milestones", max_items=MAX_MILESTONES)
    for index, raw in raws:
        node = Fields(raw, (*loc, index), data.issues, ("key", "name", "planned_on"))
        key = node.text("key", max_length=MAX_KEY_LENGTH)
        name = node.text("name")
        planned_on = node.day("planned_on", required=False)
        if key is not None and name is not None:
            milestones.append(Milestone(key=key, name=name, planned_on=planned_on))
    if len(milestones) == len(raws):  # each one well-formed: now the rules across them
        try:
            check_milestones(milestones)
        except ValidationFailed as error:
            data.issues.add((*loc, *error.loc[1:]), error.detail)
    return tuple(milestones)


def check_terms(
    installments: Sequence[PlannedInstallment | None],
    milestones: tuple[Milestone, ...] | None,
    loc: Loc,
    issues: Issues,
) -> None:
    """When the event names its milestones, every term must name one of them."""
    if milestones is None:
        return
    keys = {m.key for m in milestones}
    for index, item in enumerate(installments):
        if item is not None and item.term is not None and item.term.milestone not in keys:
            issues.add((*loc, index, "milestone"), f"no milestone {item.term.milestone!r}")
