"""A corpus of bad input against a running service: each gets a clean 4xx problem and the
database is left exactly as it was."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.reliability.conftest import Figure, Spawn, client

JSON = {"Content-Type": "application/json"}


@dataclass(frozen=True)
class Bad:
    name: str
    method: str
    path: str
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=lambda: dict(JSON))
    statuses: frozenset[int] = frozenset({422})


def customer(**fields: Any) -> bytes:
    import json

    return json.dumps({"name": "A", "currency": "CNY", **fields}, ensure_ascii=False).encode()


def payment(amount: str) -> bytes:
    return (
        '{"customer_id": "%(c)s", "amount": ' + amount + ', "currency": "CNY", '
        '"received_on": "2026-11-20"}'
    ).encode()


CORPUS = [
    Bad("malformed JSON", "POST", "/v1/customers", b"{name: A}", statuses=frozenset({400})),
    Bad(
        "truncated JSON", "POST", "/v1/customers", b'{"name": "A", "curr', statuses=frozenset({400})
    ),
    Bad(
        "JSON NaN literal",
        "POST",
        "/v1/customers",
        b'{"credit_limit": NaN}',
        statuses=frozenset({400}),
    ),
    Bad(
        "deeply nested JSON",
        "POST",
        "/v1/customers",
        b"[" * 200_000 + b"]" * 200_000,
        statuses=frozenset({400, 422}),
    ),
    Bad(
        "10 MB body",
        "POST",
        "/v1/customers",
        b'{"name": "' + b"x" * 10_000_000 + b'"}',
        statuses=frozenset({413}),
    ),
    Bad(
        "text/plain",
        "POST",
        "/v1/customers",
        customer(),
        {"Content-Type": "text/plain"},
        frozenset({415}),
    ),
    Bad(
        "xml",
        "POST",
        "/v1/customers",
        b"<customer/>",
        {"Content-Type": "application/xml"},
        frozenset({415}),
    ),
    Bad(
        "form",
        "POST",
        "/v1/customers",
        b"name=A&currency=CNY",
        {"Content-Type": "application/x-www-form-urlencoded"},
        frozenset({415}),
    ),
    Bad("NUL in text", "POST", "/v1/customers", customer(name="A\x00B")),
    Bad("NUL in query", "GET", "/v1/customers?q=a%00b", statuses=frozenset({400})),
    Bad("NUL in path", "GET", "/v1/customers/%00", statuses=frozenset({400})),
    Bad("very long name", "POST", "/v1/customers", customer(name="长" * 100_000)),
    Bad("very long external id", "POST", "/v1/customers", customer(external_id="x" * 10_000)),
    Bad("very long query", "GET", "/v1/customers?q=" + "x" * 5_000),
    Bad("Chinese currency", "POST", "/v1/customers", customer(currency="人民币")),
    Bad("emoji with a missing field", "POST", "/v1/customers", b'{"currency": "\xf0\x9f\x98\x80"}'),
    Bad("SQL in a currency", "POST", "/v1/customers", customer(currency="CNY'; DROP TABLE x;--")),
    Bad("SQL in an id", "GET", "/v1/customers/1;DROP TABLE customers"),
    Bad("SQL in a limit", "GET", "/v1/customers?limit=1;DROP TABLE customers"),
    Bad(
        "date 0000-00-00",
        "POST",
        "/v1/contracts",
        b'{"customer_id": "%(c)s", "name": "X", "amount": "100", "currency": "CNY", '
        b'"owner": "u1", "signed_on": "0000-00-00"}',
    ),
    Bad(
        "date 9999-12-31",
        "POST",
        "/v1/contracts",
        b'{"customer_id": "%(c)s", "name": "X", "amount": "100", "currency": "CNY", '
        b'"owner": "u1", "signed_on": "9999-12-31"}',
    ),
    Bad("amount 1e309", "POST", "/v1/payments", payment("1e309")),
    Bad("amount NaN string", "POST", "/v1/payments", payment('"NaN"')),
    Bad("amount -0", "POST", "/v1/payments", payment("-0")),
    Bad("amount 1,000.00", "POST", "/v1/payments", payment('"1,000.00"')),
    Bad("amount too precise", "POST", "/v1/payments", payment('"0.001"')),
    Bad("amount absurd", "POST", "/v1/payments", payment("1" + "0" * 40)),
    Bad("unknown field", "POST", "/v1/customers", customer(nickname="x")),
]


async def fingerprint(db: AsyncEngine) -> dict[str, str]:
    """Every table's contents, hashed."""
    async with db.connect() as conn:
        tables = (
            await conn.execute(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                    "AND tablename <> 'alembic_version'"
                )
            )
        ).scalars()
        prints = {}
        for table in list(tables):
            prints[table] = (
                await conn.execute(
                    text(
                        "SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
                        f' FROM "{table}" t'
                    )
                )
            ).scalar_one()
    return prints


@pytest.fixture
async def service_with_a_customer(spawn: Spawn) -> tuple[str, str]:
    service = spawn("serve", HUIKUAN_LOG_LEVEL="WARNING")
    async with client(service.base_url) as api:
        made = await api.post("/v1/customers", json={"name": "甲方", "currency": "CNY"})
    return service.base_url, made.json()["id"]


async def test_every_bad_input_gets_a_clean_4xx_and_changes_nothing(
    service_with_a_customer: tuple[str, str], db: AsyncEngine, figure: Figure
) -> None:
    base_url, customer_id = service_with_a_customer
    before = await fingerprint(db)
    failures: list[tuple[str, object, str]] = []
    async with client(base_url) as api:
        for bad in CORPUS:
            body = bad.body.replace(b"%(c)s", customer_id.encode()) if bad.body else None
            response = await api.request(bad.method, bad.path, content=body, headers=bad.headers)
            problem = response.headers.get("content-type") == "application/problem+json"
            if response.status_code not in bad.statuses or not problem:
                failures.append((bad.name, response.status_code, response.text[:200]))
            elif "Traceback" in response.text or "sqlalchemy" in response.text.lower():
                failures.append((bad.name, "leaks internals", response.text[:200]))
    assert failures == []
    assert await fingerprint(db) == before
    figure(f"{len(CORPUS)} bad inputs, each a problem+json 4xx; every table unchanged")
