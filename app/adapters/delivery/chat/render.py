"""An event as one chat message: the human facts read from its data, put in the locale's
template. Delivery knows no business context, so the facts come from the event itself
(plus the customer's name, a promise's invoice number and the contract's owner, looked up
when the relay claims the delivery); a fact an event
lacks shows as "—", so a type whose data grows or differs never fails a delivery."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from types import ModuleType
from typing import Any

from app.adapters.delivery.chat import en, zh_cn
from app.domain.events import EventType, OutboxEvent

MISSING = "—"
DIGEST_LINES = 5  # per section; the rest is counted
CATALOGUES: dict[str, ModuleType] = {"zh-CN": zh_cn, "en": en}


class Facts(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return MISSING


@dataclass(frozen=True, slots=True)
class ChatMessage:
    title: str
    text: str


def _text(value: Any) -> str:
    if value is None or value == "":
        return MISSING
    return str(value)


def money(amount: Any, currency: Any) -> str:
    """``12,345.60 CNY``: the wire's decimal string, grouped, never through a float."""
    try:
        figure = f"{Decimal(str(amount)):,}"
    except (InvalidOperation, ValueError):
        return MISSING
    return f"{figure} {currency}" if currency else figure


def _short_id(value: Any) -> str:
    return MISSING if not value else str(value)[:8]


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def customer_id_of(event: OutboxEvent) -> str | None:
    """The customer an event is about, when its data says (the relay looks up the name)."""
    found = _dict(event.data.get("object")).get("customer_id") or event.data.get("customer_id")
    return str(found) if found else None


def facts_of(
    event: OutboxEvent,
    customer_name: str | None,
    invoice_number: str | None = None,
    owner: str | None = None,
) -> Facts:
    data = event.data
    obj = _dict(data.get("object"))
    currency = obj.get("currency") or data.get("currency")
    level = _dict(data.get("level"))
    facts = Facts(
        customer=_text(customer_name or obj.get("customer_name") or data.get("customer_name")),
        invoice=_text(obj.get("external_id") or obj.get("ref") or _short_id(obj.get("id")))
        if event.type.startswith("invoice.") or event.type.endswith(".limitation_expiring")
        else _text(invoice_number or _short_id(obj.get("invoice_id"))),
        # An unbilled installment shows what is not invoiced, not its whole amount.
        amount=money(data.get("unbilled_amount") or obj.get("amount"), currency),
        outstanding=money(obj.get("outstanding"), currency),
        remaining=money(obj.get("remaining"), currency),
        collected=money(obj.get("collected"), currency),
        required_daily=money(obj.get("required_daily_amount"), currency),
        due_date=_text(obj.get("due_date")),
        promised_date=_text(obj.get("promised_date")),
        period_end=_text(obj.get("period_end")),
        days_overdue=_text(data.get("days_overdue", obj.get("days_overdue"))),
        days_left=_text(obj.get("days_left")),
        percent=_text(obj.get("percent")),
        level=_text(level.get("level")),
        action=_text(level.get("action") or obj.get("action")),
        severity=_text(obj.get("severity")),
        kind=_text(obj.get("kind")),
        description=_text(obj.get("description")),
        owner=_text(obj.get("owner") or data.get("owner") or owner),
        target=_text(obj.get("name")),
        installment=_text(obj.get("name")),
        contract=_text(data.get("contract_name") or obj.get("contract_name")),
        expires_on=_text(data.get("expires_on") or _dict(obj.get("limitation")).get("expires_on")),
        requested_by=_text(obj.get("requested_by") or data.get("requested_by")),
        subject=_text(obj.get("subject") if isinstance(obj.get("subject"), str) else event.subject),
        approval_id=_text(obj.get("id")),
        person=_text(data.get("person_name") or data.get("person")),
        date=_text(data.get("date")),
    )
    return facts


def render(
    event: OutboxEvent,
    locale: str,
    customer_name: str | None = None,
    invoice_number: str | None = None,
    owner: str | None = None,
) -> ChatMessage | None:
    """The message for ``event`` in ``locale``; None for a type chats do not show."""
    catalogue = CATALOGUES[locale]
    template = catalogue.TEMPLATES.get(event.type)
    if template is None:
        return None
    facts = facts_of(event, customer_name, invoice_number, owner)
    if event.type == EventType.PERSON_DAILY_DIGEST:
        facts["digest"] = digest_text(event.data, catalogue.LABELS)
    title, body = template
    return ChatMessage(title.format_map(facts), body.format_map(facts))


def _reasons(reasons: Any, labels: Mapping[str, str]) -> str:
    """The worklist's reasons (``{factor, value}``) in the locale's words."""
    if not isinstance(reasons, list):
        return MISSING
    words = []
    for reason in reasons:
        if isinstance(reason, dict):
            label = labels.get(f"reason.{reason.get('factor')}")
            value = _text(reason.get("value"))
            words.append(label.format(value=value) if label else value)
    return labels["separator"].join(words) or MISSING


def _line_facts(item: Mapping[str, Any], labels: Mapping[str, str]) -> Facts:
    currency = item.get("currency")
    return Facts(
        customer=_text(item.get("customer_name")),
        title=_text(item.get("title")),
        amount=money(item.get("amount"), currency),
        outstanding=money(item.get("outstanding"), currency),
        invoice=_text(item.get("invoice")),
        days_overdue=_text(item.get("days_overdue")),
        due_date=_text(item.get("due_date")),
        reasons=_reasons(item.get("reasons"), labels),
    )


def digest_text(data: Mapping[str, Any], labels: Mapping[str, str]) -> str:
    """The digest's sections, each a heading and at most ``DIGEST_LINES`` lines."""
    sections = (
        ("worklist", "digest.worklist", "digest.item"),
        ("promises_due", "digest.promises_due", "digest.promise"),
        ("new_overdue", "digest.new_overdue", "digest.overdue"),
        ("tasks_due", "digest.tasks_due", "digest.task"),
    )
    parts: list[str] = []
    for key, heading, line in sections:
        items = [i for i in data.get(key) or [] if isinstance(i, dict)]
        if not items:
            continue
        lines = [
            f"- {labels[line].format_map(_line_facts(i, labels))}" for i in items[:DIGEST_LINES]
        ]
        if len(items) > DIGEST_LINES:
            lines.append(f"- {labels['digest.more'].format(count=len(items) - DIGEST_LINES)}")
        parts.append(f"**{labels[heading]}**\n" + "\n".join(lines))
    return "\n\n".join(parts)
