"""Tasks' state machine, promise evaluation, risk severity ladders and dunning levels."""

from __future__ import annotations

import importlib.util
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from uuid import uuid4

import pytest

from app.domain.collection.dunning import (
    DEFAULT_LEVELS,
    DunningLevel,
    DunningPolicy,
    level_change,
    level_reached,
)
from app.domain.collection.promises import (
    Promise,
    PromiseStatus,
    evaluate_promise,
    settle_after_deadline,
    validate_new_promise,
)
from app.domain.collection.risk import (
    AllocationOutcome,
    RiskFlag,
    RiskKind,
    RiskSource,
    RiskStatus,
    Severity,
    Subject,
    SubjectType,
    amount_mismatch_severity,
    broken_promise_severity,
    change_flag,
    close_flag,
    credit_severity,
    overdue_severity,
)
from app.domain.collection.tasks import Task, TaskKind, TaskStatus, TaskSummary, change_task
from app.domain.errors import CurrencyMismatch, IllegalStateTransition, ValidationFailed
from app.domain.money import Money
from tests.unit.builders import NOW

TODAY = date(2026, 11, 27)


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


# --- Tasks ----------------------------------------------------------------------------


def a_task(status: TaskStatus = TaskStatus.TODO, due: date | None = None) -> Task:
    return Task(
        id=uuid4(),
        title="催收电话",
        kind=TaskKind.CALL,
        status=status,
        due_date=due,
        created_at=NOW,
        updated_at=NOW,
    )


@pytest.mark.parametrize(
    ("start", "wanted", "allowed"),
    [
        (TaskStatus.TODO, TaskStatus.IN_PROGRESS, True),
        (TaskStatus.TODO, TaskStatus.CANCELLED, True),
        (TaskStatus.IN_PROGRESS, TaskStatus.DONE, True),
        (TaskStatus.IN_PROGRESS, TaskStatus.CANCELLED, True),
        (TaskStatus.TODO, TaskStatus.DONE, False),
        (TaskStatus.TODO, TaskStatus.TODO, False),
        (TaskStatus.IN_PROGRESS, TaskStatus.TODO, False),
        (TaskStatus.IN_PROGRESS, TaskStatus.IN_PROGRESS, False),
        (TaskStatus.DONE, TaskStatus.IN_PROGRESS, False),
        (TaskStatus.DONE, TaskStatus.CANCELLED, False),
        (TaskStatus.CANCELLED, TaskStatus.TODO, False),
        (TaskStatus.CANCELLED, TaskStatus.DONE, False),
    ],
)
def test_task_transitions(start: TaskStatus, wanted: TaskStatus, allowed: bool) -> None:
    task = a_task(start)
    if not allowed:
        with pytest.raises(IllegalStateTransition):
            change_task(task, {"status": wanted}, NOW)
        return
    updated, changed = change_task(task, {"status": wanted}, NOW)
    assert updated.status is wanted
    assert changed == {"status": (start, wanted)}
    assert (updated.completed_at is not None) == (wanted is TaskStatus.DONE)
    assert (updated.cancelled_at is not None) == (wanted is TaskStatus.CANCELLED)


def test_closed_tasks_do_not_change_and_overdue_needs_an_open_task() -> None:
    with pytest.raises(IllegalStateTransition):
        change_task(a_task(TaskStatus.DONE), {"title": "x"}, NOW)
    assert change_task(a_task(TaskStatus.DONE), {"title": "催收电话"}, NOW)[1] == {}
    assert a_task(due=TODAY - timedelta(days=1)).is_overdue(TODAY)
    assert not a_task(due=TODAY).is_overdue(TODAY)
    assert not a_task().is_overdue(TODAY)
    assert not a_task(TaskStatus.DONE, TODAY - timedelta(days=9)).is_overdue(TODAY)


def test_completion_rate_leaves_cancelled_tasks_out() -> None:
    assert TaskSummary().completion_rate is None
    assert TaskSummary(cancelled=2).completion_rate is None
    summary = TaskSummary(todo=1, in_progress=1, done=1, cancelled=5)
    assert (summary.total, summary.completion_rate) == (8, Decimal("33.33"))


# --- Promises -------------------------------------------------------------------------


def a_promise(status: PromiseStatus = PromiseStatus.OPEN, paid: str = "0") -> Promise:
    return Promise(
        id=uuid4(),
        customer_id=uuid4(),
        interaction_id=uuid4(),
        amount=cny("1000.00"),
        paid_amount=cny(paid),
        promised_date=date(2026, 12, 5),
        made_on=TODAY,
        status=status,
        created_at=NOW,
        updated_at=NOW,
    )


