"""Inbound events from ERP and CRM systems: envelopes, what they refer to, and the rules.

An event is ``{id, source, type, occurred_at, data}`` or a CloudEvents 1.0 JSON event
(``specversion``, ``id``, ``source``, ``type``, ``time``, ``data``). Both are read into one
:class:`InboundEvent`. ``(source, id)`` identifies an event: a repeat changes nothing.
Records refer to each other by ``external_id``; an event whose references are not known
yet waits ("is parked") until they arrive, and is then applied in ``occurred_at`` order.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from app.domain.errors import InvalidEvent
from app.domain.intake.ingest_data import (
    ContractUpsert,
    CustomerUpsert,
    EventData,
    InvoiceUpsert,
    InvoiceVoid,
    MilestoneReached,
    PaymentReceived,
    PaymentReversal,
    parse_contract,
    parse_customer,
    parse_invoice,
    parse_invoice_void,
    parse_milestone_reached,
    parse_payment,
    parse_payment_reversal,
)
from app.domain.intake.ingest_fields import Fields, Issues
from app.domain.intake.ingest_org import (
    OrgUnitUpsert,
    PersonUpsert,
    ProjectUpsert,
    parse_org_unit,
    parse_person,
    parse_project,
)

__all__ = ["InvalidEvent"]

MAX_ID_LENGTH = 200
CLOUDEVENTS_VERSION = "1.0"
_EXTENSION_NAME = re.compile(r"^[a-z0-9]{1,20}$")
_CLOUDEVENT_FIELDS = frozenset(
    {"specversion", "id", "source", "type", "time", "data", "datacontenttype", "dataschema"}
    | {"subject"}
)
_PLAIN_FIELDS = ("id", "source", "type", "occurred_at", "data")


class EventType(StrEnum):
    CUSTOMER_UPSERTED = "customer.upserted"
    CONTRACT_UPSERTED = "contract.upserted"
    INVOICE_ISSUED = "invoice.issued"
    INVOICE_UPDATED = "invoice.updated"
    INVOICE_VOIDED = "invoice.voided"
    PAYMENT_RECEIVED = "payment.received"
    PAYMENT_REVERSED = "payment.reversed"
    ORG_UNIT_UPSERTED = "org_unit.upserted"
    PERSON_UPSERTED = "person.upserted"
    PROJECT_UPSERTED = "project.upserted"
    MILESTONE_REACHED = "milestone.reached"


# Upserts carry a record's whole state: an older one never overwrites a newer one.
UPSERTS = frozenset(
    {
        EventType.CUSTOMER_UPSERTED,
        EventType.CONTRACT_UPSERTED,
        EventType.INVOICE_ISSUED,
        EventType.INVOICE_UPDATED,
        EventType.ORG_UNIT_UPSERTED,
        EventType.PERSON_UPSERTED,
        EventType.PROJECT_UPSERTED,
    }
)


class RecordKind(StrEnum):
    CUSTOMER = "customer"
    CONTRACT = "contract"
    INVOICE = "invoice"
    PAYMENT = "payment"
    ORG_UNIT = "org_unit"  # by its code
    PERSON = "person"  # by its user id
    PROJECT = "project"


@dataclass(frozen=True, slots=True, order=True)
class RecordKey:
    """A record as ERPs name it: its kind and its ``external_id``."""

    kind: RecordKind
    external_id: str

    def __str__(self) -> str:
        return f"{self.kind.value}:{self.external_id}"

    @classmethod
    def parse(cls, text: str) -> RecordKey:
        kind, _, external_id = text.partition(":")
        return cls(RecordKind(kind), external_id)

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind.value, "external_id": self.external_id}


class Outcome(StrEnum):
    """What the answer says about one event."""

    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    PARKED = "parked"
    REJECTED = "rejected"


class IngestStatus(StrEnum):
    """Where a stored event stands."""

    PARKED = "parked"
    APPLIED = "applied"
    REJECTED = "rejected"


_TYPES = {t.value: t for t in EventType}

OrgData = OrgUnitUpsert | PersonUpsert | ProjectUpsert

_PARSERS: dict[EventType, Callable[[object, Issues], EventData | OrgData | None]] = {
    EventType.CUSTOMER_UPSERTED: parse_customer,
    EventType.CONTRACT_UPSERTED: parse_contract,
    EventType.INVOICE_ISSUED: parse_invoice,
    EventType.INVOICE_UPDATED: parse_invoice,
    EventType.INVOICE_VOIDED: parse_invoice_void,
    EventType.PAYMENT_RECEIVED: parse_payment,
    EventType.PAYMENT_REVERSED: parse_payment_reversal,
    EventType.ORG_UNIT_UPSERTED: parse_org_unit,
    EventType.PERSON_UPSERTED: parse_person,
    EventType.PROJECT_UPSERTED: parse_project,
    EventType.MILESTONE_REACHED: parse_milestone_reached,
}


@dataclass(frozen=True, slots=True)
class InboundEvent:
    id: str
    source: str
    type: EventType
    occurred_at: datetime
    data: EventData | OrgData
    document: Mapping[str, Any]  # the event as received (exact numbers as Decimal)

    @property
    def key(self) -> tuple[str, str]:
        return (self.source, self.id)

    @property
    def subject(self) -> RecordKey:
        """The record the event creates or changes."""
        return RecordKey(_SUBJECT_KIND[type(self.data)], self.data.external_id)

    @property
    def requires(self) -> tuple[RecordKey, ...]:
        """The records that must exist before the event can be applied."""
        return requirements(self.data)

    @property
    def is_upsert(self) -> bool:
        return self.type in UPSERTS


_SUBJECT_KIND: dict[type, RecordKind] = {
    CustomerUpsert: RecordKind.CUSTOMER,
    ContractUpsert: RecordKind.CONTRACT,
    InvoiceUpsert: RecordKind.INVOICE,
    InvoiceVoid: RecordKind.INVOICE,
    PaymentReceived: RecordKind.PAYMENT,
    PaymentReversal: RecordKind.PAYMENT,
    OrgUnitUpsert: RecordKind.ORG_UNIT,
    PersonUpsert: RecordKind.PERSON,
    ProjectUpsert: RecordKind.PROJECT,
    MilestoneReached: RecordKind.CONTRACT,
}


def _unit(code: str | None) -> tuple[RecordKey, ...]:
    return () if code is None else (RecordKey(RecordKind.ORG_UNIT, code),)


def requirements(data: EventData | OrgData) -> tuple[RecordKey, ...]:
    if isinstance(data, ContractUpsert):
        customer = RecordKey(RecordKind.CUSTOMER, data.customer_external_id)
        if data.project_external_id is None:
            return (customer,)
        return (customer, RecordKey(RecordKind.PROJECT, data.project_external_id))
    if isinstance(data, OrgUnitUpsert):
        return _unit(data.parent_code)
    if isinstance(data, PersonUpsert):
        return _unit(data.org_unit_code)
    if isinstance(data, ProjectUpsert):
        customer = RecordKey(RecordKind.CUSTOMER, data.customer_external_id)
        return (customer, *_unit(data.org_unit_code))
    if isinstance(data, InvoiceUpsert):
        keys = [RecordKey(RecordKind.CUSTOMER, data.customer_external_id)]
        if data.contract_external_id is not None:
            keys.append(RecordKey(RecordKind.CONTRACT, data.contract_external_id))
        return tuple(keys)
    if isinstance(data, InvoiceVoid):
        return (RecordKey(RecordKind.INVOICE, data.external_id),)
    if isinstance(data, PaymentReceived):
        customer = RecordKey(RecordKind.CUSTOMER, data.customer_external_id)
        invoices = (RecordKey(RecordKind.INVOICE, e) for e in data.invoice_external_ids)
        return (customer, *invoices)
    if isinstance(data, PaymentReversal):
        return (RecordKey(RecordKind.PAYMENT, data.external_id),)
    if isinstance(data, MilestoneReached):
        return (RecordKey(RecordKind.CONTRACT, data.contract_external_id),)
    return ()


def _identifier(value: object) -> str | None:
    if isinstance(value, str) and 0 < len(value) <= MAX_ID_LENGTH and value.isprintable():
        return value
    return None


def identity(raw: object) -> tuple[str | None, str | None]:
    """``(id, source)`` when readable, even from an event that is otherwise invalid."""
    if not isinstance(raw, Mapping):
        return None, None
    return _identifier(raw.get("id")), _identifier(raw.get("source"))


def _envelope(raw: Mapping[str, Any], issues: Issues) -> tuple[Fields, str]:
    """The envelope's fields and the name of its timestamp field."""
    if "specversion" not in raw:
        return Fields(raw, (), issues, _PLAIN_FIELDS), "occurred_at"
    envelope = Fields(raw, (), issues, None)
    if raw["specversion"] != CLOUDEVENTS_VERSION:
        issues.add(("specversion",), f"only CloudEvents {CLOUDEVENTS_VERSION} is supported")
    for name in raw:
        if name not in _CLOUDEVENT_FIELDS and not _EXTENSION_NAME.match(str(name)):
            issues.add((str(name),), "unknown field")
    if "data_base64" in raw:
        issues.add(("data_base64",), "send data as JSON, not base64")
    content_type = raw.get("datacontenttype")
    if content_type is not None and not _is_json(content_type):
        issues.add(("datacontenttype",), "only JSON data is accepted")
    return envelope, "time"


