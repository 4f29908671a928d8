"""A construction contract for the milestone tests: advance on a date, acceptance 30 days
after 竣工验收, 5 % retention 24 months after it."""

from __future__ import annotations

from typing import Any

import httpx

from tests.e2e.receivables import ok

MILESTONES: list[dict[str, Any]] = [
    {"key": "start", "name": "开工", "planned_on": "2026-02-01"},
    {"key": "completion", "name": "竣工验收", "planned_on": "2027-01-31"},
]
INSTALLMENTS: list[dict[str, Any]] = [
    {"name": "预付款", "kind": "advance", "due_date": "2026-02-01", "percent": "30"},
    {"name": "验收款", "kind": "acceptance", "milestone": "completion", "offset_days": 30,
     "percent": "65"},
    {"name": "质保金", "kind": "retention", "basis": "milestone", "milestone": "completion",
     "offset_months": 24, "percent": "5"},
]  # fmt: skip


async def construction(api: httpx.AsyncClient, customer_id: str, **body: Any) -> dict[str, Any]:
    payload = {
        "customer_id": customer_id,
        "name": "厂房施工",
        "amount": "1000000.00",
        "currency": "CNY",
        "owner": "u-pm-1",
        "signed_on": "2026-01-10",
        "milestones": MILESTONES,
        "installments": INSTALLMENTS,
        **body,
    }
    return ok(await api.post("/v1/contracts", json=payload), 201)
