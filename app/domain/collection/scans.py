"""The rules the collection jobs scan by: when an overdue invoice reaches a dunning level or
an overdue severity, the dunning task it opens, a target's findings, a customer's overdue
totals. What a finding is, and its natural key, is ``app/domain/findings.py``; the ladders
themselves (dunning, overdue risk, a target's pace) live in their own modules.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

from app.domain.collection.dunning import DunningLevel, DunningPolicy, level_change
from app.domain.collection.risk import OVERDUE_LADDER, Severity, overdue_severity
from app.domain.collection.targets import Pace, Target, TargetProgress, TargetStatus
from app.domain.collection.tasks import TaskKind, TaskPriority
from app.domain.findings import Finding, FindingKind, finding
from app.domain.i18n import Locale, message
from app.domain.money import Money
from app.domain.receivables.invoices import Invoice

# How far back broken promises count toward a customer's broken-promise flag.
BROKEN_PROMISE_WINDOW_DAYS = 180


# --- Overdue invoices: dunning and the overdue risk rule -------------------------------


@dataclass(frozen=True, slots=True)
class InvoiceCheck:
    """What the overdue scan does with one open invoice today.

    ``dunning``: the level to move up to; ``severity``: the overdue flag's severity to raise
    to (both None while the invoice is disputed or on hold); ``next_scan_on``: when to look
    again, None when nothing more can happen until the invoice itself changes.
    """

    overdue: bool
    days_overdue: int
    dunning: DunningLevel | None
    severity: Severity | None
    next_scan_on: date | None

    def findings(self, invoice: Invoice) -> list[Finding]:
        found = []
        if self.overdue:
            found.append(finding(FindingKind.INVOICE_OVERDUE, invoice.id, invoice.due_date))
        if self.dunning is not None:
            found.append(finding(FindingKind.INVOICE_DUNNING, invoice.id, self.dunning.level))
        if self.severity is not None:
            found.append(
                finding(
                    FindingKind.INVOICE_OVERDUE_RISK,
                    invoice.id,
                    invoice.due_date,
                    self.severity.label,
                )
            )
        return found


def check_invoice(invoice: Invoice, today: date, policy: DunningPolicy) -> InvoiceCheck:
    """Overdue, the dunning level reached and the overdue risk severity of an invoice.

    A disputed invoice or one on hold is skipped by dunning and by the risk rule: on hold,
    it is looked at again the day after the hold ends; disputed, when the dispute is
    resolved (any action on the invoice puts it back in the scan's queue).
    """
    if not invoice.is_overdue(today):
        return InvoiceCheck(False, 0, None, None, invoice.due_date + timedelta(days=1))
    days = invoice.days_overdue(today)
    if invoice.disputed:
        return InvoiceCheck(True, days, None, None, None)
    if invoice.hold is not None and invoice.on_hold(today):
        return InvoiceCheck(True, days, None, None, invoice.hold.until + timedelta(days=1))
    ahead = next_threshold(days, _thresholds(policy))
    return InvoiceCheck(
        overdue=True,
        days_overdue=days,
        dunning=level_change(invoice.dunning_level, days, policy),
        severity=overdue_severity(days),
        next_scan_on=None if ahead is None else invoice.due_date + timedelta(days=ahead),
    )


def _thresholds(policy: DunningPolicy) -> set[int]:
    return {level.days_overdue for level in policy.levels} | {d for d, _ in OVERDUE_LADDER}


def next_threshold(days_overdue: int, thresholds: Iterable[int]) -> int | None:
    """The next number of days overdue at which something happens; None past the last."""
    return min((d for d in thresholds if d > days_overdue), default=None)


@dataclass(frozen=True, slots=True)
class DunningTask:
    title: str
    kind: TaskKind
    priority: TaskPriority
    due_date: date


DUNNING_TASK_DAYS = 3  # a dunning task is due this many days after the level is reached


def dunning_task(
    level: DunningLevel,
    invoice_name: str,
    days_overdue: int,
    today: date,
    locale: Locale = "en",
) -> DunningTask:
    """The task a dunning level opens for the contract's owner (where it says so), titled
    in HUIKUAN_LOCALE."""
    legal = level.action == "legal"
    kind = TaskKind.LEGAL if legal else TaskKind.CALL
    priority = TaskPriority.URGENT if legal else TaskPriority.HIGH
    title = message(locale, "task.dunning").format(
        level=level.level, action=level.action, invoice=invoice_name, days=days_overdue
    )
    return DunningTask(title, kind, priority, today + timedelta(days=DUNNING_TASK_DAYS))


# --- Targets --------------------------------------------------------------------------


AT_RISK_PACES = frozenset({Pace.AT_RISK, Pace.BEHIND})


def target_findings(target: Target, progress: TargetProgress) -> list[Finding]:
    """``target.achieved`` once per target and amount; ``target.missed`` once per period end;
    ``target.at_risk`` once per period end, the first time an active target's pace falls
    to at risk or behind."""
    if progress.status is TargetStatus.ACHIEVED:
        return [finding(FindingKind.TARGET_ACHIEVED, target.id, target.amount.to_wire())]
    if progress.status is TargetStatus.MISSED:
        return [finding(FindingKind.TARGET_MISSED, target.id, target.period_end)]
    if progress.pace in AT_RISK_PACES:
        return [finding(FindingKind.TARGET_AT_RISK, target.id, target.period_end)]
    return []


def target_settled(target: Target, today: date) -> bool:
    """Once the period is over and its outcome reported, target-pace stops looking."""
    return today > target.period_end


# --- The daily overdue summary ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OverdueItem:
    """One overdue invoice or installment in a customer's summary."""

    kind: str  # "invoice" or "installment"
    id: UUID
    name: str
    due_date: date
    days_overdue: int
    amount: Money
    outstanding: Money


@dataclass(frozen=True, slots=True)
class OverdueTotal:
    currency: str
    invoices: Money
    installments: Money


def overdue_totals(items: Sequence[OverdueItem]) -> list[OverdueTotal]:
    """Outstanding per currency, invoices and installments apart (an installment's
    outstanding includes what its invoices have outstanding: don't add the two)."""
    currencies = sorted({i.outstanding.currency for i in items})
    totals = []
    for currency in currencies:
        of = [i for i in items if i.outstanding.currency == currency]
        totals.append(
            OverdueTotal(
                currency,
                Money.sum((i.outstanding for i in of if i.kind == "invoice"), currency),
                Money.sum((i.outstanding for i in of if i.kind == "installment"), currency),
            )
        )
    return totals
