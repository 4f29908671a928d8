"""Standard Webhooks signatures on ingestion requests (when HUIKUAN_INGEST_SECRET is set).

``webhook-signature`` is ``v1,<base64 HMAC-SHA256 of "id.timestamp.body">``, checked with
the ``standardwebhooks`` package; a timestamp more than 5 minutes from the wall clock is
refused (it guards the transport, so it is the real time, not the test clock).
"""

from __future__ import annotations

from functools import lru_cache

from fastapi import Request
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from app.domain.access import AuthFailure
from app.domain.errors import Unauthenticated

HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")


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


def check_signature(secret: str | None, request: Request, body: bytes) -> None:
    """With a secret configured, the request must be signed with it (401 otherwise)."""
    if secret is not None:
        headers = {name: request.headers.get(name, "") for name in HEADERS}
        verify_signature(secret, body, headers)
