"""The actions an approval policy may gate: for each, the subject it acts on, the amount
at stake, and how it runs from its stored payload once approved.

A payload is JSON (what the route received, with ids and dates as strings), so that a
request kept for days runs the action on the subject as it is then, not as it was.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from app.domain.collection.dunning import DunningLevel
from app.domain.errors import NotFound, StaleVersion
from app.domain.money import Money
from app.services.collection import dunning, targets
from app.services.collection.documents import dunning_policy_document
from app.services.collection.ports import CollectionUnitOfWork
from app.services.context import Context
from app.services.documents import jsonable
from app.services.receivables import allocations, contracts, installments, invoice_actions
from app.services.receivables.invoice_documents import invoice_document
from app.services.receivables.invoices import locked_invoice
from app.services.receivables.payment_documents import payment_document

Payload = dict[str, Any]
Stake = Callable[[CollectionUnitOfWork, Context, Payload], Awaitable[Money | None]]
Run = Callable[[CollectionUnitOfWork, Context, Payload], Awaitable[dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class GatedAction:
    subject: Callable[[Payload], str]
    stake: Stake
    run: Run


def _uuid(payload: Payload, name: str) -> UUID:
    return UUID(str(payload[name]))


async def _invoice_outstanding(uow: CollectionUnitOfWork, _: Context, p: Payload) -> Money:
    invoice = await uow.invoices.get(_uuid(p, "invoice_id"))
    if invoice is None:
        raise NotFound("invoice", p["invoice_id"])
    return invoice.outstanding


def _invoice_action(action: invoice_actions.InvoiceAction) -> Run:
    async def run(uow: CollectionUnitOfWork, ctx: Context, p: Payload) -> dict[str, Any]:
        current = await locked_invoice(uow, _uuid(p, "invoice_id"), None)
        until = date.fromisoformat(p["until"]) if p.get("until") else None
        updated = await invoice_actions.act_on_invoice(
            uow, ctx, current, action, p.get("reason"), until
        )
        return jsonable(invoice_document(updated, ctx.clock.today()))  # type: ignore[no-any-return]

    return run


async def _installment_outstanding(
    uow: CollectionUnitOfWork, ctx: Context, p: Payload
) -> Money | None:
    contract = await uow.contracts.get(_uuid(p, "contract_id"))
    if contract is None:
        raise NotFound("contract", p["contract_id"])
    wanted = _uuid(p, "installment_id")
    found = next((i for i in contract.installments if i.id == wanted), None)
    if found is None:
        raise NotFound("installment", wanted)
    view = await contracts.view_of(uow, contract, ctx.clock.today())
    return view.figures(found).outstanding


async def _reschedule(uow: CollectionUnitOfWork, ctx: Context, p: Payload) -> dict[str, Any]:
    contract = await contracts.locked_contract(uow, _uuid(p, "contract_id"))
    _, document = await installments.reschedule_installment(
        uow,
        ctx,
        contract,
        _uuid(p, "installment_id"),
        date.fromisoformat(p["due_date"]),
        p["reason"],
    )
    return jsonable(document)  # type: ignore[no-any-return]


async def _payment_allocated(uow: CollectionUnitOfWork, _: Context, p: Payload) -> Money:
    payment = await uow.payments.get(_uuid(p, "payment_id"))
    if payment is None:
        raise NotFound("payment", p["payment_id"])
    return payment.allocated_amount


async def _reverse(uow: CollectionUnitOfWork, ctx: Context, p: Payload) -> dict[str, Any]:
    current = await allocations.locked_payment(uow, _uuid(p, "payment_id"))
    payment = await allocations.reverse_payment(uow, ctx, current, p.get("reason"))
    return jsonable(payment_document(payment))  # type: ignore[no-any-return]


async def _allocation_amount(uow: CollectionUnitOfWork, _: Context, p: Payload) -> Money:
    payment = await uow.payments.get(_uuid(p, "payment_id"))
    wanted = _uuid(p, "allocation_id")
    found = next((a for a in payment.allocations if a.id == wanted), None) if payment else None
    if found is None:
        raise NotFound("allocation", wanted)
    return found.amount


async def _undo_allocation(uow: CollectionUnitOfWork, ctx: Context, p: Payload) -> dict[str, Any]:
    current = await allocations.locked_payment(uow, _uuid(p, "payment_id"))
    payment = await allocations.undo_allocation(uow, ctx, current, _uuid(p, "allocation_id"))
    return jsonable(payment_document(payment))  # type: ignore[no-any-return]


def _check_version(resource: str, p: Payload, current: int) -> None:
    """The If-Match the requester sent, checked when the request is opened (412)."""
    expected = p.get("expected_version")
    if expected is not None and expected != current:
        raise StaleVersion(resource, expected, current)


async def _dunning_unchanged(uow: CollectionUnitOfWork, _: Context, p: Payload) -> None:
    _check_version("dunning policy", p, (await dunning.current_policy(uow)).version)


async def _target_amount(uow: CollectionUnitOfWork, _: Context, p: Payload) -> Money:
    target = await uow.targets.get(_uuid(p, "target_id"))
    if target is None:
        raise NotFound("target", p["target_id"])
    _check_version("target", p, target.version)
    return target.amount


async def _replace_dunning(uow: CollectionUnitOfWork, ctx: Context, p: Payload) -> dict[str, Any]:
    levels = [DunningLevel(**level) for level in p["levels"]]
    policy = await dunning.replace_dunning_policy(uow, ctx, levels)
    return jsonable(dunning_policy_document(policy))  # type: ignore[no-any-return]


_DATES = ("period_start", "period_end")


async def _update_target(uow: CollectionUnitOfWork, ctx: Context, p: Payload) -> dict[str, Any]:
    values = dict(p["values"])
    for name in _DATES:
        if values.get(name) is not None:
            values[name] = date.fromisoformat(values[name])
    if values.get("amount") is not None:
        values["amount"] = Decimal(values["amount"])
    view = await targets.update_target(uow, ctx, _uuid(p, "target_id"), values)
    return jsonable(view.document())  # type: ignore[no-any-return]


GATED: dict[str, GatedAction] = {
    "invoice.write_off": GatedAction(
        lambda p: f"invoices/{p['invoice_id']}", _invoice_outstanding, _invoice_action("write_off")
    ),
    "invoice.hold": GatedAction(
        lambda p: f"invoices/{p['invoice_id']}", _invoice_outstanding, _invoice_action("hold")
    ),
    "installment.reschedule": GatedAction(
        lambda p: f"installments/{p['installment_id']}", _installment_outstanding, _reschedule
    ),
    "payment.reverse": GatedAction(
        lambda p: f"payments/{p['payment_id']}", _payment_allocated, _reverse
    ),
    "allocation.delete": GatedAction(
        lambda p: f"payments/{p['payment_id']}", _allocation_amount, _undo_allocation
    ),
    "dunning_policy.update": GatedAction(
        lambda _: "dunning-policy", _dunning_unchanged, _replace_dunning
    ),
    "target.update": GatedAction(
        lambda p: f"targets/{p['target_id']}", _target_amount, _update_target
    ),
}