@pytest.mark.parametrize(
    ("counted", "status"),
    [
        ("0", PromiseStatus.OPEN),
        ("0.01", PromiseStatus.PARTIALLY_KEPT),
        ("999.99", PromiseStatus.PARTIALLY_KEPT),
        ("1000.00", PromiseStatus.KEPT),
        ("1500.00", PromiseStatus.KEPT),
    ],
)
def test_promise_evaluation(counted: str, status: PromiseStatus) -> None:
    promise = a_promise()
    evaluated = evaluate_promise(promise, cny(counted), NOW)
    assert evaluated.status is status
    assert evaluated.paid_amount == cny(counted)
    assert (evaluated.kept_at is not None) == (status is PromiseStatus.KEPT)


def test_evaluation_moves_only_unsettled_promises_and_only_when_something_changed() -> None:
    partly = a_promise(PromiseStatus.PARTIALLY_KEPT, "400")
    assert evaluate_promise(partly, cny("1000"), NOW).status is PromiseStatus.KEPT
    assert evaluate_promise(partly, cny("400"), NOW) is partly
    for final in (PromiseStatus.KEPT, PromiseStatus.BROKEN):
        settled = a_promise(final)
        assert evaluate_promise(settled, cny("5000"), NOW) is settled


def test_settling_after_the_deadline() -> None:
    deadline = date(2026, 12, 5)
    open_ = a_promise()
    assert settle_after_deadline(open_, deadline, 0, NOW) is open_
    broken = settle_after_deadline(open_, deadline + timedelta(days=1), 0, NOW)
    assert broken.status is PromiseStatus.BROKEN
    assert broken.broken_at == NOW
    assert settle_after_deadline(open_, deadline + timedelta(days=1), 1, NOW) is open_
    partly = a_promise(PromiseStatus.PARTIALLY_KEPT, "10")
    assert settle_after_deadline(partly, deadline + timedelta(days=9), 0, NOW) is partly


def test_a_new_promise_is_for_today_or_later_in_a_billed_currency() -> None:
    validate_new_promise(cny("1"), TODAY, TODAY, {"CNY"})
    with pytest.raises(ValidationFailed):
        validate_new_promise(cny("1"), TODAY - timedelta(days=1), TODAY, {"CNY"})
    with pytest.raises(ValidationFailed):
        validate_new_promise(cny("1"), TODAY + timedelta(days=800), TODAY, {"CNY"})
    with pytest.raises(CurrencyMismatch):
        validate_new_promise(cny("1"), TODAY, TODAY, {"USD"})
    with pytest.raises(ValidationFailed):
        validate_new_promise(cny("0"), TODAY, TODAY, {"CNY"})


# --- Risk -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "severity"),
    [
        (0, None),
        (1, Severity.LOW),
        (29, Severity.LOW),
        (30, Severity.MEDIUM),
        (59, Severity.MEDIUM),
        (60, Severity.HIGH),
        (89, Severity.HIGH),
        (90, Severity.CRITICAL),
        (400, Severity.CRITICAL),
    ],
)
def test_overdue_ladder(days: int, severity: Severity | None) -> None:
    assert overdue_severity(days) is severity


@pytest.mark.parametrize(
    ("broken", "severity"),
    [
        (0, None),
        (1, Severity.MEDIUM),
        (2, Severity.HIGH),
        (3, Severity.CRITICAL),
        (7, Severity.CRITICAL),
    ],
)
def test_broken_promise_ladder(broken: int, severity: Severity | None) -> None:
    assert broken_promise_severity(broken) is severity


@pytest.mark.parametrize(
    ("outstanding", "limit", "severity"),
    [
        ("100.00", None, None),
        ("100.00", "100.00", None),
        ("100.01", "100.00", Severity.MEDIUM),
        ("124.99", "100.00", Severity.MEDIUM),
        ("125.00", "100.00", Severity.HIGH),
        ("150.00", "100.00", Severity.CRITICAL),
        ("0.01", "0", Severity.CRITICAL),
        ("0", "0", None),
    ],
)
def test_credit_ladder(outstanding: str, limit: str | None, severity: Severity | None) -> None:
    assert credit_severity(cny(outstanding), None if limit is None else cny(limit)) is severity


