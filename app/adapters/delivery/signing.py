"""Standard Webhooks signatures: ``v1,`` + base64 HMAC-SHA256 of ``id.timestamp.body``.

Several signatures may share the ``webhook-signature`` header, separated by spaces; a
receiver accepts the message when any one matches its secret. That is how a rotated
secret keeps verifying for a while.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence
from functools import lru_cache

from app.domain.delivery.webhooks import SECRET_PREFIX


@lru_cache(maxsize=1024)
def secret_key(secret: str) -> bytes:
    """The HMAC key: the base64 after ``whsec_``."""
    encoded = secret.removeprefix(SECRET_PREFIX)
    return base64.b64decode(encoded + "=" * (-len(encoded) % 4))


def signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(
        secret_key(secret), f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256
    ).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(
    msg_id: str, timestamp: int, body: bytes, secrets: Sequence[str]
) -> dict[str, str]:
    """The three Standard Webhooks headers, signed with every secret given."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(signature(s, msg_id, timestamp, body) for s in secrets),
    }
