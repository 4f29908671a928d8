"""Who manages what: the unit owning a contract, an invoice or a customer, and the manager
of it or of its nearest ancestor that has one (for approvals)."""

from __future__ import annotations

from uuid import UUID

import httpx

from app.services.platform import Platform
from tests.e2e.org_book import org_book
from tests.e2e.receivables import ok


async def test_the_manager_of_a_subject_is_found_up_the_tree(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    book = await org_book(api)
    contracts = ok(await api.get("/v1/contracts", params={"owner": "u-sh"}))["data"]
    k1 = next(c for c in contracts if c["project_id"] is None)
    invoices = ok(await api.get("/v1/invoices", params={"contract_id": k1["id"]}))["data"]
    units = platform.uow()
    async with units:
        found = units.subject_units
        assert await found.unit_of("contract", UUID(k1["id"])) == UUID(book.units["SH"]["id"])
        # SH and EAST have no manager: HQ's answers.
        assert await found.manager_of("contract", UUID(k1["id"])) == "u-ceo"
        assert await found.manager_of("invoice", UUID(invoices[0]["id"])) == "u-ceo"
        # The customer's contracts and projects point to several units: none is its own.
        assert await found.unit_of("customer", UUID(book.customer["id"])) is None
        orphan = ok(await api.get("/v1/contracts", params={"owner": "u-orphan"}))["data"]
        plain = next(c for c in orphan if c["project_id"] is None)
        assert await found.manager_of("contract", UUID(plain["id"])) is None
