"""Contract use cases: create, read, list, change (including the collection plan)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from app.domain.errors import Conflict, NotFound, StaleVersion, ValidationFailed
from app.domain.events import EventType
from app.domain.money import Money
from app.domain.receivables.contracts import (
    ChangeKind,
    Contract,
    InstallmentChange,
    InstallmentState,
    change_contract,
)
from app.domain.receivables.milestones import Milestone, check_milestones
from app.domain.receivables.plans import (
    PlanChange,
    PlannedInstallment,
    change_plan,
    new_plan,
    plan_total,
)
from app.services.context import Clock, Context
from app.services.pagination import Page, PageRequest, make_page
from app.services.receivables.contract_documents import (
    ContractView,
    milestone_document,
    plan_line,
)
from app.services.receivables.ports import ReceivablesUnitOfWork


@dataclass(frozen=True, slots=True)
class NewContract:
    customer_id: UUID
    name: str
    amount: Decimal
    currency: str
    owner: str
    signed_on: date
    external_id: str | None = None
    late_fee_rate: Decimal | None = None
    installments: tuple[PlannedInstallment, ...] = field(default_factory=tuple)
    milestones: tuple[Milestone, ...] = field(default_factory=tuple)
    payment_terms_days: int | None = None
    project_id: UUID | None = None


def subject(contract_id: UUID) -> str:
    return f"contracts/{contract_id}"


def history_entry(
    ctx: Context,
    kind: ChangeKind,
    contract_id: UUID,
    installment_id: UUID,
    before: InstallmentState | None,
    after: InstallmentState | None,
    reason: str | None = None,
) -> InstallmentChange:
    return InstallmentChange(
        id=ctx.ids.new_id(),
        installment_id=installment_id,
        contract_id=contract_id,
        kind=kind,
        changed_at=ctx.clock.now(),
        changed_by=ctx.actor.key_name,
        changed_by_user=ctx.actor.user,
        before=before,
        after=after,
        reason=reason,
    )


async def view_of(uow: ReceivablesUnitOfWork, contract: Contract, today: date) -> ContractView:
    """The contract with the invoice totals its figures are derived from."""
    ids = [i.id for i in contract.installments]
    ledgers = await uow.invoice_queries.installment_ledgers(ids, today) if ids else {}
    contract_ledger = (await uow.invoice_queries.contract_ledgers([contract.id], today)).get(
        contract.id
    )
    return ContractView(contract, today, contract_ledger, ledgers)


async def create_contract(
    uow: ReceivablesUnitOfWork, ctx: Context, cmd: NewContract
) -> ContractView:
    """Create a contract with its collection plan and emit ``contract.created``."""
    now = ctx.clock.now()
    contract_id = ctx.ids.new_id()
    total = Money.of(cmd.amount, cmd.currency)
    contract = Contract(
        id=contract_id,
        customer_id=cmd.customer_id,
        name=cmd.name.strip(),
        amount=total,
        owner=cmd.owner.strip(),
        signed_on=cmd.signed_on,
        external_id=cmd.external_id,
        late_fee_rate=cmd.late_fee_rate,
        milestones=tuple(_planned(m) for m in cmd.milestones),
        payment_terms_days=cmd.payment_terms_days,
        project_id=cmd.project_id,
        installments=new_plan(
            contract_id, total, cmd.installments, ctx.ids.new_id, _checked(cmd.milestones)
        ),
        created_at=now,
        updated_at=now,
    )
    view = ContractView(contract, ctx.clock.today())
    await uow.contracts.add(contract)
    await uow.contracts.add_history(
        [
            history_entry(ctx, ChangeKind.CREATED, contract.id, i.id, None, InstallmentState.of(i))
            for i in contract.installments
        ]
    )
    uow.add_event(
        ctx.event(EventType.CONTRACT_CREATED, subject(contract.id), {"object": view.document()})
    )
    return view


def _planned(milestone: Milestone) -> Milestone:
    """A milestone as a client gives it: reached only through ``reach``."""
    return replace(milestone, name=milestone.name.strip(), reached_on=None, evidence=())


def _checked(milestones: Sequence[Milestone]) -> tuple[Milestone, ...]:
    check_milestones(milestones)
    return tuple(milestones)


def replan_milestones(current: Contract, given: Sequence[Milestone]) -> tuple[Milestone, ...]:
    """The milestones a PATCH gives, keyed by ``key``: a reached one keeps its date and
    evidence and cannot be left out (409); unreached ones take the new name and plan."""
    check_milestones(given)
    by_key = {m.key: m for m in given}
    for milestone in current.milestones:
        if milestone.reached and milestone.key not in by_key:
            raise Conflict(
                f"milestone {milestone.key!r} was reached on {milestone.reached_on}: "
                "unreach it before removing it"
            )
    kept = {m.key: m for m in current.milestones}
    result = []
    for milestone in given:
        before = kept.get(milestone.key)
        planned = _planned(milestone)
        if before is not None:
            planned = replace(planned, reached_on=before.reached_on, evidence=before.evidence)
        result.append(planned)
    return tuple(result)


def _plan_history(
    ctx: Context, contract_id: UUID, change: PlanChange, reason: str | None
) -> list[InstallmentChange]:
    entries = [
        history_entry(
            ctx, ChangeKind.ADDED, contract_id, i.id, None, InstallmentState.of(i), reason
        )
        for i in change.added
    ]
    entries += [
        history_entry(
            ctx,
            ChangeKind.CHANGED,
            contract_id,
            after.id,
            InstallmentState.of(before),
            InstallmentState.of(after),
            reason,
        )
        for before, after in change.changed
    ]
    entries += [
        history_entry(
            ctx, ChangeKind.REMOVED, contract_id, i.id, InstallmentState.of(i), None, reason
        )
        for i in change.removed
    ]
    return entries


async def _new_plan_for(
    uow: ReceivablesUnitOfWork,
    ctx: Context,
    current: Contract,
    updated: Contract,
    items: Sequence[PlannedInstallment] | None,
    milestones: Sequence[Milestone],
) -> PlanChange | None:
    """The plan change a PATCH asks for, or None when the plan stays as it is."""
    if items is None:
        if current.installments and plan_total(current.installments, current.currency) != (
            updated.amount
        ):
            raise ValidationFailed(
                "the installments no longer add up to the new amount; send the new plan too",
                ("installments",),
            )
        return None
    locked = await uow.contracts.lock_installments([i.id for i in current.installments])
    ledgers = await uow.invoice_queries.installment_ledgers(
        [i.id for i in locked], ctx.clock.today()
    )
    invoiced = {installment_id: ledger.invoiced for installment_id, ledger in ledgers.items()}
    change = change_plan(
        current.id,
        updated.amount,
        current.installments,
        items,
        invoiced,
        ctx.ids.new_id,
        milestones,
    )
    return None if change.is_empty else change


async def locked_contract(
    uow: ReceivablesUnitOfWork, contract_id: UUID, expected_version: int | None = None
) -> Contract:
    """The contract to change, locked; 404 when unknown, 412 when ``expected_version`` is
    stale."""
    current = await uow.contracts.get(contract_id, lock=True)
    if current is None:
        raise NotFound("contract", contract_id)
    if expected_version is not None and expected_version != current.version:
        raise StaleVersion("contract", expected_version, current.version)
    return current


async def update_contract(
    uow: ReceivablesUnitOfWork,
    ctx: Context,
    current: Contract,
    values: dict[str, Any],
    installments: Sequence[PlannedInstallment] | None = None,
    reason: str | None = None,
    milestones: Sequence[Milestone] | None = None,
) -> ContractView:
    """Change the fields and/or the plan of ``current`` (as :func:`locked_contract` locked
    it); emits ``contract.updated``. When nothing changes the view holds ``current`` itself.

    ``amount`` is a Decimal in the contract's currency. A new plan keeps installments
    named by ``id`` (or, without id, by an unchanged name); every added, changed or removed
    installment gets a history entry with ``reason``.
    """
    now = ctx.clock.now()
    values = dict(values)
    if "amount" in values:
        values["amount"] = Money.of(values["amount"], current.currency)
    # Fields first, on a plan-less copy: due dates are checked once the plan is final.
    bare, changed = change_contract(replace(current, installments=()), values, now)
    nodes = current.milestones if milestones is None else replan_milestones(current, milestones)
    plan = await _new_plan_for(uow, ctx, current, bare, installments, nodes)
    nodes_changed = nodes != current.milestones
    if not changed and plan is None and not nodes_changed:
        return await view_of(uow, current, ctx.clock.today())
    updated = replace(
        bare,
        installments=plan.installments if plan else current.installments,
        milestones=nodes,
        updated_at=now,
        version=current.version + 1,
    )
    await uow.contracts.save(updated, expected_version=current.version)
    changes: dict[str, Any] = {}
    if nodes_changed:
        await uow.contracts.save_milestones(updated)
        changes["milestones"] = {
            "from": [milestone_document(m) for m in current.milestones],
            "to": [milestone_document(m) for m in updated.milestones],
        }
    if plan is not None:
        await uow.contracts.save_plan(plan, now)
        await uow.contracts.add_history(_plan_history(ctx, current.id, plan, reason))
        changes["installments"] = {
            "from": [plan_line(i) for i in current.installments],
            "to": [plan_line(i) for i in updated.installments],
        }
    view = await view_of(uow, updated, ctx.clock.today())
    document = view.document()
    before: Mapping[str, object] = ContractView(current, view.today).document()
    after: Mapping[str, object] = document
    changes = {
        **{name: {"from": before[name], "to": after[name]} for name in changed},
        **changes,
    }
    data: dict[str, Any] = {"object": document, "changes": changes}
    if reason:
        data["reason"] = reason
    uow.add_event(ctx.event(EventType.CONTRACT_UPDATED, subject(current.id), data))
    return view


async def get_contract(uow: ReceivablesUnitOfWork, clock: Clock, contract_id: UUID) -> ContractView:
    contract = await uow.contracts.get(contract_id)
    if contract is None:
        raise NotFound("contract", contract_id)
    return await view_of(uow, contract, clock.today())


async def list_contracts(
    uow: ReceivablesUnitOfWork,
    clock: Clock,
    *,
    customer_id: UUID | None = None,
    external_id: str | None = None,
    owner: str | None = None,
    page: PageRequest,
    project_id: UUID | None = None,
) -> Page[ContractView]:
    today = clock.today()
    rows = await uow.contract_queries.list(
        customer_id=customer_id,
        external_id=external_id,
        owner=owner,
        page=page,
        project_id=project_id,
    )
    kept = make_page(rows, page, key=lambda c: (str(c.id),))
    installment_ids = [i.id for c in kept.items for i in c.installments]
    ledgers = await uow.invoice_queries.installment_ledgers(installment_ids, today)
    contract_ledgers = await uow.invoice_queries.contract_ledgers([c.id for c in kept.items], today)
    views = [ContractView(c, today, contract_ledgers.get(c.id), ledgers) for c in kept.items]
    return Page(items=views, next_cursor=kept.next_cursor)
