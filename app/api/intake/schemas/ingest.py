"""Ingestion schemas. The request models document the body (the service reads it with the
domain parser, so one bad event never fails the others); the examples are tested to parse."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from app.api.schemas import AmountIn, CurrencyCode, EvidenceIn, ExternalId, Problem, Timestamp
from app.domain.intake.ingest import EventType, IngestStatus, Outcome

EventId = Annotated[str, Field(min_length=1, max_length=200)]
Name = Annotated[str, Field(min_length=1, max_length=200)]


class CustomerUpsertedData(BaseModel):
    """`customer.upserted`: absent optional fields keep their value; a customer created
    without `currency` gets `HUIKUAN_DEFAULT_CURRENCY` (CNY unless configured)."""

    external_id: ExternalId
    name: Name
    credit_rating: Literal["A", "B", "C", "D"] | None = None
    credit_limit: AmountIn | None = None
    currency: CurrencyCode | None = None
    payment_terms_days: Annotated[int, Field(ge=0, le=3650)] | None = None


class PlannedInstallmentData(BaseModel):
    name: Name
    due_date: date
    amount: AmountIn | None = Field(default=None, description="Give amount or percent")
    percent: AmountIn | None = None


class ContractUpsertedData(BaseModel):
    """`contract.upserted`: the plan replaces the current one, installments matched by name."""

    external_id: ExternalId
    customer_external_id: ExternalId
    name: Name
    amount: AmountIn
    currency: CurrencyCode
    owner: Name
    signed_on: date
    installments: list[PlannedInstallmentData] = Field(max_length=200)
    late_fee_rate: AmountIn | None = None
    payment_terms_days: Annotated[int, Field(ge=0, le=3650)] | None = Field(
        default=None, description="Days from issue to due of its invoices sent without one"
    )


class InvoiceData(BaseModel):
    """`invoice.issued` and `invoice.updated` (both create the invoice when unknown)."""

    external_id: ExternalId
    customer_external_id: ExternalId
    contract_external_id: ExternalId | None = None
    installment_name: Name | None = None
    amount: AmountIn
    currency: CurrencyCode
    issued_on: date
    due_date: date | None = Field(
        default=None,
        description="Absent: a new invoice is due by the contract's, else the customer's "
        "payment terms; an existing one keeps its due date",
    )


class RecordRefData(BaseModel):
    """`invoice.voided` and `payment.reversed`."""

    external_id: ExternalId
    reason: Annotated[str, Field(max_length=2000)] | None = None


class PaymentReceivedData(BaseModel):
    """`payment.received`: allocated automatically, `invoice_external_ids` first."""

    external_id: ExternalId
    customer_external_id: ExternalId
    amount: AmountIn
    currency: CurrencyCode
    received_on: date
    method: Annotated[str, Field(max_length=50)] | None = None
    reference: Annotated[str, Field(max_length=2000)] | None = None
    invoice_external_ids: list[ExternalId] = Field(default_factory=list, max_length=100)


class MilestoneReachedData(BaseModel):
    """`milestone.reached`: the installments due on it get their due dates (parked until
    the contract exists; the same day again is noted, another day rejected)."""

    contract_external_id: ExternalId
    key: Annotated[str, Field(min_length=1, max_length=50)]
    reached_on: date
    evidence: list[EvidenceIn] = Field(default_factory=list, max_length=50)


EventData = (
    CustomerUpsertedData
    | ContractUpsertedData
    | InvoiceData
    | RecordRefData
    | PaymentReceivedData
    | MilestoneReachedData
)


class IngestEventIn(BaseModel):
    """An event; `(source, id)` identifies it: a repeat is answered `duplicate`."""

    id: EventId
    source: EventId = Field(examples=["erp-sap"])
    type: EventType
    occurred_at: Timestamp
    data: EventData


class CloudEventIn(BaseModel):
    """A CloudEvents 1.0 event in structured mode (`time` is required here)."""

    specversion: Literal["1.0"]
    id: EventId
    source: EventId
    type: EventType
    time: Timestamp
    datacontenttype: Literal["application/json"] | None = None
    subject: str | None = None
    data: EventData


class IngestBatchIn(BaseModel):
    events: list[IngestEventIn | CloudEventIn] = Field(min_length=1, max_length=1000)


class IngestResultOut(BaseModel):
    id: str | None = Field(description="The event's id as sent (null when unreadable)")
    status: Outcome
    problem: Problem | None = Field(default=None, description="Why it was rejected")


class IngestResultsOut(BaseModel):
    results: list[IngestResultOut] = Field(description="One per event, in the order sent")


class RecordKeyOut(BaseModel):
    kind: Literal["customer", "contract", "invoice", "payment"]
    external_id: str


class SenderOut(BaseModel):
    api_key: str
    user: str | None


class IngestEventOut(BaseModel):
    id: str = Field(description="This service's id of the stored event")
    source: str
    event_id: str
    type: str
    subject: RecordKeyOut | None = Field(description="The record the event is about")
    occurred_at: Timestamp | None
    received_at: Timestamp
    status: IngestStatus
    waits_for: list[RecordKeyOut] = Field(description="What a parked event waits for")
    problem: Problem | None
    note: str | None = Field(examples=["stale: ...", "already void", "unchanged"])
    applied_at: Timestamp | None
    sent_by: SenderOut
    event: dict[str, Any] = Field(description="The event as received")


def _event(type_: str, event_id: str, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": event_id,
        "source": "erp-sap",
        "type": type_,
        "occurred_at": "2026-11-27T08:00:00Z",
        "data": data,
    }


EXAMPLES: dict[str, dict[str, Any]] = {
    "customer.upserted": _event(
        "customer.upserted",
        "evt-0001",
        {
            "external_id": "C-1001",
            "name": "上海某某科技有限公司",
            "credit_rating": "B",
            "credit_limit": "500000.00",
            "currency": "CNY",
            "payment_terms_days": 30,
        },
    ),
    "contract.upserted": _event(
        "contract.upserted",
        "evt-0002",
        {
            "external_id": "HT-2026-001",
            "customer_external_id": "C-1001",
            "name": "ERP 实施项目",
            "amount": "1000000.00",
            "currency": "CNY",
            "owner": "u-sales-1",
            "signed_on": "2026-01-10",
            "installments": [
                {"name": "签约款", "due_date": "2026-02-01", "percent": "30"},
                {"name": "交付款", "due_date": "2026-06-30", "percent": "40"},
                {"name": "验收款", "due_date": "2027-03-31", "percent": "30"},
            ],
        },
    ),
    "invoice.issued": _event(
        "invoice.issued",
        "evt-0003",
        {
            "external_id": "FP-2026-0042",
            "customer_external_id": "C-1001",
            "contract_external_id": "HT-2026-001",
            "installment_name": "签约款",
            "amount": "300000.00",
            "currency": "CNY",
            "issued_on": "2026-02-01",
            "due_date": "2026-03-02",
        },
    ),
    "invoice.updated": _event(
        "invoice.updated",
        "evt-0004",
        {
            "external_id": "FP-2026-0042",
            "customer_external_id": "C-1001",
            "amount": "300000.00",
            "currency": "CNY",
            "issued_on": "2026-02-01",
            "due_date": "2026-03-15",
        },
    ),
    "invoice.voided": _event(
        "invoice.voided", "evt-0005", {"external_id": "FP-2026-0042", "reason": "红冲"}
    ),
    "payment.received": _event(
        "payment.received",
        "evt-0006",
        {
            "external_id": "BANK-20261127-0001",
            "customer_external_id": "C-1001",
            "amount": "300000.00",
            "currency": "CNY",
            "received_on": "2026-11-27",
            "method": "bank_transfer",
            "reference": "付 FP-2026-0042",
            "invoice_external_ids": ["FP-2026-0042"],
        },
    ),
    "payment.reversed": _event(
        "payment.reversed", "evt-0007", {"external_id": "BANK-20261127-0001", "reason": "退票"}
    ),
}

CLOUDEVENT_EXAMPLE: dict[str, Any] = {
    "specversion": "1.0",
    "id": "evt-0008",
    "source": "/crm/salesforce",
    "type": "customer.upserted",
    "time": "2026-11-27T08:00:00Z",
    "datacontenttype": "application/json",
    "data": {"external_id": "C-1002", "name": "杭州甲方", "currency": "CNY"},
}


def _ref(model: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model}"}


def request_body() -> dict[str, Any]:
    """The request body as the OpenAPI document shows it: three media types, examples."""
    examples = {name: {"summary": name, "value": value} for name, value in EXAMPLES.items()}
    examples["batch"] = {
        "summary": "a batch (up to 1,000 events)",
        "value": {"events": [EXAMPLES["customer.upserted"], EXAMPLES["payment.received"]]},
    }
    examples["cloudevent"] = {"summary": "a CloudEvents 1.0 event", "value": CLOUDEVENT_EXAMPLE}
    one_of = {"oneOf": [_ref("IngestEventIn"), _ref("IngestBatchIn"), _ref("CloudEventIn")]}
    batch = {"type": "array", "items": _ref("CloudEventIn"), "minItems": 1, "maxItems": 1000}
    return {
        "required": True,
        "content": {
            "application/json": {"schema": one_of, "examples": examples},
            "application/cloudevents+json": {
                "schema": _ref("CloudEventIn"),
                "example": CLOUDEVENT_EXAMPLE,
            },
            "application/cloudevents-batch+json": {
                "schema": batch,
                "example": [CLOUDEVENT_EXAMPLE],
            },
        },
    }


DOCUMENTED_MODELS: tuple[type[BaseModel], ...] = (IngestEventIn, IngestBatchIn, CloudEventIn)
