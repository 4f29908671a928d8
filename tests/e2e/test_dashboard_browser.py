"""The dashboard in a real browser: Debian's chromium driven by Playwright signs in with a
read key, switches period and currency, opens a customer, and takes screenshots at desktop
and phone sizes (saved under pytest's output folder). Any console error, failed request or
error answer fails the test."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Page, ViewportSize, async_playwright
from sqlalchemy.ext.asyncio import AsyncEngine

from app.api.app import create_app
from app.services.access.api_keys import create_api_key
from app.services.platform import Platform
from app.services.unit_of_work import in_transaction
from tests.e2e.live import serving
from tests.e2e.organisation import person, unit
from tests.e2e.report_people import people_book
from tests.fakes import FixedClock

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DESKTOP = ViewportSize(width=1280, height=800)
PHONE = ViewportSize(width=390, height=844)


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("dashboard-screenshots")


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        # Root in CI: chromium's sandbox needs a user namespace it may not have.
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def read_key(platform: Platform) -> str:
    created = await in_transaction(
        platform.uow(), create_api_key, platform.clock, platform.ids, "manager", ["read"]
    )
    return created.secret


def watch(page: Page, problems: list[str]) -> None:
    page.on(
        "console", lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None
    )
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.method} {r.url}"))
    page.on(
        "response",
        lambda r: (
            problems.append(f"{r.status}: {r.request.method} {r.url}") if r.status >= 400 else None
        ),
    )


async def sign_in(page: Page, url: str, key: str) -> None:
    await page.goto(f"{url}/dashboard?lang=zh")
    await page.get_by_label("只读密钥").fill(key)
    await page.locator("#sign-in button[type=submit]").click()
    await page.locator("#review section#aging").wait_for()


async def test_a_manager_signs_in_picks_a_period_and_opens_a_customer(
    api: httpx.AsyncClient,
    clock: FixedClock,
    db: AsyncEngine,
    platform: Platform,
    read_key: str,
    browser: Browser,
    screenshots: Path,
) -> None:
    await people_book(api, clock, db)
    east = await unit(api, "EAST", name="华东区")
    await person(api, "u-li", east)
    problems: list[str] = []
    async with serving(create_app(platform)) as url:
        context = await browser.new_context(viewport=DESKTOP, locale="zh-CN")
        page = await context.new_page()
        watch(page, problems)
        await sign_in(page, url, read_key)
        assert await page.evaluate("sessionStorage.getItem('huikuan.key')") == read_key

        await page.locator("#from").fill("2026-11-01")
        await page.locator("#to").fill("2026-11-20")
        await page.locator("#filters button[type=submit]").click()
        await page.locator("#review p.meta", has_text="2026-11-01").wait_for()
        assert await page.locator("#review svg").count() >= 3
        movement = page.locator("#review section#overdue_movement")
        assert "1500.00" in await movement.inner_text()
        await page.screenshot(path=screenshots / "review-desktop.png", full_page=True)

        await page.locator("#currency").select_option("USD")
        await page.locator("#review p.meta", has_text="USD").wait_for()
        assert "1500.00" not in await page.locator("#review section#overdue_movement").inner_text()
        await page.locator("#currency").select_option("")
        await page.locator("#review p.meta", has_text="全部币种").wait_for()

        await page.locator("#unit").select_option(label="华东区")
        await page.locator("#review p.meta", has_text="华东区").wait_for()
        owners = await page.locator("#review section#by_owner").inner_text()
        assert "u-li" in owners
        assert "u-wang" not in owners  # not in the unit
        await page.screenshot(path=screenshots / "review-unit-desktop.png", full_page=True)
        await page.locator("#unit").select_option("")
        await page.locator("#review p.meta", has_text="全公司").wait_for()

        await page.locator("#review tr[data-customer-id] button", has_text="北京软件").click()
        await page.locator("#customer-name", has_text="北京软件股份有限公司").wait_for()
        body = page.locator("#customer-body")
        await body.locator("table").first.wait_for()
        text = await body.inner_text()
        assert "未结发票" in text
        assert "付款承诺" in text
        assert "沟通记录" in text
        assert "2026-11-25" in text  # the open promise
        assert "对账单" in text
        assert await body.locator("p.na").count() == 0  # the statement panel is served
        await page.screenshot(path=screenshots / "customer-desktop.png", full_page=True)

        await page.locator("#back").click()
        await page.locator("#review section#aging").wait_for()

        phone = await browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True)
        small = await phone.new_page()
        watch(small, problems)
        await sign_in(small, url, read_key)
        width = await small.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"] + 1  # nothing forces sideways scrolling
        await small.screenshot(path=screenshots / "review-phone.png", full_page=True)
        await phone.close()
        await context.close()
    assert problems == []
    for name in ("review-desktop.png", "customer-desktop.png", "review-phone.png"):
        assert (screenshots / name).stat().st_size > 10_000, name


async def test_a_refused_key_stays_on_the_sign_in_form(
    platform: Platform, browser: Browser, db: AsyncEngine
) -> None:
    async with serving(create_app(platform)) as url:
        page = await browser.new_page(viewport=DESKTOP)
        await page.goto(f"{url}/dashboard?lang=en")
        await page.get_by_label("Read key").fill("not-a-key")
        await page.locator("#sign-in button[type=submit]").click()
        await page.locator("#sign-in-error", has_text="refused").wait_for()
        assert await page.evaluate("sessionStorage.getItem('huikuan.key')") is None
        await page.close()


async def test_the_page_and_its_assets_are_served_with_a_strict_policy(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/dashboard", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert '<html lang="en">' in page.text
    assert "回款看板" in page.text  # both catalogues travel in the page
    for asset in ("dashboard.js", "dashboard.css"):
        assert (await client.get(f"/dashboard/assets/{asset}")).status_code == 200