def _is_json(content_type: object) -> bool:
    if not isinstance(content_type, str):
        return False
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def parse_event(raw: object) -> InboundEvent:
    """Read one event in either form; raises InvalidEvent listing every problem found."""
    issues = Issues()
    if not isinstance(raw, Mapping):
        issues.add((), "an event is a JSON object")
        issues.raise_if_any()
    assert isinstance(raw, Mapping)
    envelope, time_field = _envelope(raw, issues)
    event_id, source = identity(raw)
    if event_id is None:
        issues.add(("id",), f"is required: 1..{MAX_ID_LENGTH} printable characters")
    if source is None:
        issues.add(("source",), f"is required: 1..{MAX_ID_LENGTH} printable characters")
    occurred_at = envelope.moment(time_field)
    type_name = raw.get("type")
    event_type = _TYPES.get(type_name) if isinstance(type_name, str) else None
    if event_type is None:
        issues.add(("type",), f"must be one of {', '.join(_TYPES)}")
    data = None if event_type is None else _PARSERS[event_type](raw.get("data"), issues)
    issues.raise_if_any()
    if event_id is None or source is None or occurred_at is None or event_type is None:
        raise AssertionError("unreachable: issues were raised")
    if data is None:
        raise AssertionError("unreachable: issues were raised")
    return InboundEvent(
        id=event_id,
        source=source,
        type=event_type,
        occurred_at=occurred_at,
        data=data,
        document=raw,
    )


def is_stale(occurred_at: datetime, last_applied: datetime | None) -> bool:
    """An upsert older than the last one applied to its record changes nothing.

    Equal times apply (the later arrival wins), so a resend of the same state is harmless.
    """
    return last_applied is not None and occurred_at < last_applied


def processing_order(events: Sequence[tuple[int, InboundEvent]]) -> list[tuple[int, InboundEvent]]:
    """Events of one request are applied as if sent one by one in ``occurred_at`` order
    (ties in the order sent). Parked events are released in the same order."""
    return sorted(events, key=lambda item: (item[1].occurred_at, item[0]))


@dataclass(frozen=True, slots=True)
class IngestRecord:
    """An event as stored: its identity, where it stands, and what it waits for."""

    id: UUID
    source: str
    event_id: str
    type: str
    status: IngestStatus
    received_at: datetime
    document: Mapping[str, Any]
    sent_by: str
    occurred_at: datetime | None = None
    subject: RecordKey | None = None
    waits_for: tuple[RecordKey, ...] = ()
    problem: Mapping[str, Any] | None = None
    note: str | None = None
    sent_by_user: str | None = None
    applied_at: datetime | None = None
