"""Standard Webhooks signatures on ingestion requests (when HUIKUAN_INGEST_SECRET is set).

``webhook-signature`` is ``v1,<base64 HMAC-SHA256 of "id.timestamp.body">``, checked with
the ``standardwebhooks`` package; a timestamp more than 5 minutes from the wall clock is
refused (it guards the transport, so it is the real time, not the test clock). Within
that tolerance a webhook-id stands for one body: the unit of work remembers it, and another
body with the same id is refused as a replay (``SIGNED_MESSAGE_WINDOW``).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

from fastapi import Request
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from app.domain.errors import AuthFailure, Unauthenticated

HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")
MAX_ID_LENGTH = 256  # ids are stored while they count; Standard Webhooks' are short


@lru_cache(maxsize=4)
def _webhook(secret: str) -> Webhook:
    return Webhook(secret)


def verify_signature(secret: str, body: bytes, headers: dict[str, str]) -> None:
    """Raises Unauthenticated unless ``headers`` sign ``body`` with ``secret`` in time."""
    if not all(headers.get(name) for name in HEADERS):
        raise Unauthenticated(
            "this service requires signed requests: webhook-id, webhook-timestamp and "
            "webhook-signature (Standard Webhooks)",
            AuthFailure.SIGNATURE,
        )
    message_id = headers["webhook-id"]
    if len(message_id) > MAX_ID_LENGTH or not (message_id.isascii() and message_id.isprintable()):
        raise Unauthenticated(
            f"webhook-id must be 1..{MAX_ID_LENGTH} printable ASCII characters",
            AuthFailure.SIGNATURE,
        )
    try:
        _webhook(secret).verify(body, headers, json_parse=False)
    except WebhookVerificationError as error:
        reason = str(error) or "no matching signature"
        raise Unauthenticated(
            f"the webhook signature does not verify: {reason}", AuthFailure.SIGNATURE
        ) from None
    except ValueError:  # undecodable body, base64 or signature list
        raise Unauthenticated(
            "the webhook-signature header is malformed", AuthFailure.SIGNATURE
        ) from None


def check_signature(secret: str | None, request: Request, body: bytes) -> tuple[str, str] | None:
    """With a secret configured, the request must be signed with it (401 otherwise); returns
    the message to remember, (webhook-id, SHA-256 of the body), or None unsigned."""
    if secret is None:
        return None
    headers = {name: request.headers.get(name, "") for name in HEADERS}
    verify_signature(secret, body, headers)
    return headers["webhook-id"], hashlib.sha256(body).hexdigest()
