"""Contracts, installments and installment history as the API shows them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from app.domain.events import rfc3339
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


def rate_wire(rate: Decimal | None) -> str | None:
    """A daily rate as a plain decimal string without trailing zeros ("0.0005")."""
    return None if rate is None else f"{rate.normalize():f}"


def installment_document(installment: Installment, figures: InstallmentFigures) -> dict[str, Any]:
    return {
        "id": str(installment.id),
        "contract_id": str(installment.contract_id),
        "name": installment.name,
        "due_date": installment.due_date.isoformat(),
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

    def installment_document(self, installment: Installment) -> dict[str, Any]:
        return installment_document(installment, self.figures(installment))

    def document(self) -> dict[str, Any]:
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
            "signed_on": contract.signed_on.isoformat(),
            "late_fee_rate": rate_wire(contract.late_fee_rate),
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


def _state(state: InstallmentState | None) -> dict[str, Any] | None:
    if state is None:
        return None
    return {
        "name": state.name,
        "due_date": state.due_date.isoformat(),
        "amount": state.amount.to_wire(),
    }


def history_document(change: InstallmentChange) -> dict[str, Any]:
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


def plan_line(installment: Installment) -> dict[str, Any]:
    """An installment in a ``changes`` entry: what a plan change is about."""
    return {
        "id": str(installment.id),
        "name": installment.name,
        "due_date": installment.due_date.isoformat(),
        "amount": installment.amount.to_wire(),
    }
