"""Webhook endpoints: validation, subscriptions, secrets and their rotation."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import pytest

from app.domain.delivery.webhooks import (
    SUBSCRIBABLE_EVENT_TYPES,
    WebhookEndpoint,
    change_endpoint,
    generate_secret,
    looks_like_token,
    redact_url,
    rotate_secret,
)
from app.domain.errors import ValidationFailed
from app.domain.events import EventType

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


def endpoint(**values: object) -> WebhookEndpoint:
    fields: dict[str, object] = {
        "id": uuid4(),
        "url": "https://erp.example.com/hooks",
        "event_types": ("*",),
        "secret": generate_secret(),
        "created_at": NOW,
        "updated_at": NOW,
        **values,
    }
    return WebhookEndpoint(**fields)  # type: ignore[arg-type]


def test_a_secret_is_whsec_and_32_random_bytes() -> None:
    secret = generate_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert generate_secret() != secret


@pytest.mark.parametrize(
    "url",
    ["ftp://example.com/x", "example.com/hooks", "https://", "http://exa mple.com", "https://h/#x"],
)
def test_urls_must_be_http_or_https_with_a_host(url: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        endpoint(url=url)
    assert caught.value.loc == ("url",)


def test_event_types_are_the_wildcard_alone_or_known_types() -> None:
    assert endpoint(event_types=["invoice.paid", "invoice.paid"]).event_types == ("invoice.paid",)
    for wrong in (["*", "invoice.paid"], [], ["invoice.payed"]):
        with pytest.raises(ValidationFailed):
            endpoint(event_types=wrong)
    assert "webhook_endpoint.disabled" in SUBSCRIBABLE_EVENT_TYPES
    assert "customer.overdue_summary" in SUBSCRIBABLE_EVENT_TYPES
    for added in ("task.updated", "interaction.created", "dunning_policy.updated"):
        assert added in SUBSCRIBABLE_EVENT_TYPES


def test_subscriptions_match_exact_types_or_everything() -> None:
    some = endpoint(event_types=("invoice.paid",))
    assert some.subscribes_to("invoice.paid")
    assert not some.subscribes_to("invoice.voided")
    assert endpoint().subscribes_to("task.created")
    assert not endpoint(enabled=False).subscribes_to("task.created")


def test_the_secret_never_appears_in_repr() -> None:
    found = endpoint()
    rotated = rotate_secret(found, generate_secret(), NOW)
    assert found.secret not in repr(found)
    assert rotated.secret not in repr(rotated)
    assert found.secret not in repr(rotated)


def test_a_rotated_secret_signs_beside_the_old_one_for_24_hours() -> None:
    old = endpoint()
    rotated = rotate_secret(old, "whsec_bmV3", NOW)
    assert rotated.version == old.version + 1
    assert rotated.signing_secrets(NOW + timedelta(hours=23)) == ("whsec_bmV3", old.secret)
    assert rotated.signing_secrets(NOW + timedelta(hours=24)) == ("whsec_bmV3",)
    twice = rotate_secret(rotated, "whsec_dGhpcmQ=", NOW + timedelta(hours=1))
    assert twice.signing_secrets(NOW + timedelta(hours=2)) == ("whsec_dGhpcmQ=", "whsec_bmV3")


def test_enabling_clears_the_reason_and_disabling_records_one() -> None:
    found = endpoint()
    off, changed = change_endpoint(found, {"enabled": False}, NOW)
    assert changed == {"enabled": (True, False)}
    assert off.disabled_reason == "disabled by an administrator"
    on, _ = change_endpoint(off, {"enabled": True}, NOW)
    assert (on.enabled, on.disabled_reason, on.version) == (True, None, found.version + 2)
    same, nothing = change_endpoint(on, {"url": on.url}, NOW)
    assert nothing == {}
    assert same is on
    with pytest.raises(ValidationFailed):
        change_endpoint(found, {"secret": "whsec_x"}, NOW)


def test_every_event_type_the_services_emit_can_be_subscribed_to() -> None:
    # Emitters name an EventType member (Context.event takes one; mypy holds them to it), so
    # the subscribable list is the enum, and no service spells a type as a bare string.
    assert {t.value for t in EventType} == SUBSCRIBABLE_EVENT_TYPES
    services = Path(__file__).resolve().parents[2] / "app" / "services"
    source = "\n".join(p.read_text(encoding="utf-8") for p in services.rglob("*.py"))
    spelled = {t.value for t in EventType if re.search(f"[\"']{re.escape(t.value)}[\"']", source)}
    assert spelled == set()
    named = {t for t in EventType if f"EventType.{t.name}" in source}
    assert {EventType.TASK_UPDATED, EventType.RISK_ESCALATED, EventType.PAYMENT_ALLOCATED} <= named


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "https://ops:pw@Hooks.Example.com:8443/services/T0123/B0456/"
            "Xk9aQ2mR7tLw3ZpN8vB4cY1d?token=s3cr3t#frag",
            "https://hooks.example.com:8443/services/T0123/B0456/***",
        ),
        ("https://erp.example.com/hooks/huikuan", "https://erp.example.com/hooks/huikuan"),
        ("http://erp.example.com", "http://erp.example.com"),
        ("http://[fd00::5]:8080/a/", "http://[fd00::5]:8080/a/"),
        (
            "https://discord.com/api/webhooks/1234567890123456789/"
            "abcdefghijklmnopqrstuvwxyzabcdefghijklmnop",
            "https://discord.com/api/webhooks/***/***",
        ),
        (
            "https://erp.example.com/hooks/3f2b9c1e-8d4a-4b6f-9e2d-7a1c5b8e0f3d/in",
            "https://erp.example.com/hooks/***/in",
        ),
        (
            "https://erp.example.com/h/d41d8cd98f00b204e9800998ecf8427e",
            "https://erp.example.com/h/***",
        ),
        ("https://erp.example.com/h/AbCdEfGhIjKlMnOpQr", "https://erp.example.com/h/***"),
        ("https://erp.example.com/h/erp-webhook-v2", "https://erp.example.com/h/erp-webhook-v2"),
        (
            "https://erp.example.com/receivables-notifications",
            "https://erp.example.com/receivables-notifications",
        ),
    ],
)
def test_a_redacted_url_keeps_the_place_and_drops_what_may_be_a_secret(
    url: str, shown: str
) -> None:
    assert redact_url(url) == shown


@pytest.mark.parametrize(
    ("segment", "token_like"),
    [
        ("d41d8cd98f00b204", True),  # 16 characters with a digit
        ("d41d8cd98f00b20", False),  # 15: too short to mask
        ("AbCdEfGhIjKlMnOp", True),  # 16 in both cases
        ("x" * 32, True),  # 32 of anything
        ("receivables-notifications", False),  # a word, lower case, no digit
        ("1234567890123456", True),  # a long number
    ],
)
def test_what_counts_as_token_like(segment: str, token_like: bool) -> None:
    assert looks_like_token(segment) is token_like
