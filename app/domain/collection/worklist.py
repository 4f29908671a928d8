"""The collector's worklist: what to work on next, ranked by a score that explains itself.

An item is an open invoice, the un-invoiced part of an overdue installment, or a customer
with something to act on at the customer level. Its **factors** are facts about it today;
its **score** is a pure, linear function of them under the configured weights
(``app/domain/collection/worklist_weights.py``): one **reason** per factor that applies, each with
its points rounded to the cent, and the score is their exact sum. Disputed invoices and
invoices on hold are excluded: they are never scored. The next action follows from the
promises, the dunning level and the risk (see :func:`next_action`).

The database ranks with the same formula written in SQL (``app/adapters/db/worklist``);
a test holds the two equal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from enum import StrEnum
from uuid import UUID

from app.domain.collection.dunning import DunningPolicy
from app.domain.collection.risk import Severity
from app.domain.collection.tasks import TaskKind
from app.domain.collection.worklist_weights import Weights
from app.domain.i18n import Locale, message
from app.domain.money import Money

CENT = Decimal("0.01")
# Enough digits that amount × weight ÷ unit is rounded to the cent exactly, like PostgreSQL
# does with the dividend cast to numeric(60, 30).
PRECISION = 60
BROKEN_PROMISE_WINDOW_DAYS = 90


class ItemKind(StrEnum):
    INVOICE = "invoice"
    INSTALLMENT = "installment"
    CUSTOMER = "customer"


@dataclass(frozen=True, slots=True)
class ItemId:
    """``invoice:<uuid>``, ``installment:<uuid>`` or ``customer:<uuid>``: stable while the
    record exists, and URL-safe."""

    kind: ItemKind
    subject_id: UUID

    def __str__(self) -> str:
        return f"{self.kind.value}:{self.subject_id}"

    @classmethod
    def parse(cls, text: str) -> ItemId | None:
        """The id written by :meth:`__str__` (the UUID's hex digits in either case); None for
        anything else."""
        kind, _, rest = text.partition(":")
        try:
            item = cls(ItemKind(kind), UUID(rest))
        except ValueError:
            return None
        return item if str(item.subject_id) == rest.lower() else None


class Factor(StrEnum):
    AMOUNT_OVERDUE = "amount_overdue"
    DAYS_OVERDUE = "days_overdue"
    DUNNING_LEVEL = "dunning_level"
    BROKEN_PROMISES = "broken_promises"
    RISK_SEVERITY = "risk_severity"
    PROMISE_DUE_TODAY = "promise_due_today"
    LIMITATION_EXPIRING = "limitation_expiring"


@dataclass(frozen=True, slots=True)
class Factors:
    """What the score is made of, as of one day.

    ``amount_overdue``: an invoice's outstanding once past due, an installment's
    un-invoiced amount once past due (zero for a customer: its invoices carry it).
    ``broken_promises``: the customer's, promised in the last 90 days. ``risk_severity``:
    the highest active flag on the item, its contract and its customer (a customer item:
    on the customer). ``promise_due_today``: an unsettled promise for the invoice (a
    customer item: for the customer, naming no invoice) promised for today.
    ``limitation_expiring``: the invoice's limitation period nears its end (the
    limitation check's active ``legal`` flag on it).
    """

    amount_overdue: Money
    days_overdue: int = 0
    dunning_level: int = 0
    broken_promises: int = 0
    risk_severity: Severity | None = None
    promise_due_today: bool = False
    limitation_expiring: bool = False
    disputed: bool = False
    on_hold: bool = False

    @property
    def excluded(self) -> bool:
        """Disputed or on hold: collection is paused, the item is not on the list."""
        return self.disputed or self.on_hold


ReasonValue = str | int | bool


@dataclass(frozen=True, slots=True)
class Reason:
    factor: Factor
    value: ReasonValue  # amounts as decimal strings, severities by name
    points: Decimal


@dataclass(frozen=True, slots=True)
class Scored:
    score: Decimal
    reasons: tuple[Reason, ...]


class ExcludedItem(ValueError):
    """A disputed or held item was handed to :func:`score`: it has no score."""


def _points(raw: Decimal, cap: Decimal | None = None) -> Decimal:
    if cap is not None and raw > cap:
        raw = cap
    return raw.quantize(CENT, rounding=ROUND_HALF_UP)


def score(factors: Factors, weights: Weights) -> Scored:
    """The score and its reasons: one reason per factor that applies (non-zero or true),
    points rounded half up to the cent, capped where the weights say; the score is the
    exact sum of the reasons' points. Raises ExcludedItem for a disputed or held item."""
    if factors.excluded:
        raise ExcludedItem("a disputed invoice or one on hold is not on the worklist")
    reasons: list[Reason] = []
    with localcontext() as context:
        context.prec = PRECISION
        amount = factors.amount_overdue
        if amount.is_positive():
            unit = weights.amount_unit(amount.currency)
            raw = weights.amount_overdue * amount.amount / unit
            points = _points(raw, weights.amount_overdue_max_points)
            reasons.append(Reason(Factor.AMOUNT_OVERDUE, amount.to_wire(), points))
        if factors.days_overdue > 0:
            raw = weights.days_overdue * factors.days_overdue
            points = _points(raw, weights.days_overdue_max_points)
            reasons.append(Reason(Factor.DAYS_OVERDUE, factors.days_overdue, points))
        if factors.dunning_level > 0:
            points = _points(weights.dunning_level * factors.dunning_level)
            reasons.append(Reason(Factor.DUNNING_LEVEL, factors.dunning_level, points))
        if factors.broken_promises > 0:
            points = _points(weights.broken_promises * factors.broken_promises)
            reasons.append(Reason(Factor.BROKEN_PROMISES, factors.broken_promises, points))
        if factors.risk_severity is not None:
            points = _points(weights.risk_points(factors.risk_severity))
            reasons.append(Reason(Factor.RISK_SEVERITY, factors.risk_severity.label, points))
        if factors.promise_due_today:
            points = _points(weights.promise_due_today)
            reasons.append(Reason(Factor.PROMISE_DUE_TODAY, True, points))
        if factors.limitation_expiring:
            points = _points(weights.limitation_expiring)
            reasons.append(Reason(Factor.LIMITATION_EXPIRING, True, points))
        total = sum((r.points for r in reasons), CENT * 0)
    return Scored(total, tuple(reasons))


class NextAction(StrEnum):
    CONFIRM_PROMISE = "confirm_promise"
    ISSUE_INVOICE = "issue_invoice"
    SEND_DEMAND = "send_demand"
    LEGAL_REVIEW = "legal_review"
    ESCALATE = "escalate"
    SEND_REMINDER = "send_reminder"
    CALL = "call"


# The dunning policy's actions (the default ones; others read as a call).
DUNNING_ACTIONS = {
    "reminder": NextAction.SEND_REMINDER,
    "escalate": NextAction.ESCALATE,
    "final_notice": NextAction.ESCALATE,
    "legal": NextAction.LEGAL_REVIEW,
}


def dunning_action(policy: DunningPolicy, level: int) -> str | None:
    """The action of the policy's highest level at or below ``level`` (the level an invoice
    reached may be missing from a policy changed since); None at level 0."""
    action = None
    for item in policy.levels:
        if item.level <= level:
            action = item.action
    return action


def next_action(kind: ItemKind, factors: Factors, dunning: str | None) -> NextAction:
    """The first rule that applies:

    1. a promise falls due today: confirm it (``confirm_promise``);
    2. an installment's un-invoiced part is overdue: invoice it (``issue_invoice``);
    2a. the limitation period nears its end: a demand with evidence starts it again
       (``send_demand``);
    3. critical risk, or dunning reached a ``legal`` level: ``legal_review``;
    4. high risk, dunning at ``escalate`` or ``final_notice``, or two broken promises or
       more: ``escalate``;
    5. a customer, a broken promise or medium risk: ``call``;
    6. dunning at ``reminder``, or overdue and not dunned yet: ``send_reminder``;
    7. otherwise (another dunning action, or low risk on an invoice not yet due): ``call``.
    """
    mapped = DUNNING_ACTIONS.get(dunning) if dunning is not None else None
    severity = factors.risk_severity
    if factors.promise_due_today:
        return NextAction.CONFIRM_PROMISE
    if kind is ItemKind.INSTALLMENT:
        return NextAction.ISSUE_INVOICE
    if factors.limitation_expiring:
        return NextAction.SEND_DEMAND
    if severity is Severity.CRITICAL or mapped is NextAction.LEGAL_REVIEW:
        return NextAction.LEGAL_REVIEW
    if severity is Severity.HIGH or mapped is NextAction.ESCALATE or factors.broken_promises >= 2:
        return NextAction.ESCALATE
    if kind is ItemKind.CUSTOMER or factors.broken_promises or severity is Severity.MEDIUM:
        return NextAction.CALL
    if mapped is NextAction.SEND_REMINDER or (dunning is None and factors.days_overdue > 0):
        return NextAction.SEND_REMINDER
    return NextAction.CALL


TASK_KINDS = {
    NextAction.CONFIRM_PROMISE: TaskKind.CALL,
    NextAction.ISSUE_INVOICE: TaskKind.INVOICE,
    NextAction.SEND_DEMAND: TaskKind.LEGAL,
    NextAction.LEGAL_REVIEW: TaskKind.LEGAL,
    NextAction.ESCALATE: TaskKind.CALL,
    NextAction.SEND_REMINDER: TaskKind.REMINDER,
    NextAction.CALL: TaskKind.CALL,
}


@dataclass(frozen=True, slots=True)
class Candidate:
    """An item the worklist query found for an assignee, with its factors as of today."""

    id: ItemId
    customer_id: UUID
    customer_name: str
    factors: Factors
    contract_id: UUID | None = None
    reference: str | None = None  # the invoice number or the installment's name
    due_date: date | None = None
    open_task_id: UUID | None = None  # an open task of the assignee's about this item
    assignee: str | None = None  # whose item it is (a team's view has several)


@dataclass(frozen=True, slots=True)
class WorklistItem:
    candidate: Candidate
    scored: Scored
    next_action: NextAction

    @property
    def id(self) -> ItemId:
        return self.candidate.id

    @property
    def score(self) -> Decimal:
        return self.scored.score


def rank(candidate: Candidate, weights: Weights, policy: DunningPolicy) -> WorklistItem:
    """Score a candidate and choose its next action."""
    factors = candidate.factors
    dunning = dunning_action(policy, factors.dunning_level)
    return WorklistItem(
        candidate, score(factors, weights), next_action(candidate.id.kind, factors, dunning)
    )


def describe(item: WorklistItem, locale: Locale = "en") -> str:
    """What the item is, for a task's title: ``invoice INV-7 (客户)``."""
    candidate = item.candidate
    kind = message(locale, f"task.kind.{candidate.id.kind.value}")
    if candidate.id.kind is ItemKind.CUSTOMER:
        return f"{kind} {candidate.customer_name}"
    reference = candidate.reference or str(candidate.id.subject_id)
    return message(locale, "task.item").format(
        kind=kind, reference=reference, customer=candidate.customer_name
    )


def task_title(item: WorklistItem, locale: Locale = "en") -> str:
    """The title of the task accepting an item opens, in HUIKUAN_LOCALE."""
    action = message(locale, f"task.action.{item.next_action.value}")
    return message(locale, "task.title").format(action=action, item=describe(item, locale))[:200]


def explain(item: WorklistItem) -> str:
    """The score and its reasons in one line, for the task's description."""
    parts = [f"{r.factor.value} {r.value}: {r.points}" for r in item.scored.reasons]
    return f"Worklist score {item.score} = " + (" + ".join(parts) or "0")
