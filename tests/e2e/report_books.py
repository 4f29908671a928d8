"""Hand-built books for the report tests, with the answers worked out in the comments.

The FixedClock stands at 2026-11-27 08:00 UTC, 16:00 in Asia/Shanghai: today is 11-27.
Actions that happened on other days move the clock there and back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from tests.e2e.receivables import customer, invoice, ok, payment
from tests.fakes import FixedClock

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


async def at(clock: FixedClock, moment: datetime, call: Any) -> Any:
    """Run ``call`` with the clock at ``moment``, then put the clock back."""
    clock.set(moment)
    try:
        response = await call
    finally:
        clock.set(NOW)
    assert response.status_code < 300, response.text
    return response


def pay(invoice_id: str, amount: str) -> list[dict[str, str]]:
    return [{"invoice_id": invoice_id, "amount": amount}]


@dataclass
class AgingBook:
    a: dict[str, Any]  # 上海回款科技有限公司, CNY
    b: dict[str, Any]  # Acme Ltd, USD
    c: dict[str, Any]  # 東京商事, JPY
    invoices: dict[str, dict[str, Any]]


async def aging_book(api: httpx.AsyncClient, clock: FixedClock) -> AgingBook:
    """Customer A (CNY), today's outstanding and on other days:

    | invoice | amount | issued | due   | what happened                                   |
    |---------|--------|--------|-------|-------------------------------------------------|
    | a1      | 1000   | 10-01  | 10-31 | paid 11-01, the payment bounced 11-26 01:00 Shanghai |
    | a2      | 500    | 11-20  | 12-20 |                                                 |
    | a3      | 2000   | 07-01  | 07-31 | 800 received 11-20; 200 of 11-05 allocated, undone 11-26 |
    | a4      | 300    | 09-01  | 09-15 | written off 11-27                                |
    | a5      | 700    | 10-01  | 10-15 | voided 11-20                                     |
    | a6      | 400    | 11-26  | 12-26 |                                                 |
    | a7      | 600    | 08-01  | 08-31 | the undone 200 of 11-05 re-applied here 11-26    |

    B: b1 USD 100.00 issued 10-10 due 10-20. C: c1 JPY 5000 issued 11-01 due 11-27.
    """
    a = await customer(api, name="上海回款科技有限公司")
    b = await customer(api, name="Acme Ltd", currency="USD")
    c = await customer(api, name="東京商事", currency="JPY")
    rows = {
        "a1": ("1000.00", "2026-10-01", "2026-10-31"),
        "a2": ("500.00", "2026-11-20", "2026-12-20"),
        "a3": ("2000.00", "2026-07-01", "2026-07-31"),
        "a4": ("300.00", "2026-09-01", "2026-09-15"),
        "a5": ("700.00", "2026-10-01", "2026-10-15"),
        "a6": ("400.00", "2026-11-26", "2026-12-26"),
        "a7": ("600.00", "2026-08-01", "2026-08-31"),
    }
    made = {}
    for name, (amount, issued, due) in rows.items():
        made[name] = await invoice(api, a["id"], amount=amount, issued_on=issued, due_date=due)
    made["b1"] = await invoice(
        api, b["id"], amount="100.00", currency="USD", issued_on="2026-10-10", due_date="2026-10-20"
    )
    made["c1"] = await invoice(
        api, c["id"], amount="5000", currency="JPY", issued_on="2026-11-01", due_date="2026-11-27"
    )
    bounced = await payment(
        api, a["id"], amount="1000.00", received_on="2026-11-01",
        allocations=pay(made["a1"]["id"], "1000.00"),
    )  # fmt: skip
    await payment(
        api, a["id"], amount="800.00", received_on="2026-11-20",
        allocations=pay(made["a3"]["id"], "800.00"),
    )  # fmt: skip
    moved = await payment(
        api, a["id"], amount="200.00", received_on="2026-11-05",
        allocations=pay(made["a3"]["id"], "200.00"),
    )  # fmt: skip
    ok(await api.post(f"/v1/invoices/{made['a4']['id']}/write-off", json={"reason": "破产"}))
    await at(
        clock,
        datetime(2026, 11, 20, 2, 0, tzinfo=UTC),
        api.post(f"/v1/invoices/{made['a5']['id']}/void", json={"reason": "开错"}),
    )
    # 2026-11-25 17:00 UTC is 11-26 01:00 in Shanghai: the bounce happened on 11-26.
    await at(
        clock,
        datetime(2026, 11, 25, 17, 0, tzinfo=UTC),
        api.post(f"/v1/payments/{bounced['id']}/reverse", json={"reason": "退票"}),
    )
    (wrong,) = moved["allocations"]
    await at(
        clock,
        datetime(2026, 11, 26, 2, 0, tzinfo=UTC),
        api.delete(f"/v1/payments/{moved['id']}/allocations/{wrong['id']}"),
    )
    ok(
        await api.post(
            f"/v1/payments/{moved['id']}/allocations",
            json={"allocations": pay(made["a7"]["id"], "200.00")},
        )
    )
    return AgingBook(a, b, c, made)


@dataclass
class PlanBook:
    customer: dict[str, Any]
    li: dict[str, Any]  # contract owned by u-li
    wang: dict[str, Any]  # contract owned by u-wang
    invoices: dict[str, dict[str, Any]]


async def plan_book(api: httpx.AsyncClient) -> PlanBook:
    """深圳数据有限公司 (CNY):

    - u-li's contract, 10000.00 signed 01-10: 签约款 3000 due 02-01 (invoiced 3000 on 01-15,
      due 02-15, paid 02-10); 交付款 4000 due 10-01 (invoiced 2500 on 10-05, due 11-05,
      1000 paid 11-10); 验收款 3000 due 2027-03-31 (not invoiced).
    - u-wang's contract, 2000.00 signed 06-01: one installment due 12-31, not invoiced.
    - d0: 800.00 without a contract, issued 11-01, due 11-30.
    """
    d = await customer(api, name="深圳数据有限公司")
    li = ok(
        await api.post(
            "/v1/contracts",
            json={
                "customer_id": d["id"],
                "name": "数据平台",
                "amount": "10000.00",
                "currency": "CNY",
                "owner": "u-li",
                "signed_on": "2026-01-10",
                "installments": [
                    {"name": "签约款", "due_date": "2026-02-01", "percent": "30"},
                    {"name": "交付款", "due_date": "2026-10-01", "percent": "40"},
                    {"name": "验收款", "due_date": "2027-03-31", "percent": "30"},
                ],
            },
        ),
        201,
    )
    wang = ok(
        await api.post(
            "/v1/contracts",
            json={
                "customer_id": d["id"],
                "name": "运维服务",
                "amount": "2000.00",
                "currency": "CNY",
                "owner": "u-wang",
                "signed_on": "2026-06-01",
                "installments": [{"name": "年费", "due_date": "2026-12-31", "percent": "100"}],
            },
        ),
        201,
    )
    first, second, _ = (i["id"] for i in li["installments"])
    k1a = await invoice(
        api, d["id"], amount="3000.00", issued_on="2026-01-15", due_date="2026-02-15",
        contract_id=li["id"], installment_id=first,
    )  # fmt: skip
    k1b = await invoice(
        api, d["id"], amount="2500.00", issued_on="2026-10-05", due_date="2026-11-05",
        contract_id=li["id"], installment_id=second,
    )  # fmt: skip
    d0 = await invoice(api, d["id"], amount="800.00", issued_on="2026-11-01", due_date="2026-11-30")
    await payment(
        api, d["id"], amount="3000.00", received_on="2026-02-10",
        allocations=pay(k1a["id"], "3000.00"),
    )  # fmt: skip
    await payment(
        api, d["id"], amount="1000.00", received_on="2026-11-10",
        allocations=pay(k1b["id"], "1000.00"),
    )  # fmt: skip
    return PlanBook(d, li, wang, {"k1a": k1a, "k1b": k1b, "d0": d0})


async def kpi_book(api: httpx.AsyncClient, clock: FixedClock) -> dict[str, dict[str, Any]]:
    """For a period 11-01..11-20 (today is 11-27). Customer E, CNY:

    | invoice | amount | issued | due   | what happened                                  |
    |---------|--------|--------|-------|------------------------------------------------|
    | e1      | 1000   | 10-01  | 10-31 | 600 received 11-05, 400 received 11-25         |
    | e2      | 2000   | 11-02  | 11-12 | 2000 received 11-10                            |
    | e3      | 1500   | 11-05  | 11-15 | 500 received 11-18; disputed 11-16             |
    | e4      | 500    | 11-10  | 12-10 | on hold until 12-31                            |
    | e5      | 800    | 09-01  | 09-30 | written off 11-15                              |
    | e6      | 300    | 11-03  | 11-30 | voided 11-08                                   |
    | e7      | 400    | 11-22  | 12-22 | (after the period)                             |
    | e8      | 1000   | 10-20  | 11-05 | 1000 received 10-25                            |

    Customer F, USD: f1 100.00 issued 11-01, due 11-10, nothing paid.
    """
    e = await customer(api, name="广州贸易有限公司")
    f = await customer(api, name="Globex", currency="USD")
    rows = {
        "e1": ("1000.00", "2026-10-01", "2026-10-31"),
        "e2": ("2000.00", "2026-11-02", "2026-11-12"),
        "e3": ("1500.00", "2026-11-05", "2026-11-15"),
        "e4": ("500.00", "2026-11-10", "2026-12-10"),
        "e5": ("800.00", "2026-09-01", "2026-09-30"),
        "e6": ("300.00", "2026-11-03", "2026-11-30"),
        "e7": ("400.00", "2026-11-22", "2026-12-22"),
        "e8": ("1000.00", "2026-10-20", "2026-11-05"),
    }
    made = {}
    for name, (amount, issued, due) in rows.items():
        made[name] = await invoice(api, e["id"], amount=amount, issued_on=issued, due_date=due)
    made["f1"] = await invoice(
        api, f["id"], amount="100.00", currency="USD", issued_on="2026-11-01", due_date="2026-11-10"
    )
    for name, amount, received in (
        ("e1", "600.00", "2026-11-05"),
        ("e1", "400.00", "2026-11-25"),
        ("e2", "2000.00", "2026-11-10"),
        ("e3", "500.00", "2026-11-18"),
        ("e8", "1000.00", "2026-10-25"),
    ):
        allocations = pay(made[name]["id"], amount)
        await payment(api, e["id"], amount=amount, received_on=received, allocations=allocations)
    ids = {name: made[name]["id"] for name in made}
    await at(
        clock,
        datetime(2026, 11, 16, 2, 0, tzinfo=UTC),
        api.post(f"/v1/invoices/{ids['e3']}/dispute", json={"reason": "数量不符"}),
    )
    ok(
        await api.post(
            f"/v1/invoices/{ids['e4']}/hold", json={"reason": "待验收", "until": "2026-12-31"}
        )
    )
    await at(
        clock,
        datetime(2026, 11, 15, 2, 0, tzinfo=UTC),
        api.post(f"/v1/invoices/{ids['e5']}/write-off", json={"reason": "无法收回"}),
    )
    await at(
        clock,
        datetime(2026, 11, 8, 2, 0, tzinfo=UTC),
        api.post(f"/v1/invoices/{ids['e6']}/void", json={"reason": "重复"}),
    )
    return made


async def promise(
    api: httpx.AsyncClient, customer_id: str, amount: str, promised: str, **body: Any
) -> dict[str, Any]:
    payload = {
        "customer_id": customer_id,
        "channel": "phone",
        "occurred_at": "2026-11-27T07:30:00Z",
        "summary": "客户承诺付款",
        "promise": {"amount": amount, "currency": "CNY", "promised_date": promised},
        **body,
    }
    return ok(await api.post("/v1/interactions", json=payload), 201)


async def forecast_book(api: httpx.AsyncClient) -> dict[str, Any]:
    """Today is 11-27. Customer G, CNY, contract of u-zhao (5000.00, signed 06-01):
    installment A 2000 due 11-01 (not invoiced), B 3000 due 12-15 (g4 1000 invoiced on it).

    | invoice | amount | due        | promise                                    |
    |---------|--------|------------|--------------------------------------------|
    | g1      | 1000   | 12-05      | 600 by 12-10 naming g1                     |
    | g2      | 500    | 10-31      |                                            |
    | g3      | 300    | 2027-01-15 |                                            |
    | g4      | 1000   | 12-25      | (on installment B)                         |

    and a promise of 700 by 12-20 for the customer, which covers the open invoices oldest
    due first: g2's 500, then 200 of what g1's own promise leaves (400).
    Customer H, USD: h1 100.00 due 11-30.
    """
    g = await customer(api, name="杭州智能制造有限公司")
    h = await customer(api, name="Initech", currency="USD")
    plan = ok(
        await api.post(
            "/v1/contracts",
            json={
                "customer_id": g["id"],
                "name": "产线改造",
                "amount": "5000.00",
                "currency": "CNY",
                "owner": "u-zhao",
                "signed_on": "2026-06-01",
                "installments": [
                    {"name": "A", "due_date": "2026-11-01", "amount": "2000.00"},
                    {"name": "B", "due_date": "2026-12-15", "amount": "3000.00"},
                ],
            },
        ),
        201,
    )
    g1 = await invoice(
        api, g["id"], amount="1000.00", issued_on="2026-11-01", due_date="2026-12-05"
    )
    g2 = await invoice(api, g["id"], amount="500.00", issued_on="2026-10-01", due_date="2026-10-31")
    g3 = await invoice(api, g["id"], amount="300.00", issued_on="2026-11-20", due_date="2027-01-15")
    g4 = await invoice(
        api, g["id"], amount="1000.00", issued_on="2026-11-25", due_date="2026-12-25",
        contract_id=plan["id"], installment_id=plan["installments"][1]["id"],
    )  # fmt: skip
    h1 = await invoice(
        api, h["id"], amount="100.00", currency="USD", issued_on="2026-11-01", due_date="2026-11-30"
    )
    await promise(api, g["id"], "600.00", "2026-12-10", invoice_id=g1["id"])
    await promise(api, g["id"], "700.00", "2026-12-20")
    return {"g": g, "h": h, "plan": plan, "g1": g1, "g2": g2, "g3": g3, "g4": g4, "h1": h1}
