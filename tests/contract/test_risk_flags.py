"""The risk flag repository: what the fake and PostgreSQL both do. At most one active flag
per subject and kind (a partial unique index): a second is a Conflict, and rules raise the
active one's severity instead."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from uuid import UUID, uuid4

from app.domain.collection.risk import (
    RiskFlag,
    RiskKind,
    RiskSource,
    RiskStatus,
    Severity,
    Subject,
    SubjectType,
)
from app.domain.errors import Conflict, StaleVersion
from app.services.collection.ports import RuleRaise
from tests.contract.conftest import Store, a_customer, fails
from tests.unit.builders import NOW


def flag(
    customer_id: UUID,
    kind: RiskKind = RiskKind.OVERDUE,
    severity: Severity = Severity.MEDIUM,
    *,
    subject: Subject | None = None,
    rule: str | None = None,
    minutes: int = 0,
) -> RiskFlag:
    return RiskFlag(
        id=uuid4(),
        subject=subject or Subject(SubjectType.CUSTOMER, customer_id),
        customer_id=customer_id,
        kind=kind,
        severity=severity,
        source=RiskSource.RULE if rule else RiskSource.USER,
        rule=rule,
        created_at=NOW + timedelta(minutes=minutes),
        updated_at=NOW + timedelta(minutes=minutes),
        description="逾期六十天",
    )


async def test_add_then_get_gives_the_flag_back(uow: Store) -> None:
    customer_id = await a_customer(uow)
    added = replace(flag(customer_id), mitigation_plan="分期", owner="u-risk-1")
    await uow.risk_flags.add(added)
    assert await uow.risk_flags.get(added.id) == added
    assert await uow.risk_flags.get(uuid4()) is None
    assert await uow.risk_flags.active(added.subject, RiskKind.OVERDUE) == added
    assert await uow.risk_flags.active(added.subject, RiskKind.LEGAL) is None


async def test_a_second_active_flag_of_a_kind_is_a_conflict_until_the_first_ends(
    uow: Store,
) -> None:
    customer_id = await a_customer(uow)
    first = flag(customer_id)
    await uow.risk_flags.add(first)
    async with fails(uow, Conflict):
        await uow.risk_flags.add(flag(customer_id, severity=Severity.HIGH))
    await uow.risk_flags.add(flag(customer_id, RiskKind.DISPUTE))  # another kind
    resolved = replace(first, status=RiskStatus.RESOLVED, resolved_at=NOW, version=2)
    await uow.risk_flags.save(resolved, expected_version=1)
    second = flag(customer_id, severity=Severity.HIGH)
    await uow.risk_flags.add(second)
    assert await uow.risk_flags.active(first.subject, RiskKind.OVERDUE) == second


async def test_save_writes_all_but_id_created_at_subject_customer_and_kind(uow: Store) -> None:
    customer_id, other = await a_customer(uow), await a_customer(uow)
    added = flag(customer_id)
    await uow.risk_flags.add(added)
    changed = replace(
        added,
        subject=Subject(SubjectType.CUSTOMER, other),
        customer_id=other,
        kind=RiskKind.LEGAL,
        severity=Severity.CRITICAL,
        status=RiskStatus.MITIGATING,
        description="起诉",
        mitigation_plan="律师函",
        owner="u-risk-2",
        version=2,
        created_at=NOW + timedelta(days=1),
        updated_at=NOW + timedelta(hours=1),
    )
    await uow.risk_flags.save(changed, expected_version=1)
    kept = replace(changed, subject=added.subject, customer_id=customer_id, kind=added.kind)
    assert await uow.risk_flags.get(added.id) == replace(kept, created_at=NOW)


async def test_save_stale_unknown_or_reopening_beside_an_active_flag_changes_nothing(
    uow: Store,
) -> None:
    customer_id = await a_customer(uow)
    ended = replace(flag(customer_id), status=RiskStatus.DISMISSED, resolved_at=NOW)
    active = flag(customer_id, minutes=1)
    await uow.risk_flags.add(ended)
    await uow.risk_flags.add(active)
    async with fails(uow, StaleVersion):
        await uow.risk_flags.save(replace(active, severity=Severity.LOW, version=3), 2)
    async with fails(uow, StaleVersion):
        await uow.risk_flags.save(flag(customer_id, RiskKind.OTHER), expected_version=1)
    async with fails(uow, Conflict):
        reopened = replace(ended, status=RiskStatus.OPEN, resolved_at=None, version=2)
        await uow.risk_flags.save(reopened, expected_version=1)
    assert [await uow.risk_flags.get(f.id) for f in (ended, active)] == [ended, active]


async def test_a_rule_inserts_then_only_raises_the_active_flag(uow: Store) -> None:
    customer_id = await a_customer(uow)
    first = flag(customer_id, rule="overdue_30")
    assert await uow.risk_flags.raise_by_rule(first) == RuleRaise(first, None)
    for not_higher in (Severity.LOW, Severity.MEDIUM):
        same = flag(customer_id, severity=not_higher, rule="overdue_30", minutes=5)
        assert await uow.risk_flags.raise_by_rule(same) is None
    higher = flag(customer_id, severity=Severity.CRITICAL, rule="overdue_90", minutes=10)
    raised = replace(first, severity=Severity.CRITICAL, version=2, updated_at=higher.updated_at)
    assert await uow.risk_flags.raise_by_rule(higher) == RuleRaise(raised, Severity.MEDIUM)
    assert await uow.risk_flags.get(first.id) == raised
    assert await uow.risk_flags.get(higher.id) is None


async def test_raising_many_returns_only_what_changed(uow: Store) -> None:
    customer_id, other = await a_customer(uow), await a_customer(uow)
    kept = flag(customer_id, severity=Severity.HIGH, rule="overdue_60")
    await uow.risk_flags.add(kept)
    new = flag(other, rule="overdue_30")
    lower = flag(customer_id, severity=Severity.LOW, rule="overdue_30")
    assert await uow.risk_flags.raise_many_by_rule([lower, new]) == [RuleRaise(new, None)]
    assert await uow.risk_flags.raise_many_by_rule([]) == []
    assert await uow.risk_flags.get(kept.id) == kept
