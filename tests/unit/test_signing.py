"""Our signatures verify with the standardwebhooks package, one secret or two."""

from __future__ import annotations

import time

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from app.adapters.delivery.signing import signed_headers
from app.domain.delivery.webhooks import generate_secret


def test_headers_verify_with_the_standardwebhooks_package() -> None:
    secret = generate_secret()
    body = '{"specversion":"1.0","data":{"名":"回款"}}'.encode()
    headers = signed_headers("evt_1", int(time.time()), body, [secret])
    assert Webhook(secret).verify(body, headers) == {"specversion": "1.0", "data": {"名": "回款"}}
    with pytest.raises(WebhookVerificationError):
        Webhook(generate_secret()).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body + b" ", headers)


def test_two_secrets_give_two_signatures_each_verifying() -> None:
    new, old = generate_secret(), generate_secret()
    body = b"{}"
    headers = signed_headers("evt_2", int(time.time()), body, [new, old])
    assert headers["webhook-signature"].count("v1,") == 2
    Webhook(new).verify(body, headers)
    Webhook(old).verify(body, headers)
