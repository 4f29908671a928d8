"""A hand-built book whose worklist order is known, for the worklist's HTTP tests.

Today is 2026-11-27 (the FixedClock). Default weights: 1 point per CNY 10,000 overdue (at
most 50), 0.5 per day overdue (at most 60), 10 per dunning level, 15 per broken promise,
risk low/medium/high/critical 5/10/20/40, 20 for a promise due today.

u-ana's list, highest first (why it is hers; factors; points; next action):

- invoice I1: owns contract CA; 200,000 overdue 60 days, dunning 4; 20 + 30 + 40 = 90.00;
  legal_review
- invoice I2: owns contract CB; 5,000, 10 days, dunning 1, B broke a promise, B flagged
  medium, a promise due today; 0.5 + 5 + 10 + 15 + 10 + 20 = 60.50; confirm_promise
- invoice I7: an open task on it (contract CE is u-bob's); 30,000, 20 days, dunning 2;
  3 + 10 + 20 = 33.00; escalate
- customer F: an open task on the customer; a promise naming no invoice due today, flagged
  medium (a flag nobody owns); 20 + 10 = 30.00; confirm_promise
- customer B: owns contract CB; a broken promise, flagged medium; 15 + 10 = 25.00; call
- invoice I11: no contract, its customer D is hers through the flag she owns on D; 20,000,
  6 days, D flagged high; 2 + 3 + 20 = 25.00; escalate
- customer D: owns a flag on D; flagged high; 20.00; escalate
- installment S1: owns contract CC; 50,000 of 70,000 not invoiced, 30 days; 5 + 15 = 20.00;
  issue_invoice
- invoice I8: owns a flag on I8 (not yet due); flagged medium; 10.00; call

Left off: I3 (disputed), I4 (on hold until 2026-12-05), I5 (paid), I6 and I9 (not yet
due), I10 (u-bob's), CC's second installment (not yet due). Ties are ordered by item id:
customer B before invoice I11 at 25.00, customer D before installment S1 at 20.00.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.adapters.db.uow import SqlUnitOfWorkFactory
from app.domain.events import Actor
from app.services.jobs import JobParams
from app.services.platform import Platform
from app.services.reactions import REACTIONS
from app.services.scheduling.registry import JOBS
from tests.e2e.receivables import contract, customer, invoice, ok, payment
from tests.fakes import FixedClock

ANA, BOB = "u-ana", "u-bob"


@dataclass
class Book:
    ids: dict[str, str] = field(default_factory=dict)

    def item(self, name: str) -> str:
        kind = {"I": "invoice", "S": "installment", "C": "customer"}[name[0]]
        return f"{kind}:{self.ids[name]}"


async def _contract(api: httpx.AsyncClient, customer_id: str, owner: str, **body: Any) -> str:
    made = await contract(
        api, customer_id, owner=owner, amount="1000000.00", installments=[], **body
    )
    return str(made["id"])


async def _invoice(
    api: httpx.AsyncClient, customer_id: str, contract_id: str, number: str, **body: Any
) -> str:
    made = await invoice(
        api,
        customer_id,
        contract_id=contract_id,
        external_id=number,
        issued_on="2026-08-01",
        **body,
    )
    return str(made["id"])


async def _dunning(db: AsyncEngine, levels: dict[str, int]) -> None:
    async with db.begin() as conn:
        for invoice_id, level in levels.items():
            await conn.execute(
                text("UPDATE invoices SET dunning_level = :level WHERE id = :id"),
                {"level": level, "id": invoice_id},
            )


async def _broken_promise(
    api: httpx.AsyncClient, platform: Platform, clock: FixedClock, db: AsyncEngine, customer_id: str
) -> None:
    """A promise made on 2026-11-01 for 2026-11-10 that nobody kept, broken by promise-check
    (which also flags the customer: one broken promise, medium)."""
    today = clock.now()
    clock.set(datetime(2026, 11, 1, 2, 0, tzinfo=UTC))
    ok(
        await api.post(
            "/v1/interactions",
            json={
                "customer_id": customer_id,
                "channel": "phone",
                "occurred_at": clock.now().isoformat(),
                "summary": "答应 11 月 10 日付款",
                "promise": {"amount": "8000.00", "currency": "CNY", "promised_date": "2026-11-10"},
            },
        ),
        201,
    )
    clock.set(today)
    ctx = platform.context(Actor.system("scheduler"))
    params = JobParams(batch_size=100, due_soon_days=3, outbox_retention_days=30)
    await JOBS["promise-check"](SqlUnitOfWorkFactory(db, REACTIONS), ctx, params)


async def build_book(
    api: httpx.AsyncClient, platform: Platform, clock: FixedClock, db: AsyncEngine
) -> Book:
    book = Book()
    ids = book.ids
    for name, label in (
        ("A", "甲建设"),
        ("B", "乙科技"),
        ("C", "丙物流"),
        ("D", "丁贸易"),
        ("E", "戊能源"),
        ("F", "己电子"),
    ):
        ids[f"C{name}"] = str((await customer(api, name=label))["id"])
    ca = await _contract(api, ids["CA"], ANA, name="甲 总包")
    cb = await _contract(api, ids["CB"], ANA, name="乙 实施")
    cc = str(
        (
            await contract(
                api,
                ids["CC"],
                owner=ANA,
                name="丙 仓储",
                amount="1000000.00",
                installments=[
                    {"name": "预付款", "due_date": "2026-10-28", "amount": "70000.00"},
                    {"name": "尾款", "due_date": "2027-06-30", "amount": "930000.00"},
                ],
            )
        )["id"]
    )
    ce = await _contract(api, ids["CE"], BOB, name="戊 运维")
    ids["KC"] = cc
    shown = ok(await api.get(f"/v1/contracts/{cc}"))
    ids["S1"] = next(s["id"] for s in shown["installments"] if s["name"] == "预付款")

    A, B, E = ids["CA"], ids["CB"], ids["CE"]
    ids["I1"] = await _invoice(api, A, ca, "INV-1", amount="200000.00", due_date="2026-09-28")
    ids["I2"] = await _invoice(api, B, cb, "INV-2", amount="5000.00", due_date="2026-11-17")
    ids["I3"] = await _invoice(api, B, cb, "INV-3", amount="80000.00", due_date="2026-08-19")
    ids["I4"] = await _invoice(api, A, ca, "INV-4", amount="10000.00", due_date="2026-10-28")
    ids["I5"] = await _invoice(api, A, ca, "INV-5", amount="3000.00", due_date="2026-10-01")
    ids["I6"] = await _invoice(api, A, ca, "INV-6", amount="7000.00", due_date="2026-12-31")
    ids["I7"] = await _invoice(api, E, ce, "INV-7", amount="30000.00", due_date="2026-11-07")
    ids["I8"] = await _invoice(api, E, ce, "INV-8", amount="12000.00", due_date="2027-01-15")
    ids["I9"] = await _invoice(
        api,
        ids["CC"],
        cc,
        "INV-9",
        amount="20000.00",
        due_date="2026-12-20",
        installment_id=ids["S1"],
    )
    ids["I10"] = await _invoice(api, E, ce, "INV-10", amount="40000.00", due_date="2026-10-01")
    no_contract = {"external_id": "INV-11", "issued_on": "2026-10-22", "due_date": "2026-11-21"}
    ids["I11"] = str((await invoice(api, ids["CD"], amount="20000.00", **no_contract))["id"])

    ok(await api.post(f"/v1/invoices/{ids['I3']}/dispute", json={"reason": "数量不符"}))
    hold = {"reason": "等待验收", "until": "2026-12-05"}
    ok(await api.post(f"/v1/invoices/{ids['I4']}/hold", json=hold))
    await payment(
        api, A, amount="3000.00", allocations=[{"invoice_id": ids["I5"], "amount": "3000.00"}]
    )
    await _dunning(db, {ids["I1"]: 4, ids["I2"]: 1, ids["I7"]: 2, ids["I10"]: 3})

    await _broken_promise(api, platform, clock, db, B)
    ok(
        await api.post(
            "/v1/interactions",
            json={
                "customer_id": B,
                "invoice_id": ids["I2"],
                "channel": "phone",
                "occurred_at": clock.now().isoformat(),
                "summary": "今天付清 INV-2",
                "promise": {"amount": "5000.00", "currency": "CNY", "promised_date": "2026-11-27"},
            },
        ),
        201,
    )
    task = {"title": "跟进 INV-7", "kind": "call", "assignee": ANA, "due_date": "2026-11-30"}
    ids["T7"] = str(
        ok(await api.post("/v1/tasks", json={**task, "invoice_id": ids["I7"]}), 201)["id"]
    )
    task = {"title": "拜访己电子", "kind": "visit", "assignee": ANA, "customer_id": ids["CF"]}
    ids["TF"] = str(ok(await api.post("/v1/tasks", json=task), 201)["id"])
    for subject, kind, severity, owner in (
        ({"type": "customer", "id": ids["CD"]}, "credit", "high", ANA),
        ({"type": "invoice", "id": ids["I8"]}, "invoice_error", "medium", ANA),
        ({"type": "customer", "id": ids["CF"]}, "other", "medium", None),
    ):
        flag = {"subject": subject, "kind": kind, "severity": severity, "owner": owner}
        ok(await api.post("/v1/risk-flags", json=flag), 201)
    promise = {"amount": "9000.00", "currency": "CNY", "promised_date": "2026-11-27"}
    call = {"channel": "phone", "occurred_at": clock.now().isoformat(), "summary": "今天付款"}
    made = {"customer_id": ids["CF"], "promise": promise, **call}
    ok(await api.post("/v1/interactions", json=made), 201)
    return book


# (item, score, next action) in the order of u-ana's worklist.
EXPECTED = [
    ("I1", "90.00", "legal_review"),
    ("I2", "60.50", "confirm_promise"),
    ("I7", "33.00", "escalate"),
    ("CF", "30.00", "confirm_promise"),
    ("CB", "25.00", "call"),
    ("I11", "25.00", "escalate"),
    ("CD", "20.00", "escalate"),
    ("S1", "20.00", "issue_invoice"),
    ("I8", "10.00", "call"),
]
