"""Webhook endpoints: who subscribes to which events, with which signing secrets.

The delivery policy (when to try again, when to give up) is in ``app/domain/delivery/delivery.py``.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from uuid import UUID

from app.domain.delivery.chat import CHAT_EVENT_TYPES, EndpointFormat
from app.domain.errors import ValidationFailed
from app.domain.events import EventType

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
# After a rotation the old secret keeps signing beside the new one for this long.
SECRET_OVERLAP = timedelta(hours=24)
MAX_URL_LENGTH = 2000
MAX_DESCRIPTION_LENGTH = 500
MAX_EVENT_TYPES = 100
WILDCARD = "*"

ENDPOINT_DISABLED = EventType.WEBHOOK_ENDPOINT_DISABLED
MASK = "***"

# What an endpoint may subscribe to: every type the service emits (``EventType``).
SUBSCRIBABLE_EVENT_TYPES: frozenset[str] = frozenset(EventType)


def generate_secret() -> str:
    """``whsec_`` + base64 of 32 random bytes, as Standard Webhooks secrets are written."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def validate_url(url: str) -> str:
    cleaned = url.strip()
    if len(cleaned) > MAX_URL_LENGTH:
        raise ValidationFailed(f"url is longer than {MAX_URL_LENGTH} characters", ("url",))
    try:
        parts = urlsplit(cleaned)
        port = parts.port
    except ValueError:
        raise ValidationFailed("url is not a valid URL", ("url",)) from None
    del port  # parsed only to refuse a malformed port
    if parts.scheme not in {"http", "https"}:
        raise ValidationFailed("url must start with http:// or https://", ("url",))
    if not parts.hostname:
        raise ValidationFailed("url must name a host", ("url",))
    if any(c.isspace() for c in cleaned) or parts.fragment:
        raise ValidationFailed("url must not contain spaces or a #fragment", ("url",))
    return cleaned


def looks_like_token(segment: str) -> bool:
    """A path segment that may be a credential: 16 characters or more with a digit or with
    both cases (random base64, hex, UUIDs, numeric keys), or any 32 characters or more.
    Words (``webhooks``, ``erp-receivables``) stay readable."""
    if len(segment) >= 32:
        return True
    if len(segment) < 16:
        return False
    has_digit = any(c.isdigit() for c in segment)
    mixed_case = any(c.islower() for c in segment) and any(c.isupper() for c in segment)
    return has_digit or mixed_case


