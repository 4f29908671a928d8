"""Reading inbound events: both envelope forms, each type's data, every problem at once."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from app.api.intake.schemas.ingest import CLOUDEVENT_EXAMPLE, EXAMPLES
from app.domain.errors import InvalidEvent
from app.domain.intake.ingest import (
    EventType,
    RecordKey,
    RecordKind,
    identity,
    is_stale,
    parse_event,
    processing_order,
)
from app.domain.intake.ingest_data import CustomerUpsert, InvoiceUpsert, PaymentReceived
from tests.ingest_events import cloud_event, contract, customer, event, invoice, payment


def issues(raw: Any) -> list[tuple[tuple[str | int, ...], str]]:
    with pytest.raises(InvalidEvent) as caught:
        parse_event(raw)
    return caught.value.issues


def locs(raw: Any) -> set[tuple[str | int, ...]]:
    return {loc for loc, _ in issues(raw)}


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_documented_example_parses(name: str) -> None:
    parsed = parse_event(EXAMPLES[name])
    assert parsed.type.value == name
    assert parsed.key == (EXAMPLES[name]["source"], EXAMPLES[name]["id"])


def test_a_cloudevent_reads_like_a_plain_event() -> None:
    parsed = parse_event(CLOUDEVENT_EXAMPLE)
    assert parsed.type is EventType.CUSTOMER_UPSERTED
    assert parsed.occurred_at == datetime(2026, 11, 27, 8, tzinfo=UTC)
    assert parsed.source == "/crm/salesforce"
    with_extension = cloud_event("customer.upserted", customer(), traceparent="00-abc", subject="x")
    assert parse_event(with_extension).subject == RecordKey(RecordKind.CUSTOMER, "C-1")


def test_cloudevents_rules() -> None:
    assert ("specversion",) in locs(cloud_event("customer.upserted", customer(), specversion="0.3"))
    base64 = cloud_event("customer.upserted", customer(), data_base64="eyJ9")
    assert ("data_base64",) in locs(base64)
    xml = cloud_event("customer.upserted", customer(), datacontenttype="application/xml")
    assert ("datacontenttype",) in locs(xml)
    no_time = cloud_event("customer.upserted", customer())
    del no_time["time"]
    assert ("time",) in locs(no_time)
    assert ("Bad-Name",) in locs(cloud_event("customer.upserted", customer(), **{"Bad-Name": 1}))


def test_envelope_problems_are_all_reported() -> None:
    found = locs({"id": "", "type": "order.created", "occurred_at": "yesterday", "extra": 1})
    assert found >= {("id",), ("source",), ("type",), ("occurred_at",), ("extra",)}
    naive = event("customer.upserted", customer(), occurred_at="2026-11-27T08:00:00")
    assert ("occurred_at",) in locs(naive)
    assert locs("not an object") == {()}


def test_identity_is_read_even_from_an_invalid_event() -> None:
    assert identity({"id": "e-1", "source": "erp", "type": "nonsense"}) == ("e-1", "erp")
    assert identity({"id": 5, "source": "erp"}) == (None, "erp")
    assert identity([]) == (None, None)


def test_each_type_names_its_subject_and_what_it_needs() -> None:
    cases = {
        "customer.upserted": (customer(), RecordKey(RecordKind.CUSTOMER, "C-1"), ()),
        "contract.upserted": (
            contract(),
            RecordKey(RecordKind.CONTRACT, "HT-1"),
            (RecordKey(RecordKind.CUSTOMER, "C-1"),),
        ),
        "invoice.issued": (
            invoice(contract_external_id="HT-1"),
            RecordKey(RecordKind.INVOICE, "FP-1"),
            (RecordKey(RecordKind.CUSTOMER, "C-1"), RecordKey(RecordKind.CONTRACT, "HT-1")),
        ),
        "invoice.voided": (
            {"external_id": "FP-1"},
            RecordKey(RecordKind.INVOICE, "FP-1"),
            (RecordKey(RecordKind.INVOICE, "FP-1"),),
        ),
        "payment.received": (
            payment(invoice_external_ids=["FP-2", "FP-1"]),
            RecordKey(RecordKind.PAYMENT, "P-1"),
            (
                RecordKey(RecordKind.CUSTOMER, "C-1"),
                RecordKey(RecordKind.INVOICE, "FP-2"),
                RecordKey(RecordKind.INVOICE, "FP-1"),
            ),
        ),
        "payment.reversed": (
            {"external_id": "P-1", "reason": "退票"},
            RecordKey(RecordKind.PAYMENT, "P-1"),
            (RecordKey(RecordKind.PAYMENT, "P-1"),),
        ),
    }
    for type_, (data, subject, requires) in cases.items():
        parsed = parse_event(event(type_, data))
        assert (parsed.subject, parsed.requires) == (subject, requires), type_


def test_money_dates_and_codes_are_checked_as_the_api_checks_them() -> None:
    found = locs(
        event(
            "invoice.issued",
            invoice(amount="100.001", currency="cny", due_date="2026-09-30"),
        )
    )
    assert found == {("data", "amount"), ("data", "due_date")}  # the currency is upper-cased
    assert ("data", "amount") in locs(event("payment.received", payment(amount="-5")))
    assert ("data", "amount") in locs(event("payment.received", payment(amount=1.5)))
    assert ("data", "currency") in locs(event("payment.received", payment(currency="XYZ")))
    assert ("data", "received_on") in locs(event("payment.received", payment(received_on="11/20")))
    exact = parse_event(event("payment.received", payment(amount=Decimal("1234.50"))))
    assert isinstance(exact.data, PaymentReceived)
    assert exact.data.amount == Decimal("1234.50")


def test_type_specific_rules() -> None:
    plan = contract(installments=[{"name": "全款", "due_date": "2026-02-01", "percent": "90"}])
    assert ("data", "installments") in locs(event("contract.upserted", plan))
    early = contract(installments=[{"name": "全款", "due_date": "2025-01-01", "amount": "1000"}])
    assert ("data", "installments", 0, "due_date") in locs(event("contract.upserted", early))
    both = contract(
        installments=[{"name": "全款", "due_date": "2026-02-01", "amount": "1000", "percent": "1"}]
    )
    assert ("data", "installments", 0) in locs(event("contract.upserted", both))
    orphan = invoice(installment_name="签约款")
    assert ("data", "installment_name") in locs(event("invoice.issued", orphan))
    twice = payment(invoice_external_ids=["FP-1", "FP-1"])
    assert ("data", "invoice_external_ids") in locs(event("payment.received", twice))
    rating = customer(credit_rating="E", payment_terms_days=4000)
    assert locs(event("customer.upserted", rating)) == {
        ("data", "credit_rating"),
        ("data", "payment_terms_days"),
    }
    assert ("data", "typo") in locs(event("customer.upserted", customer(typo=1)))
    assert ("data",) in locs({**event("customer.upserted", {}), "data": "not an object"})


def test_an_upsert_carries_only_the_optional_fields_it_names() -> None:
    parsed = parse_event(event("customer.upserted", {"external_id": "C-1", "name": "甲"}))
    assert isinstance(parsed.data, CustomerUpsert)
    assert parsed.data.fields == {}
    cleared = parse_event(event("customer.upserted", customer(credit_rating=None)))
    assert isinstance(cleared.data, CustomerUpsert)
    assert cleared.data.fields == {"currency": "CNY", "credit_rating": None}


def test_both_invoice_events_read_the_same_data() -> None:
    issued = parse_event(event("invoice.issued", invoice()))
    updated = parse_event(event("invoice.updated", invoice()))
    assert isinstance(issued.data, InvoiceUpsert)
    assert issued.data == updated.data
    assert (issued.is_upsert, updated.is_upsert) == (True, True)
    assert not parse_event(event("invoice.voided", {"external_id": "FP-1"})).is_upsert


def test_an_older_upsert_is_stale_and_an_equal_one_is_not() -> None:
    newer = datetime(2026, 11, 27, 9, tzinfo=UTC)
    older = datetime(2026, 11, 27, 8, tzinfo=UTC)
    assert is_stale(older, newer)
    assert not is_stale(newer, older)
    assert not is_stale(newer, newer)
    assert not is_stale(older, None)


def test_events_are_applied_in_occurred_at_order_then_as_sent() -> None:
    late = parse_event(event("customer.upserted", customer(), occurred_at="2026-11-27T10:00:00Z"))
    early = parse_event(
        event("customer.upserted", customer(), occurred_at="2026-11-27T17:00:00+08:00")
    )
    same = parse_event(event("customer.upserted", customer(), occurred_at="2026-11-27T09:00:00Z"))
    ordered = processing_order([(0, late), (1, early), (2, same)])
    assert [index for index, _ in ordered] == [1, 2, 0]
