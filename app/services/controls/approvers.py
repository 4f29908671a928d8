"""``org_unit_manager``: the manager of the org unit that owns a request's subject, found by
organisation (``SubjectUnits``: a contract's unit is its project's, else its owner's; an
invoice's is its contract's; the nearest ancestor with a manager answers)."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from app.domain.controls.approvals import ORG_UNIT_MANAGER, ApprovalRequest
from app.services.controls.ports import ControlsUnitOfWork

Kind = Literal["contract", "invoice", "customer"]


async def _owner(uow: ControlsUnitOfWork, request: ApprovalRequest) -> tuple[Kind, UUID] | None:
    """The record whose unit decides, for each gated action; None where no unit owns it
    (the dunning policy, a target)."""
    payload = request.payload
    if request.action in ("invoice.write_off", "invoice.hold"):
        return "invoice", UUID(payload["invoice_id"])
    if request.action == "installment.reschedule":
        return "contract", UUID(payload["contract_id"])
    if request.action in ("payment.reverse", "allocation.delete"):
        payment = await uow.payments.get(UUID(payload["payment_id"]))
        if payment is None:
            return None
        wanted = payload.get("allocation_id")
        for allocation in payment.allocations:
            if str(allocation.id) == wanted:
                return "invoice", allocation.invoice_id
        return "customer", payment.customer_id
    return None


class OrgUnitManagers:
    """Resolves ``org_unit_manager`` through organisation's ``SubjectUnits``."""

    @property
    def roles(self) -> frozenset[str]:
        return frozenset({ORG_UNIT_MANAGER})

    async def managers_of(
        self, uow: ControlsUnitOfWork, request: ApprovalRequest
    ) -> frozenset[str]:
        owner = await _owner(uow, request)
        if owner is None:
            return frozenset()
        manager = await uow.subject_units.manager_of(*owner)
        return frozenset({manager}) if manager else frozenset()
