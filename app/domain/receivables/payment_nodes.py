"""Reaching and unreaching a contract's milestones: what happens to its installments.

Reaching a milestone gives every installment waiting on it its due date (reached on plus
the offset); unreaching undoes a mistaken entry while nothing was invoiced or collected
against those installments, which fall back to awaiting the milestone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from uuid import UUID

from app.domain.errors import Conflict, NotFound
from app.domain.evidence import EvidenceLink
from app.domain.receivables.contracts import Contract, Installment
from app.domain.receivables.installments import Ledger
from app.domain.receivables.milestones import Milestone


@dataclass(frozen=True, slots=True)
class MilestoneChange:
    """The contract after the change, the milestone before and after, and each dependent
    installment before and after."""

    contract: Contract
    before: Milestone
    after: Milestone
    installments: tuple[tuple[Installment, Installment], ...]


def _milestone(contract: Contract, key: str) -> Milestone:
    milestone = contract.milestone(key)
    if milestone is None:
        raise NotFound("milestone", key)
    return milestone


def dependents(contract: Contract, key: str) -> list[Installment]:
    return [i for i in contract.installments if i.term is not None and i.term.milestone == key]


def _apply(
    contract: Contract,
    before: Milestone,
    after: Milestone,
    changed: Sequence[tuple[Installment, Installment]],
) -> MilestoneChange:
    new = {a.id: a for _, a in changed}
    updated = replace(
        contract,
        milestones=tuple(after if m.key == before.key else m for m in contract.milestones),
        installments=tuple(new.get(i.id, i) for i in contract.installments),
    )
    return MilestoneChange(updated, before, after, tuple(changed))


def reach(
    contract: Contract, key: str, reached_on: date, evidence: Sequence[EvidenceLink] = ()
) -> MilestoneChange:
    """Reach milestone ``key`` on ``reached_on``: 404 when unknown, 409 when reached."""
    before = _milestone(contract, key)
    if before.reached_on is not None:
        raise Conflict(f"milestone {key!r} was already reached on {before.reached_on}")
    after = replace(before, reached_on=reached_on, evidence=tuple(evidence))
    changed = []
    for installment in dependents(contract, key):
        assert installment.term is not None
        changed.append(
            (installment, replace(installment, due_date=installment.term.due_on(reached_on)))
        )
    return _apply(contract, before, after, changed)


def unreach(contract: Contract, key: str, ledgers: Mapping[UUID, Ledger]) -> MilestoneChange:
    """Undo reaching ``key``: 409 unless it was reached and no invoice or payment hangs on
    the installments that depend on it (void invoices count for nothing)."""
    before = _milestone(contract, key)
    if before.reached_on is None:
        raise Conflict(f"milestone {key!r} is not reached")
    changed = []
    for installment in dependents(contract, key):
        ledger = ledgers.get(installment.id)
        if ledger is not None and (ledger.invoiced.is_positive() or ledger.collected.is_positive()):
            raise Conflict(
                f"installment {installment.name!r} is already invoiced "
                f"({ledger.invoiced.to_wire()} {ledger.invoiced.currency}); void its invoices first"
            )
        changed.append((installment, replace(installment, due_date=None)))
    after = replace(before, reached_on=None, evidence=())
    return _apply(contract, before, after, changed)
