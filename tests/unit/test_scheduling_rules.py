"""The scheduler's pure rules: when an invoice is looked at next, what it finds, finding
keys, dunning tasks, target findings and summary totals."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from uuid import uuid4

import pytest

from app.domain.collection.dunning import DEFAULT_LEVELS, DunningLevel, DunningPolicy
from app.domain.collection.risk import Severity
from app.domain.collection.scans import (
    OverdueItem,
    check_invoice,
    dunning_task,
    next_threshold,
    overdue_totals,
    target_findings,
)
from app.domain.collection.targets import (
    ProgressSums,
    Target,
    TargetScope,
    target_progress,
)
from app.domain.collection.tasks import TaskKind, TaskPriority
from app.domain.delivery.webhooks import SUBSCRIBABLE_EVENT_TYPES
from app.domain.findings import Finding, FindingKind, finding
from app.domain.money import Money
from app.domain.receivables.invoices import Hold
from tests.unit.builders import NOW, invoice

POLICY = DunningPolicy(DEFAULT_LEVELS)
DUE = date(2026, 10, 31)


def day(days_overdue: int) -> date:
    return DUE + timedelta(days=days_overdue)


def test_finding_keys_join_their_parts() -> None:
    subject = uuid4()
    made = finding(FindingKind.INVOICE_OVERDUE_RISK, subject, DUE, "low")
    assert made == Finding(FindingKind.INVOICE_OVERDUE_RISK, subject, "2026-10-31:low")
    assert made.natural_key == ("invoice.overdue_risk", subject, "2026-10-31:low")
    assert finding(FindingKind.PROMISE_BROKEN, subject).key == ""


def test_every_finding_but_the_risk_raise_is_a_subscribable_event_type() -> None:
    kinds = {k.value for k in FindingKind} - {FindingKind.INVOICE_OVERDUE_RISK.value}
    assert kinds <= SUBSCRIBABLE_EVENT_TYPES


def test_next_threshold() -> None:
    thresholds = {1, 15, 30, 60, 90}
    assert next_threshold(0, thresholds) == 1
    assert next_threshold(1, thresholds) == 15
    assert next_threshold(29, thresholds) == 30
    assert next_threshold(90, thresholds) is None


def test_not_yet_overdue_is_looked_at_the_day_after_the_due_date() -> None:
    check = check_invoice(invoice(due_date=DUE), DUE, POLICY)
    assert (check.overdue, check.dunning, check.severity) == (False, None, None)
    assert check.next_scan_on == day(1)
    assert check.findings(invoice()) == []


@pytest.mark.parametrize(
    ("days", "level", "severity", "next_at"),
    [
        (1, 1, Severity.LOW, 15),
        (14, 1, Severity.LOW, 15),
        (15, 2, Severity.LOW, 30),
        (45, 3, Severity.MEDIUM, 60),
        (75, 4, Severity.HIGH, 90),
        (90, 4, Severity.CRITICAL, None),
    ],
)
def test_overdue_invoices_climb_both_ladders(
    days: int, level: int, severity: Severity, next_at: int | None
) -> None:
    bill = invoice(due_date=DUE)
    check = check_invoice(bill, day(days), POLICY)
    assert check.overdue
    assert check.days_overdue == days
    assert check.dunning is not None
    assert check.dunning.level == level
    assert check.severity is severity
    assert check.next_scan_on == (None if next_at is None else day(next_at))
    kinds = [f.kind for f in check.findings(bill)]
    assert kinds == [
        FindingKind.INVOICE_OVERDUE,
        FindingKind.INVOICE_DUNNING,
        FindingKind.INVOICE_OVERDUE_RISK,
    ]


def test_a_level_already_reached_is_not_reached_again() -> None:
    bill = replace(invoice(due_date=DUE), dunning_level=2)
    check = check_invoice(bill, day(20), POLICY)
    assert check.dunning is None
    assert check.next_scan_on == day(30)


def test_disputed_and_held_invoices_are_skipped_by_dunning_and_the_risk_rule() -> None:
    disputed = replace(invoice(due_date=DUE), disputed_at=NOW, dispute_reason="wrong")
    check = check_invoice(disputed, day(40), POLICY)
    assert (check.overdue, check.dunning, check.severity, check.next_scan_on) == (
        True,
        None,
        None,
        None,
    )
    assert [f.kind for f in check.findings(disputed)] == [FindingKind.INVOICE_OVERDUE]

    held = replace(invoice(due_date=DUE), hold=Hold("awaiting acceptance", day(50)))
    check = check_invoice(held, day(40), POLICY)
    assert (check.dunning, check.severity, check.next_scan_on) == (None, None, day(51))
    after_the_hold = check_invoice(held, day(51), POLICY)
    assert after_the_hold.dunning is not None
    assert after_the_hold.dunning.level == 3


def test_a_custom_policy_sets_its_own_thresholds() -> None:
    policy = DunningPolicy((DunningLevel(1, 5, "reminder"), DunningLevel(2, 45, "legal", True)))
    check = check_invoice(invoice(due_date=DUE), day(6), policy)
    assert check.dunning is not None
    assert check.dunning.level == 1
    assert check.next_scan_on == day(30)  # the risk ladder's next step comes first


def test_dunning_tasks() -> None:
    legal = dunning_task(DunningLevel(4, 60, "legal", True), "INV-1", 61, DUE)
    assert (legal.kind, legal.priority, legal.due_date) == (
        TaskKind.LEGAL,
        TaskPriority.URGENT,
        DUE + timedelta(days=3),
    )
    assert "INV-1" in legal.title
    assert "61 days" in legal.title
    call = dunning_task(DunningLevel(2, 15, "escalate", True), "INV-2", 15, DUE)
    assert (call.kind, call.priority) == (TaskKind.CALL, TaskPriority.HIGH)


def test_dunning_task_titles_follow_the_locale() -> None:
    level = DunningLevel(2, 15, "escalate", True)
    assert dunning_task(level, "INV-2", 15, DUE, "en").title == (
        "Dunning level 2 (escalate): invoice INV-2, 15 days overdue"
    )
    assert dunning_task(level, "INV-2", 15, DUE, "zh-CN").title == (
        "催收第2级（escalate）：发票 INV-2，逾期15天"
    )


def target(**values: object) -> Target:
    fields: dict[str, object] = {
        "id": uuid4(),
        "name": "Q4",
        "amount": Money.of("1000", "CNY"),
        "period_start": date(2026, 10, 1),
        "period_end": date(2026, 12, 31),
        "scope": TargetScope.ORG,
        "created_at": NOW,
        "updated_at": NOW,
        **values,
    }
    return Target(**fields)  # type: ignore[arg-type]


def sums(collected: str) -> ProgressSums:
    zero = Money.zero("CNY")
    return ProgressSums(Money.of(collected, "CNY"), zero, zero)


@pytest.mark.parametrize(
    ("collected", "today", "expected"),
    [
        ("1000", date(2026, 11, 1), [FindingKind.TARGET_ACHIEVED]),
        ("100", date(2026, 11, 27), [FindingKind.TARGET_AT_RISK]),  # behind
        ("500", date(2026, 11, 27), [FindingKind.TARGET_AT_RISK]),  # at risk (80 %)
        ("600", date(2026, 11, 27), []),  # on track (97 %)
        ("999", date(2027, 1, 1), [FindingKind.TARGET_MISSED]),
    ],
)
def test_target_findings(collected: str, today: date, expected: list[FindingKind]) -> None:
    goal = target()
    progress = target_progress(goal, sums(collected), today)
    found = target_findings(goal, progress)
    assert [f.kind for f in found] == expected
    keys = {
        FindingKind.TARGET_ACHIEVED: "1000.00",
        FindingKind.TARGET_AT_RISK: "2026-12-31",
        FindingKind.TARGET_MISSED: "2026-12-31",
    }
    assert [f.key for f in found] == [keys[k] for k in expected]


def test_overdue_totals_keep_invoices_and_installments_apart_per_currency() -> None:
    def item(kind: str, outstanding: str, currency: str = "CNY") -> OverdueItem:
        money = Money.of(outstanding, currency)
        return OverdueItem(kind, uuid4(), "x", DUE, 3, money, money)

    totals = overdue_totals(
        [
            item("invoice", "10.00"),
            item("invoice", "5.50"),
            item("installment", "100.00"),
            item("invoice", "7", "JPY"),
        ]
    )
    assert [(t.currency, t.invoices.to_wire(), t.installments.to_wire()) for t in totals] == [
        ("CNY", "15.50", "100.00"),
        ("JPY", "7", "0"),
    ]