def redact_url(url: str) -> str:
    """The URL as events and lists show it: scheme, host, port and path, token-like path
    segments masked; no credentials, query or fragment, where secrets hide."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host if port is None else f"{host}:{port}"
    path = "/".join(MASK if looks_like_token(s) else s for s in parts.path.split("/"))
    return urlunsplit((parts.scheme, netloc, path, "", ""))


def validate_event_types(event_types: Iterable[str]) -> tuple[str, ...]:
    """``["*"]`` or a list of known event types (duplicates dropped, order kept)."""
    chosen = tuple(dict.fromkeys(t.strip() for t in event_types))
    if not chosen:
        raise ValidationFailed('event_types needs ["*"] or at least one type', ("event_types",))
    if WILDCARD in chosen:
        if len(chosen) > 1:
            raise ValidationFailed('"*" already subscribes to every type', ("event_types",))
        return chosen
    if len(chosen) > MAX_EVENT_TYPES:
        raise ValidationFailed(f"at most {MAX_EVENT_TYPES} event types", ("event_types",))
    unknown = sorted(set(chosen) - SUBSCRIBABLE_EVENT_TYPES)
    if unknown:
        raise ValidationFailed(f"unknown event types: {', '.join(unknown)}", ("event_types",))
    return chosen


def validate_description(description: str | None) -> str | None:
    if description is None:
        return None
    cleaned = description.strip()
    if len(cleaned) > MAX_DESCRIPTION_LENGTH:
        raise ValidationFailed(
            f"description is longer than {MAX_DESCRIPTION_LENGTH} characters", ("description",)
        )
    return cleaned or None


def signing_secrets(
    secret: str, previous: str | None, previous_expires_at: datetime | None, now: datetime
) -> tuple[str, ...]:
    """The secrets to sign with now: the current one, and the previous until it expires."""
    if previous and previous_expires_at is not None and now < previous_expires_at:
        return (secret, previous)
    return (secret,)


@dataclass(slots=True)
class WebhookEndpoint:
    id: UUID
    url: str
    event_types: tuple[str, ...]
    created_at: datetime
    updated_at: datetime
    secret: str = field(repr=False)
    description: str | None = None
    enabled: bool = True
    disabled_reason: str | None = None
    previous_secret: str | None = field(default=None, repr=False)
    previous_secret_expires_at: datetime | None = None
    failing_since: datetime | None = None
    version: int = 1
    format: EndpointFormat = EndpointFormat.CLOUDEVENTS

    def __post_init__(self) -> None:
        self.url = validate_url(self.url)
        self.event_types = validate_event_types(self.event_types)
        self.description = validate_description(self.description)
        if self.format.is_chat and WILDCARD not in self.event_types:
            silent = sorted(set(self.event_types) - CHAT_EVENT_TYPES)
            if silent:  # the fan-out would never send them: say so now
                raise ValidationFailed(
                    f"a {self.format.value} robot gets no message for: {', '.join(silent)}",
                    ("event_types",),
                )

    def subscribes_to(self, event_type: str) -> bool:
        """The rule the relay's fan-out query applies in SQL (``'*' = ANY(event_types)``)."""
        if self.format.is_chat and event_type not in CHAT_EVENT_TYPES:
            return False
        return self.enabled and (WILDCARD in self.event_types or event_type in self.event_types)

    def signing_secrets(self, now: datetime) -> tuple[str, ...]:
        return signing_secrets(
            self.secret, self.previous_secret, self.previous_secret_expires_at, now
        )


EDITABLE_FIELDS = ("url", "event_types", "description", "enabled")


def change_endpoint(
    endpoint: WebhookEndpoint, values: dict[str, Any], now: datetime
) -> tuple[WebhookEndpoint, dict[str, tuple[Any, Any]]]:
    """Apply a partial update; returns the new endpoint and ``{field: (before, after)}``.

    Enabling clears the disabled reason and the failure streak; disabling here records
    that someone chose to (automatic disabling goes through :func:`disable_endpoint`).
    """
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(f"fields cannot be changed: {sorted(unknown)}")
    cleaned = dict(values)
    if "url" in cleaned:
        cleaned["url"] = validate_url(cleaned["url"])
    if "event_types" in cleaned:
        cleaned["event_types"] = validate_event_types(cleaned["event_types"])
    if "description" in cleaned:
        cleaned["description"] = validate_description(cleaned["description"])
    changed = {
        name: (getattr(endpoint, name), value)
        for name, value in cleaned.items()
        if getattr(endpoint, name) != value
    }
    if not changed:
        return endpoint, {}
    extra: dict[str, Any] = {}
    if "enabled" in changed:
        extra = (
            {"disabled_reason": None, "failing_since": None}
            if changed["enabled"][1]
            else {"disabled_reason": "disabled by an administrator"}
        )
    updated = replace(
        endpoint,
        **{name: after for name, (_, after) in changed.items()},
        **extra,
        updated_at=now,
        version=endpoint.version + 1,
    )
    return updated, changed


def disable_endpoint(endpoint: WebhookEndpoint, reason: str, now: datetime) -> WebhookEndpoint:
    return replace(
        endpoint,
        enabled=False,
        disabled_reason=reason,
        updated_at=now,
        version=endpoint.version + 1,
    )


def rotate_secret(endpoint: WebhookEndpoint, new_secret: str, now: datetime) -> WebhookEndpoint:
    """Sign with ``new_secret`` from now on, and with the current one for 24 h more.

    Rotating again inside those 24 h retires the oldest secret at once: at most two sign.
    """
    return replace(
        endpoint,
        secret=new_secret,
        previous_secret=endpoint.secret,
        previous_secret_expires_at=now + SECRET_OVERLAP,
        updated_at=now,
        version=endpoint.version + 1,
    )
