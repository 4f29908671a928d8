"""Target use cases: create, change, read (with progress and tasks) and list targets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from app.domain.collection.targets import (
    ProgressSums,
    Target,
    TargetScope,
    change_target,
    check_part,
    check_whole,
)
from app.domain.collection.tasks import TaskSummary
from app.domain.errors import CurrencyMismatch, NotFound, StaleVersion, UnknownReference
from app.domain.events import EventType
from app.domain.money import Money
from app.services.collection.documents import TargetDocument, target_document
from app.services.collection.ports import CollectionUnitOfWork, TargetFilter
from app.services.context import Clock, Context
from app.services.documents import changes_json
from app.services.pagination import Page, PageRequest, make_page


@dataclass(frozen=True, slots=True)
class NewTarget:
    name: str
    amount: Decimal
    currency: str
    period_start: date
    period_end: date
    scope: TargetScope
    scope_id: UUID | str | None = None
    owner: str | None = None
    description: str | None = None
    parent_id: UUID | None = None


@dataclass(frozen=True, slots=True)
class TargetView:
    """A target with the sums its progress is computed from, its tasks and the date."""

    target: Target
    sums: ProgressSums
    tasks: TaskSummary
    today: date

    def document(self) -> TargetDocument:
        return target_document(self.target, self.sums, self.tasks, self.today)


def subject(target_id: UUID) -> str:
    return f"targets/{target_id}"


async def _check_scope(
    uow: CollectionUnitOfWork, scope: TargetScope, scope_id: Any, currency: str
) -> None:
    """Customers and contracts named by a scope must exist (422); a contract's target is in
    the contract's currency. Owners are opaque user ids: there is no directory to check."""
    if scope is TargetScope.CUSTOMER:
        if await uow.customers.get(scope_id) is None:
            raise UnknownReference("customer", scope_id, ("scope_id",))
    elif scope is TargetScope.CONTRACT:
        contract = await uow.contracts.get(scope_id)
        if contract is None:
            raise UnknownReference("contract", scope_id, ("scope_id",))
        if contract.currency != currency:
            raise CurrencyMismatch(
                f"the contract is in {contract.currency}, the target in {currency}",
                ("currency",),
            )
    elif scope is TargetScope.ORG_UNIT:
        if await uow.org_units.get(scope_id) is None:
            raise UnknownReference("org unit", scope_id, ("scope_id",))
    elif scope is TargetScope.PROJECT and await uow.projects.get(scope_id) is None:
        raise UnknownReference("project", scope_id, ("scope_id",))


async def _check_parent(uow: CollectionUnitOfWork, target: Target) -> None:
    """A part of another target: same currency, period inside, the parts at most the whole
    (422); the parent is locked so that parts added at once cannot overshoot it together."""
    if target.parent_id is None:
        return
    parent = await uow.targets.get(target.parent_id)
    if parent is None:
        raise UnknownReference("target", target.parent_id, ("parent_id",))
    await uow.targets.lock(parent.id)
    check_part(parent, target, await uow.targets.children(parent.id))


async def views_of(
    uow: CollectionUnitOfWork, targets: Sequence[Target], today: date
) -> list[TargetView]:
    """Targets with their progress sums and task summaries: two statements for any number."""
    if not targets:
        return []
    sums = await uow.target_queries.progress_sums(targets, today)
    tasks = await uow.task_queries.summaries([t.id for t in targets], today)
    return [
        TargetView(
            t,
            sums.get(t.id) or ProgressSums.empty(t.currency),
            tasks.get(t.id, TaskSummary()),
            today,
        )
        for t in targets
    ]


async def create_target(uow: CollectionUnitOfWork, ctx: Context, cmd: NewTarget) -> TargetView:
    """Create a target and emit ``target.created``."""
    now = ctx.clock.now()
    target = Target(
        id=ctx.ids.new_id(),
        name=cmd.name.strip(),
        amount=Money.of(cmd.amount, cmd.currency),
        period_start=cmd.period_start,
        period_end=cmd.period_end,
        scope=cmd.scope,
        scope_id=cmd.scope_id,
        owner=(cmd.owner or "").strip() or None,
        description=(cmd.description or "").strip() or None,
        created_at=now,
        updated_at=now,
        parent_id=cmd.parent_id,
    )
    await _check_scope(uow, target.scope, target.scope_id, target.currency)
    await _check_parent(uow, target)
    await uow.targets.add(target)
    (view,) = await views_of(uow, [target], ctx.clock.today())
    uow.add_event(
        ctx.event(EventType.TARGET_CREATED, subject(target.id), {"object": view.document()})
    )
    return view


async def update_target(
    uow: CollectionUnitOfWork,
    ctx: Context,
    target_id: UUID,
    values: dict[str, Any],
    expected_version: int | None = None,
) -> TargetView:
    """Change a target's name, amount, period, owner or description; emits
    ``target.updated``. ``amount`` is a Decimal in the target's currency."""
    target = await uow.targets.get(target_id)
    if target is None:
        raise NotFound("target", target_id)
    if expected_version is not None and expected_version != target.version:
        raise StaleVersion("target", expected_version, target.version)
    if values.get("amount") is not None:
        values = {**values, "amount": Money.of(values["amount"], target.currency)}
    updated, changed = change_target(target, values, ctx.clock.now())
    (view,) = await views_of(uow, [updated], ctx.clock.today())
    if not changed:
        return view
    if {"amount", "period_start", "period_end"} & changed.keys():
        await uow.targets.lock(target.id)
        check_whole(updated, await uow.targets.children(target.id))
        await _check_parent(uow, updated)
    await uow.targets.save(updated, expected_version=target.version)
    data = {"object": view.document(), "changes": changes_json(changed)}
    uow.add_event(ctx.event(EventType.TARGET_UPDATED, subject(target.id), data))
    return view


async def get_target(uow: CollectionUnitOfWork, clock: Clock, target_id: UUID) -> TargetView:
    target = await uow.targets.get(target_id)
    if target is None:
        raise NotFound("target", target_id)
    (view,) = await views_of(uow, [target], clock.today())
    return view


async def list_targets(
    uow: CollectionUnitOfWork, clock: Clock, filters: TargetFilter, page: PageRequest
) -> Page[TargetView]:
    rows = await uow.target_queries.list(filters, page)
    views = await views_of(uow, rows, clock.today())
    return make_page(views, page, key=lambda v: (str(v.target.id),))


@dataclass(frozen=True, slots=True)
class BreakdownNode:
    """A target in its tree, with its parts (the children's own nodes)."""

    view: TargetView
    children: list[BreakdownNode]
    depth: int  # 0 for the target asked for


async def target_breakdown(
    uow: CollectionUnitOfWork, clock: Clock, target_id: UUID
) -> BreakdownNode:
    """The target and its parts, to any depth, each with its progress; one progress
    statement for the whole tree."""
    root = await uow.targets.get(target_id)
    if root is None:
        raise NotFound("target", target_id)
    levels: list[list[Target]] = [[root]]
    while levels[-1] and len(levels) <= MAX_TARGET_DEPTH:
        levels.append([c for t in levels[-1] for c in await uow.targets.children(t.id)])
    everyone = [t for level in levels for t in level]
    views = {v.target.id: v for v in await views_of(uow, everyone, clock.today())}

    def node(target: Target, depth: int) -> BreakdownNode:
        children = [node(c, depth + 1) for c in everyone if c.parent_id == target.id]
        return BreakdownNode(views[target.id], children, depth)

    return node(root, 0)


MAX_TARGET_DEPTH = 16  # a company split to regions, branches, teams and people is 5
