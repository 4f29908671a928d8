"""The shapes an ingestion body may take, and Standard Webhooks signatures."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks.webhooks import Webhook

from app.api.intake.ingest_body import read_events
from app.api.intake.signatures import verify_signature
from app.domain.errors import Unauthenticated, ValidationFailed
from tests.ingest_events import cloud_event, customer, event

SECRET = "whsec_" + base64.b64encode(b"a-secret-of-some-thirty-two-bytes").decode()


def body(value: object) -> bytes:
    return json.dumps(value).encode()


def test_one_event_a_batch_or_a_list() -> None:
    one = event("customer.upserted", customer())
    assert read_events(body(one), "application/json", 10) == [one]
    assert read_events(body({"events": [one, one]}), "application/json", 10) == [one, one]
    assert read_events(body([one]), "application/json", 10) == [one]
    ce = cloud_event("customer.upserted", customer())
    assert read_events(body(ce), "application/cloudevents+json", 10) == [ce]
    assert read_events(body([ce]), "application/cloudevents-batch+json; charset=utf-8", 10) == [ce]


def test_bodies_of_the_wrong_shape_are_refused_whole() -> None:
    one = event("customer.upserted", customer())
    refused = [
        (b"", "application/json"),
        (body({"events": []}), "application/json"),
        (body({"events": {"a": 1}}), "application/json"),
        (body({"events": [one], "more": 1}), "application/json"),
        (body("text"), "application/json"),
        (body(one), "application/cloudevents-batch+json"),
    ]
    for raw, content_type in refused:
        with pytest.raises(ValidationFailed):
            read_events(raw, content_type, 10)
    with pytest.raises(json.JSONDecodeError):
        read_events(b"{not json", "application/json", 10)


def test_a_batch_over_the_limit_says_how_to_fix_it() -> None:
    one = event("customer.upserted", customer())
    with pytest.raises(ValidationFailed, match="at most 3 events; this one has 4: split"):
        read_events(body({"events": [one] * 4}), "application/json", 3)


def signed(payload: bytes, at: datetime, secret: str = SECRET) -> dict[str, str]:
    signature = Webhook(secret).sign("msg-1", at, payload.decode())
    return {
        "webhook-id": "msg-1",
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
    }


def test_a_fresh_signature_with_the_secret_passes() -> None:
    payload = body(event("customer.upserted", customer()))
    verify_signature(SECRET, payload, signed(payload, datetime.now(UTC)))


def test_forged_stale_missing_or_malformed_signatures_are_401() -> None:
    payload = body(event("customer.upserted", customer()))
    now = datetime.now(UTC)
    other = "whsec_" + base64.b64encode(b"somebody-else-entirely-32-bytes!").decode()
    cases = {
        "forged": signed(payload, now, other),
        "stale": signed(payload, now - timedelta(minutes=6)),
        "future": signed(payload, now + timedelta(minutes=6)),
        "missing": {"webhook-id": "msg-1"},
        "malformed": {**signed(payload, now), "webhook-signature": "garbage"},
    }
    for headers in cases.values():
        with pytest.raises(Unauthenticated):
            verify_signature(SECRET, payload, headers)
    tampered = payload.replace(b"C-1", b"C-2")
    with pytest.raises(Unauthenticated, match="does not verify"):
        verify_signature(SECRET, tampered, signed(payload, now))
