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
