"""The contract repository: what the fake and PostgreSQL both do, and the installments'
history (a query, but one the receivables unit tests read, so the fake answers it too)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

from app.domain.errors import DuplicateExternalId, StaleVersion, UnknownReference
from app.domain.evidence import EvidenceLink
from app.domain.money import Money
from app.domain.receivables.contracts import (
    ChangeKind,
    Contract,
    Installment,
    InstallmentChange,
    InstallmentState,
)
from app.domain.receivables.milestones import InstallmentKind, Milestone, MilestoneTerm
from app.domain.receivables.plans import PlanChange
from tests.contract.conftest import Store, a_customer, fails
from tests.unit.builders import NOW, contract


def step(deal: UUID, name: str, amount: str, month: int, position: int) -> Installment:
    return Installment(
        id=uuid4(),
        contract_id=deal,
        name=name,
        due_date=date(2026, month, 1),
        amount=Money.of(amount, "CNY"),
        position=position,
    )


def a_contract(customer_id: UUID, external_id: str | None = None) -> Contract:
    bare = replace(contract(), customer_id=customer_id, external_id=external_id)
    plan = (step(bare.id, "首付款", "300.00", 2, 0), step(bare.id, "尾款", "700.00", 3, 1))
    return replace(bare, installments=plan, late_fee_rate=Decimal("0.0005"))


async def test_add_then_get_gives_the_contract_back_with_its_plan_in_order(uow: Store) -> None:
    added = a_contract(await a_customer(uow), "K-1")
    await uow.contracts.add(replace(added, installments=added.installments[::-1]))
    assert await uow.contracts.get(added.id) == added
    assert await uow.contracts.get(added.id, lock=True) == added


async def test_unknown_contracts_are_none(uow: Store) -> None:
    assert await uow.contracts.get(uuid4()) is None


async def test_a_taken_external_id_or_an_unknown_customer_is_refused(uow: Store) -> None:
    customer_id = await a_customer(uow)
    await uow.contracts.add(a_contract(customer_id, "K-1"))
    async with fails(uow, DuplicateExternalId):
        await uow.contracts.add(a_contract(customer_id, "K-1"))
    async with fails(uow, UnknownReference):
        await uow.contracts.add(a_contract(uuid4()))


async def test_save_writes_the_contracts_own_fields_not_its_customer_or_plan(
    uow: Store,
) -> None:
    customer_id, other = await a_customer(uow), await a_customer(uow)
    added = a_contract(customer_id, "K-1")
    await uow.contracts.add(added)
    later = NOW + timedelta(hours=1)
    changed = replace(
        added,
        name="二期项目",
        owner="u-sales-2",
        external_id="K-2",
        late_fee_rate=None,
        amount=Money.of("1200.00", "CNY"),
        version=2,
        updated_at=later,
    )
    await uow.contracts.save(
        replace(changed, customer_id=other, created_at=later, installments=()), 1
    )
    assert await uow.contracts.get(added.id) == changed


async def test_save_with_a_stale_version_or_unknown_contract_is_stale(uow: Store) -> None:
    added = a_contract(await a_customer(uow))
    await uow.contracts.add(added)
    async with fails(uow, StaleVersion):
        await uow.contracts.save(replace(added, name="别人", version=3), 2)
    async with fails(uow, StaleVersion):
        await uow.contracts.save(a_contract(added.customer_id), 1)
    assert await uow.contracts.get(added.id) == added


async def test_save_into_a_taken_external_id_is_a_duplicate(uow: Store) -> None:
    customer_id = await a_customer(uow)
    await uow.contracts.add(a_contract(customer_id, "K-1"))
    second = a_contract(customer_id, "K-2")
    await uow.contracts.add(second)
    async with fails(uow, DuplicateExternalId):
        await uow.contracts.save(replace(second, external_id="K-1", version=2), 1)


async def test_save_plan_adds_rewrites_and_removes_installments(uow: Store) -> None:
    added = a_contract(await a_customer(uow))
    await uow.contracts.add(added)
    first, last = added.installments
    # The names swap, which the (contract, name) index allows only through a placeholder.
    renamed = replace(first, name="尾款", amount=Money.of("200.00", "CNY"), position=1)
    new = step(added.id, "首付款", "800.00", 2, 0)
    change = PlanChange(
        installments=(new, renamed),
        added=(new,),
        changed=((first, renamed),),
        removed=(last,),
        reordered=True,
    )
    await uow.contracts.save_plan(change, NOW + timedelta(hours=1))
    assert await uow.contracts.get(added.id) == replace(added, installments=(new, renamed))
    locked = await uow.contracts.lock_installments([last.id, renamed.id, new.id, uuid4()])
    assert locked == sorted([new, renamed], key=lambda i: i.id)
    assert await uow.contracts.lock_installments([]) == []


async def test_milestones_and_terms_are_kept_and_saved_apart(uow: Store) -> None:
    """Milestones come back in order with their evidence; ``save`` leaves them as they
    are, ``save_milestones`` writes them, ``save_plan`` writes kind and term."""
    bare = a_contract(await a_customer(uow))
    nodes = (
        Milestone("start", "开工", planned_on=date(2026, 2, 1)),
        Milestone("completion", "竣工验收"),
    )
    retention = replace(
        step(bare.id, "质保金", "100.00", 2, 2),
        due_date=None,
        kind=InstallmentKind.RETENTION,
        term=MilestoneTerm("completion", offset_months=24),
    )
    advance = replace(bare.installments[0], amount=Money.of("200.00", "CNY"))
    added = replace(
        bare,
        installments=(advance, bare.installments[1], retention),
        milestones=nodes,
        payment_terms_days=45,
    )
    await uow.contracts.add(added)
    assert await uow.contracts.get(added.id) == added
    link = EvidenceLink("https://docs.example.com/a.pdf", "验收报告", None, "acceptance")
    reached = replace(nodes[1], reached_on=date(2026, 8, 31), evidence=(link,))
    await uow.contracts.save(replace(added, milestones=(reached,), version=2), 1)
    assert (await uow.contracts.get(added.id)) == replace(added, version=2)
    due = replace(retention, due_date=date(2028, 8, 31), term=MilestoneTerm("completion", 30))
    with_dates = replace(
        added,
        version=2,
        milestones=(nodes[0], reached),
        installments=(advance, bare.installments[1], due),
    )
    await uow.contracts.save_milestones(with_dates)
    await uow.contracts.save_plan(
        PlanChange(with_dates.installments, (), ((retention, due),), (), False), NOW
    )
    assert await uow.contracts.get(added.id) == with_dates


def change(
    deal: Contract, item: Installment, kind: ChangeKind, minutes: int, reason: str | None = None
) -> InstallmentChange:
    return InstallmentChange(
        id=uuid4(),
        installment_id=item.id,
        contract_id=deal.id,
        kind=kind,
        changed_at=NOW + timedelta(minutes=minutes),
        changed_by="test-key",
        before=None if kind is ChangeKind.CREATED else InstallmentState.of(item),
        after=InstallmentState.of(replace(item, due_date=date(2026, 9, 1))),
        reason=reason,
        changed_by_user="u-1" if reason else None,
    )


async def test_history_is_each_installments_changes_oldest_first(uow: Store) -> None:
    added = a_contract(await a_customer(uow))
    await uow.contracts.add(added)
    first, last = added.installments
    created = change(added, first, ChangeKind.CREATED, 0)
    moved = change(added, first, ChangeKind.RESCHEDULED, 5, "延期")
    await uow.contracts.add_history([moved, change(added, last, ChangeKind.CREATED, 0)])
    await uow.contracts.add_history([created])
    await uow.contracts.add_history([])
    assert await uow.contract_queries.history(first.id) == [created, moved]
    assert await uow.contract_queries.history(uuid4()) == []
