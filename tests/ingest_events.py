"""Builders of inbound ERP/CRM events for the ingestion tests."""

from __future__ import annotations

import itertools
from typing import Any

_ids = itertools.count(1)

SOURCE = "erp-test"
STAMP = "2026-11-27T08:00:00Z"


def event(type_: str, data: dict[str, Any], **envelope: Any) -> dict[str, Any]:
    return {
        "id": envelope.pop("id", f"evt-{next(_ids)}"),
        "source": envelope.pop("source", SOURCE),
        "type": type_,
        "occurred_at": envelope.pop("occurred_at", STAMP),
        "data": data,
        **envelope,
    }


def cloud_event(type_: str, data: dict[str, Any], **envelope: Any) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": envelope.pop("id", f"ce-{next(_ids)}"),
        "source": envelope.pop("source", "/crm/test"),
        "type": type_,
        "time": envelope.pop("time", STAMP),
        "datacontenttype": "application/json",
        "data": data,
        **envelope,
    }


def customer(external_id: str = "C-1", **data: Any) -> dict[str, Any]:
    body = {"external_id": external_id, "name": f"客户 {external_id}", "currency": "CNY", **data}
    return body


def contract(external_id: str = "HT-1", customer: str = "C-1", **data: Any) -> dict[str, Any]:
    return {
        "external_id": external_id,
        "customer_external_id": customer,
        "name": "实施项目",
        "amount": "1000.00",
        "currency": "CNY",
        "owner": "u-sales-1",
        "signed_on": "2026-01-10",
        "installments": [
            {"name": "签约款", "due_date": "2026-02-01", "percent": "30"},
            {"name": "验收款", "due_date": "2026-12-31", "percent": "70"},
        ],
        **data,
    }


def invoice(external_id: str = "FP-1", customer: str = "C-1", **data: Any) -> dict[str, Any]:
    return {
        "external_id": external_id,
        "customer_external_id": customer,
        "amount": "100.00",
        "currency": "CNY",
        "issued_on": "2026-10-01",
        "due_date": "2026-10-31",
        **data,
    }


def payment(external_id: str = "P-1", customer: str = "C-1", **data: Any) -> dict[str, Any]:
    return {
        "external_id": external_id,
        "customer_external_id": customer,
        "amount": "100.00",
        "currency": "CNY",
        "received_on": "2026-11-20",
        **data,
    }