@pytest.mark.parametrize(
    ("invoices", "unallocated", "matches", "severity"),
    [
        (1, "0", False, None),  # a part of one invoice, or exactly it
        (2, "0", False, Severity.LOW),  # spread over several
        (2, "0", True, None),  # ...but it equals some open invoice
        (1, "10.00", False, Severity.MEDIUM),  # something left over
        (0, "100.00", False, Severity.MEDIUM),  # nothing to pay at all
        (0, "100.00", True, None),
    ],
)
def test_amount_mismatch(
    invoices: int, unallocated: str, matches: bool, severity: Severity | None
) -> None:
    outcome = AllocationOutcome(cny("100.00"), invoices, cny(unallocated), matches)
    assert amount_mismatch_severity(outcome) is severity


def a_flag() -> RiskFlag:
    return RiskFlag(
        id=uuid4(),
        subject=Subject(SubjectType.CUSTOMER, uuid4()),
        customer_id=uuid4(),
        kind=RiskKind.CREDIT,
        severity=Severity.LOW,
        source=RiskSource.USER,
        created_at=NOW,
        updated_at=NOW,
    )


def test_flag_changes_and_closing() -> None:
    flag = a_flag()
    mitigating, changed = change_flag(flag, {"status": RiskStatus.MITIGATING}, NOW)
    assert changed
    assert mitigating.version == 2
    with pytest.raises(ValidationFailed):
        change_flag(flag, {"status": RiskStatus.RESOLVED}, NOW)
    with pytest.raises(ValidationFailed):
        change_flag(flag, {"kind": RiskKind.LEGAL}, NOW)
    closed = close_flag(mitigating, RiskStatus.DISMISSED, " 误报 ", NOW)
    assert (closed.status, closed.resolution_note, closed.active) == (
        RiskStatus.DISMISSED,
        "误报",
        False,
    )
    with pytest.raises(IllegalStateTransition):
        close_flag(closed, RiskStatus.RESOLVED, "again", NOW)
    with pytest.raises(IllegalStateTransition):
        change_flag(closed, {"severity": Severity.HIGH}, NOW)
    with pytest.raises(ValidationFailed):
        close_flag(flag, RiskStatus.RESOLVED, "  ", NOW)


def test_a_rule_flag_names_its_rule() -> None:
    with pytest.raises(ValidationFailed):
        RiskFlag(
            id=uuid4(),
            subject=Subject(SubjectType.INVOICE, uuid4()),
            customer_id=uuid4(),
            kind=RiskKind.DISPUTE,
            severity=Severity.MEDIUM,
            source=RiskSource.RULE,
            created_at=NOW,
            updated_at=NOW,
        )
    assert Severity.of("High") is Severity.HIGH
    assert Severity.HIGH.label == "high"


# --- Dunning --------------------------------------------------------------------------

POLICY = DunningPolicy(DEFAULT_LEVELS)


@pytest.mark.parametrize(
    ("days", "level"),
    [(-3, None), (0, None), (1, 1), (14, 1), (15, 2), (29, 2), (30, 3), (59, 3), (60, 4), (999, 4)],
)
def test_level_reached(days: int, level: int | None) -> None:
    reached = level_reached(days, POLICY)
    assert (reached.level if reached else None) == level


def test_levels_only_go_up() -> None:
    assert level_change(0, 16, POLICY) == DEFAULT_LEVELS[1]  # jumps straight to level 2
    assert level_change(2, 16, POLICY) is None
    assert level_change(3, 16, POLICY) is None  # never lowered
    assert level_change(2, 31, POLICY) == DEFAULT_LEVELS[2]


@pytest.mark.parametrize(
    "levels",
    [
        (),
        (DunningLevel(1, 5, "a"), DunningLevel(2, 5, "b")),
        (DunningLevel(1, 5, "a"), DunningLevel(1, 9, "b")),
        (DunningLevel(1, 9, "a"), DunningLevel(2, 5, "b")),
        (DunningLevel(2, 5, "a"), DunningLevel(1, 9, "b")),
        (DunningLevel(0, 5, "a"),),
        (DunningLevel(1, 0, "a"),),
        (DunningLevel(1, 5, " "),),
        tuple(DunningLevel(n, n, "a") for n in range(1, 30)),
    ],
)
def test_invalid_policies(levels: tuple[DunningLevel, ...]) -> None:
    with pytest.raises(ValidationFailed):
        DunningPolicy(levels)


def test_the_migration_stores_the_domain_default() -> None:
    path = next(
        Path(__file__).resolve().parents[2].glob("app/adapters/db/migrations/versions/*_0005_*")
    )
    spec = importlib.util.spec_from_file_location("collection_work", path)
    assert spec is not None
    assert spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    stored = tuple(DunningLevel(**item) for item in migration.DEFAULT_DUNNING_LEVELS)
    assert stored == DEFAULT_LEVELS
