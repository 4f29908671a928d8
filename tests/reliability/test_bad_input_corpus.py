"""A corpus of bad input against a running service: each gets a clean 4xx problem and the
database is left exactly as it was (the Idempotency-Key table included: a request that
never reaches a handler claims no key, and its repeat is never a replay)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
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
    anonymous: bool = False  # sent without an API key


def customer(**fields: Any) -> bytes:
    import json

    return json.dumps({"name": "A", "currency": "CNY", **fields}, ensure_ascii=False).encode()


def wide(body: bytes, encoding: str) -> bytes:
    return body.decode().encode(encoding)


INGEST = "/v1/ingest/events"
EVENTS = (
    b'{"events": [{"id": "e-1", "source": "erp", "type": "customer.upserted", '
    b'"occurred_at": "2026-11-27T08:00:00Z", '
    b'"data": {"external_id": "C-\\u0000", "name": "A", "currency": "CNY"}}]}'
)
PLAIN_EVENTS = EVENTS.replace(b"C-\\u0000", b"C-1")
WIDE = ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"]
FAR = ["9999-12-31", "0001-01-01"]
KEYED = {**JSON, "Idempotency-Key": "corpus-key"}
# Text a name, title or id must not hold: C0, C1, DEL, bidi overrides and isolates.
CONTROLS = ["\x01", "\x1b[2J", "\x7f", "\x85", "\x9b", "\u202e", "\u202a", "\u2066", "\u2069"]


def payment(amount: str) -> bytes:
    return (
        '{"customer_id": "%(c)s", "amount": ' + amount + ', "currency": "CNY", '
        '"received_on": "2026-11-20"}'
    ).encode()


S400, S401, S404, S412 = (frozenset({s}) for s in (400, 401, 404, 412))
POLICY = "/v1/approval-policy"
REQUESTS = "/v1/approval-requests"
UNKNOWN = "0191e0a0-0000-7000-8000-000000000000"

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
    Bad("SQL in an id", "GET", "/v1/customers/1;DROP TABLE customers", statuses=frozenset({404})),
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
    # Report dates beyond 1900..2199, like every other date.
    *(Bad(f"aging as_of={d}", "GET", f"/v1/reports/aging?as_of={d}") for d in FAR),
    *(
        Bad(f"{report} {bound}={d}", "GET", f"/v1/reports/{report}?{bound}={d}")
        for report in ("kpis", "performance", "forecast")
        for bound in ("from", "to")
        for d in FAR
    ),
    Bad(
        "interaction at year 1",
        "POST",
        "/v1/interactions",
        (
            b'{"customer_id": "%(c)s", "channel": "phone", "summary": "x", '
            b'"occurred_at": "0001-01-01T00:00:00+14:00"}'
        ),
    ),
    # JSON that is not UTF-8 (its NUL escapes would slip past the NUL guard).
    *(
        Bad(f"{e} JSON", "POST", "/v1/customers", wide(customer(name="A\x00"), e), statuses=S400)
        for e in WIDE
    ),
    *(Bad(f"{e} ingestion", "POST", INGEST, wide(EVENTS, e), statuses=S400) for e in WIDE),
    Bad("GBK JSON", "POST", "/v1/customers", '{"name": "客户"}'.encode("gbk"), statuses=S400),
    Bad(
        "GBK ingestion",
        "POST",
        INGEST,
        PLAIN_EVENTS.replace(b'"A"', '"客户"'.encode("gbk")),
        statuses=S400,
    ),
    # An If-Match that is no ETag of ours: "²" passes str.isdigit() but not int().
    Bad(
        "If-Match ²", "PATCH", "/v1/customers/%(c)s", customer(), {**JSON, "If-Match": '"²"'}, S412
    ),
    Bad(
        "If-Match ¹ weak",
        "PATCH",
        "/v1/customers/%(c)s",
        customer(),
        {**JSON, "If-Match": 'W/"¹"'},
        S412,
    ),
    # Control characters and bidi overrides in names, titles and external ids.
    *(
        Bad(f"name with U+{ord(c[0]):04X}", "POST", "/v1/customers", customer(name=f"A{c}B"))
        for c in CONTROLS
    ),
    *(
        Bad(
            f"external id with U+{ord(c[0]):04X}",
            "POST",
            "/v1/customers",
            customer(external_id=f"E{c}1"),
        )
        for c in CONTROLS
    ),
    Bad("task title with RLO", "POST", "/v1/tasks", b'{"title": "a\\u202eb", "kind": "call"}'),
    Bad(
        "summary with ESC",
        "POST",
        "/v1/interactions",
        (
            b'{"customer_id": "%(c)s", "channel": "phone", "summary": "a\\u001bb", '
            b'"occurred_at": "2026-11-27T08:00:00Z"}'
        ),
    ),
    # The approval policy: unknown action, required not 1 or 2, no approver, a currency
    # without min_amount, a min_amount without currency, too many decimals, stale If-Match.
    *(
        Bad(f"approval policy: {name}", "PUT", POLICY, b'{"rules": [' + rule + b"]}")
        for name, rule in (
            ("unknown action", b'{"action": "invoice.delete", "approvers": ["u1"]}'),
            ("required 3", b'{"action": "invoice.hold", "approvers": ["u1"], "required": 3}'),
            ("required 0", b'{"action": "invoice.hold", "approvers": ["u1"], "required": 0}'),
            ("no approver", b'{"action": "invoice.hold", "approvers": []}'),
            (
                "currency alone",
                b'{"action": "invoice.hold", "approvers": ["u"], "currency": "CNY"}',
            ),
            ("amount alone", b'{"action": "invoice.hold", "approvers": ["u"], "min_amount": "1"}'),
            (
                "three decimals",
                b'{"action": "invoice.hold", "approvers": ["u"], "min_amount": "1.001", '
                b'"currency": "CNY"}',
            ),
            (
                "role beside a person",
                b'{"action": "invoice.hold", "approvers": ["org_unit_manager", "u1"]}',
            ),
            ("unknown field", b'{"action": "invoice.hold", "approvers": ["u"], "extra": 1}'),
        )
    ),
    Bad(
        "approval policy: stale If-Match",
        "PUT",
        POLICY,
        b'{"rules": []}',
        {**JSON, "If-Match": '"7"'},
        S412,
    ),
    Bad(
        "approve an unknown request",
        "POST",
        f"{REQUESTS}/{UNKNOWN}/approve",
        b"{}",
        {**JSON, "X-Actor": "u1"},
        S404,
    ),
    Bad("audit log: bad cursor", "GET", "/v1/audit-log?cursor=bm9wZQ"),
    # Ids in paths are opaque: a malformed one names nothing.
    Bad("malformed id", "GET", "/v1/invoices/not-a-uuid", statuses=S404),
    Bad("malformed id, POST", "POST", "/v1/invoices/42/void", b'{"reason": "x"}', statuses=S404),
    Bad(
        "overlong worklist item",
        "POST",
        "/v1/worklist/" + "x" * 300 + "/accept?assignee=u",
        b"{}",
        statuses=S404,
    ),
    # Nothing is claimed before authentication and routing (the key table is fingerprinted).
    Bad(
        "keyed, anonymous, unknown route",
        "POST",
        "/v1/nowhere",
        customer(),
        KEYED,
        S404,
        anonymous=True,
    ),
    Bad("keyed, unknown route", "POST", "/v1/nowhere", customer(), KEYED, S404),
    Bad("keyed, anonymous", "POST", "/v1/customers", customer(), KEYED, S401, anonymous=True),
    Bad("keyed, wrong method", "POST", "/v1/reports/aging", customer(), KEYED, frozenset({405})),
    Bad("keyed, malformed JSON", "POST", "/v1/customers", b"{name", KEYED, S400),
    Bad("keyed, schema 422", "POST", "/v1/customers", customer(currency="XXX"), KEYED),
    Bad("keyed, anonymous ingestion", "POST", INGEST, PLAIN_EVENTS, KEYED, S401, anonymous=True),
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
    async with client(base_url) as api, httpx.AsyncClient(base_url=base_url) as anonymous:
        for bad in CORPUS:
            body = bad.body.replace(b"%(c)s", customer_id.encode()) if bad.body else None
            path = bad.path.replace("%(c)s", customer_id)
            # Latin-1, as HTTP carries them: a header may hold "²".
            headers = {k.encode(): v.encode("latin-1") for k, v in bad.headers.items()}
            sender = anonymous if bad.anonymous else api
            for _ in range(2 if "Idempotency-Key" in bad.headers else 1):
                response = await sender.request(bad.method, path, content=body, headers=headers)
                problem = response.headers.get("content-type") == "application/problem+json"
                if response.status_code not in bad.statuses or not problem:
                    failures.append((bad.name, response.status_code, response.text[:200]))
                elif "Traceback" in response.text or "sqlalchemy" in response.text.lower():
                    failures.append((bad.name, "leaks internals", response.text[:200]))
                elif "idempotent-replayed" in response.headers:
                    failures.append((bad.name, "replayed", response.text[:200]))
    assert failures == [], failures
    assert await fingerprint(db) == before
    figure(f"{len(CORPUS)} bad inputs, each a problem+json 4xx; every table unchanged")


def ingested(type_: str, n: int, **data: Any) -> dict[str, Any]:
    return {
        "id": f"bad-{n}",
        "source": "erp",
        "type": type_,
        "occurred_at": "2026-11-27T08:00:00Z",
        "data": data,
    }


def bad_records() -> list[dict[str, Any]]:
    """Records an ERP might send that no name, id or date may be: each refused alone."""
    records = []
    for c in CONTROLS:
        records.append({"external_id": f"C{c}1", "name": "A", "currency": "CNY"})
        records.append({"external_id": "C-1", "name": f"A{c}B", "currency": "CNY"})
    events = [ingested("customer.upserted", n, **r) for n, r in enumerate(records)]
    n = len(events)
    events.append(
        ingested(
            "payment.received",
            n,
            external_id="P-1",
            customer_external_id="C-1",
            amount="10.00",
            currency="CNY",
            received_on="2026-11-20",
            invoice_external_ids=["F\u202e1"],
        )
    )
    events.append(
        ingested(
            "invoice.issued",
            n + 1,
            external_id="F-1",
            customer_external_id="C-1",
            amount="10.00",
            currency="CNY",
            issued_on="0001-01-01",
            due_date="9999-12-31",
        )
    )
    return events


async def test_bad_ingested_records_are_each_rejected_and_change_nothing_else(
    service_with_a_customer: tuple[str, str], db: AsyncEngine, figure: Figure
) -> None:
    base_url, _ = service_with_a_customer
    before = await fingerprint(db)
    events = bad_records()
    async with client(base_url) as api:
        response = await api.post(INGEST, json={"events": events})
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [(r["status"], r["problem"]["status"]) for r in results] == [("rejected", 422)] * len(
        events
    )
    after = await fingerprint(db)
    # Rejected events are kept (a resend is a duplicate); nothing else moves.
    assert {t for t in before if before[t] != after[t]} == {"ingest_events"}
    async with db.connect() as conn:
        statuses = (await conn.execute(text("SELECT DISTINCT status FROM ingest_events"))).all()
    assert [s for (s,) in statuses] == ["rejected"]
    figure(f"{len(events)} bad ERP records, each rejected alone; only ingest_events grew")
