"""A customer's currency is optional: one created without it, by the API or by ingestion,
gets HUIKUAN_DEFAULT_CURRENCY (CNY by default); an update without it keeps the one it has."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from app.bootstrap import build_runtime
from app.services.platform import Platform
from app.settings import Settings
from tests.e2e.ingest_http import ingest, one
from tests.e2e.receivables import ok
from tests.ingest_events import event


async def test_the_api_creates_a_customer_without_a_currency_in_the_default_one(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    made = ok(await api.post("/v1/customers", json={"name": "杭州甲方"}), 201)
    assert made["currency"] == "CNY"
    platform.default_currency = "JPY"
    yen = ok(await api.post("/v1/customers", json={"name": "東京", "credit_limit": "5000"}), 201)
    assert (yen["currency"], yen["credit_limit"]) == ("JPY", "5000")
    # The default is the customer's currency before anything is checked against it.
    fractional = await api.post("/v1/customers", json={"name": "大阪", "credit_limit": "1.50"})
    assert fractional.status_code == 422
    # Given, it wins.
    given = ok(await api.post("/v1/customers", json={"name": "HK", "currency": "HKD"}), 201)
    assert given["currency"] == "HKD"


async def test_ingestion_creates_in_the_default_and_updates_keep_the_currency(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    bare = {"external_id": "C-1", "name": "深圳乙方"}
    assert await ingest(api, event("customer.upserted", bare)) == ["accepted"]
    assert (await one(api, "/v1/customers", "C-1"))["currency"] == "CNY"

    platform.default_currency = "EUR"
    dollars = {"external_id": "C-2", "name": "US Co", "currency": "USD"}
    assert await ingest(api, event("customer.upserted", dollars)) == ["accepted"]
    renamed = {"external_id": "C-2", "name": "US Co Ltd", "credit_limit": "100.00"}
    assert await ingest(api, event("customer.upserted", renamed)) == ["accepted"]
    updated = await one(api, "/v1/customers", "C-2")
    assert (updated["name"], updated["currency"]) == ("US Co Ltd", "USD")
    assert updated["credit_limit"] == "100.00"
    euro = {"external_id": "C-3", "name": "Berlin GmbH"}
    assert await ingest(api, event("customer.upserted", euro)) == ["accepted"]
    assert (await one(api, "/v1/customers", "C-3"))["currency"] == "EUR"


def test_the_setting_must_name_a_supported_currency() -> None:
    assert Settings().default_currency == "CNY"
    assert Settings(default_currency=" usd ").default_currency == "USD"
    for wrong in ("XYZ", "", "RMB"):
        with pytest.raises(ValueError, match="ISO 4217"):
            Settings(default_currency=wrong)


async def test_the_setting_reaches_the_platform(database_url: str, db: AsyncEngine) -> None:
    settings = Settings(database_url=database_url, migrate_on_start=False, default_currency="SGD")
    runtime = await build_runtime(settings, with_background=False)
    try:
        assert runtime.platform.default_currency == "SGD"
    finally:
        await runtime.close()
