"""Contracts, installments and installment history as the API shows them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TypedDict
from uuid import UUID

from app.domain.events import rfc3339
from app.domain.evidence import evidence_documents
from app.domain.receivables.contracts import (
    Contract,
    Installment,
    InstallmentChange,
    InstallmentState,
)
from app.domain.receivables.installments import (
    InstallmentFigures,
    Ledger,
    contract_totals,
    installment_figures,
)
from app.domain.receivables.milestones import Milestone


def rate_wire(rate: Decimal | None) -> str | None:
    """A daily rate as a plain decimal string without trailing zeros ("0.0005")."""
    return None if rate is None else f"{rate.normalize():f}"


class InstallmentDocument(TypedDict):
    id: str
    contract_id: str
    name: str
    kind: str
    basis: str
    milestone: str | None
    offset_days: int | None
    offset_months: int | None
    due_date: str | None
    amount: str
    currency: str
    status: str
    invoiced_amount: str
    collected_amount: str
    written_off_amount: str
    outstanding: str
    overdue: bool
    days_overdue: int


class ContractTotalsDocument(TypedDict):
    invoiced: str
    collected: str
    written_off: str
    outstanding: str
    overdue: str


class ContractProgressDocument(TypedDict):
    invoiced_percent: str
    collected_percent: str


class MilestoneDocument(TypedDict):
    key: str
    name: str
    planned_on: str | None
    reached_on: str | None
    evidence: list[dict[str, str | None]]


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def milestone_document(milestone: Milestone) -> MilestoneDocument:
    return {
        "key": milestone.key,
        "name": milestone.name,
        "planned_on": _iso(milestone.planned_on),
        "reached_on": _iso(milestone.reached_on),
        "evidence": evidence_documents(milestone.evidence),
    }


class ContractDocument(TypedDict):
    id: str
    external_id: str | None
    customer_id: str
    name: str
    amount: str
    currency: str
    owner: str
    project_id: str | None
    signed_on: str
    late_fee_rate: str | None
    payment_terms_days: int | None
    milestones: list[MilestoneDocument]
    installments: list[InstallmentDocument]
    totals: ContractTotalsDocument
    progress: ContractProgressDocument
    version: int
    created_at: str
    updated_at: str


class InstallmentStateDocument(TypedDict):
    name: str
    due_date: str | None
    amount: str


class ChangedByDocument(TypedDict):
    api_key: str
    user: str | None


# Functional form: ``from`` is a Python keyword.
InstallmentHistoryDocument = TypedDict(
    "InstallmentHistoryDocument",
    {
        "id": str,
        "installment_id": str,
        "contract_id": str,
        "kind": str,
        "changed_at": str,
        "changed_by": ChangedByDocument,
        "from": InstallmentStateDocument | None,
        "to": InstallmentStateDocument | None,
        "reason": str | None,
    },
)


class PlanLineDocument(TypedDict):
    id: str
    name: str
    kind: str
    basis: str
    milestone: str | None
    due_date: str | None
    amount: str


def installment_document(
    installment: Installment, figures: InstallmentFigures
) -> InstallmentDocument:
    term = installment.term
    return {
        "id": str(installment.id),
        "contract_id": str(installment.contract_id),
        "name": installment.name,
        "kind": installment.kind.value,
        "basis": installment.basis.value,
        "milestone": term.milestone if term else None,
        "offset_days": term.offset_days if term else None,
        "offset_months": term.offset_months if term else None,
        "due_date": _iso(installment.due_date),
        "amount": installment.amount.to_wire(),
        "currency": installment.currency,
        "status": figures.status.value,
        "invoiced_amount": figures.invoiced.to_wire(),
        "collected_amount": figures.collected.to_wire(),
        "written_off_amount": figures.written_off.to_wire(),
        "outstanding": figures.outstanding.to_wire(),
        "overdue": figures.overdue,
        "days_overdue": figures.days_overdue,
    }


@dataclass(frozen=True, slots=True)
class ContractView:
    """A contract with what its figures are derived from: invoice totals and a date."""

    contract: Contract
    today: date
    ledger: Ledger | None = None
    installment_ledgers: Mapping[UUID, Ledger] = field(default_factory=dict)

    def figures(self, installment: Installment) -> InstallmentFigures:
        return installment_figures(
            installment, self.installment_ledgers.get(installment.id), self.today
        )

    def installment_document(self, installment: Installment) -> InstallmentDocument:
        return installment_document(installment, self.figures(installment))

    def document(self) -> ContractDocument:
        contract = self.contract
        figures = [self.figures(i) for i in contract.installments]
        totals = contract_totals(contract, self.ledger, figures)
        return {
            "id": str(contract.id),
            "external_id": contract.external_id,
            "customer_id": str(contract.customer_id),
            "name": contract.name,
            "amount": contract.amount.to_wire(),
            "currency": contract.currency,
            "owner": contract.owner,
            "project_id": None if contract.project_id is None else str(contract.project_id),
            "signed_on": contract.signed_on.isoformat(),
            "late_fee_rate": rate_wire(contract.late_fee_rate),
            "payment_terms_days": contract.payment_terms_days,
            "milestones": [milestone_document(m) for m in contract.milestones],
            "installments": [
                installment_document(i, f)
                for i, f in zip(contract.installments, figures, strict=True)
            ],
            "totals": {
                "invoiced": totals.invoiced.to_wire(),
                "collected": totals.collected.to_wire(),
                "written_off": totals.written_off.to_wire(),
                "outstanding": totals.outstanding.to_wire(),
                "overdue": totals.overdue.to_wire(),
            },
            "progress": {
                "invoiced_percent": str(totals.invoiced_percent),
                "collected_percent": str(totals.collected_percent),
            },
            "version": contract.version,
            "created_at": rfc3339(contract.created_at),
            "updated_at": rfc3339(contract.updated_at),
        }


def _state(state: InstallmentState | None) -> InstallmentStateDocument | None:
    if state is None:
        return None
    return {
        "name": state.name,
        "due_date": _iso(state.due_date),
        "amount": state.amount.to_wire(),
    }


def history_document(change: InstallmentChange) -> InstallmentHistoryDocument:
    return {
        "id": str(change.id),
        "installment_id": str(change.installment_id),
        "contract_id": str(change.contract_id),
        "kind": change.kind.value,
        "changed_at": rfc3339(change.changed_at),
        "changed_by": {"api_key": change.changed_by, "user": change.changed_by_user},
        "from": _state(change.before),
        "to": _state(change.after),
        "reason": change.reason,
    }


def plan_line(installment: Installment) -> PlanLineDocument:
    """An installment in a ``changes`` entry: what a plan change is about."""
    return {
        "id": str(installment.id),
        "name": installment.name,
        "kind": installment.kind.value,
        "basis": installment.basis.value,
        "milestone": installment.term.milestone if installment.term else None,
        "due_date": _iso(installment.due_date),
        "amount": installment.amount.to_wire(),
    }
