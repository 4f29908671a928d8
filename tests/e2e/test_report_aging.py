"""GET /v1/reports/aging on a hand-built book (tests/e2e/report_books.py)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.e2e.receivables import ok
from tests.e2e.report_books import aging_book, plan_book
from tests.fakes import FixedClock

BUCKETS = ("current", "1_30", "31_60", "61_90", "91_plus")


def buckets(*amounts: str) -> dict[str, str]:
    return dict(zip(BUCKETS, amounts, strict=True))


async def aging(api: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    return ok(await api.get("/v1/reports/aging", params=params))


def totals(report: dict[str, Any]) -> dict[str, tuple[dict[str, str], str]]:
    return {t["currency"]: (t["buckets"], t["total"]) for t in report["totals"]}


async def test_aging_today_by_customer(api: httpx.AsyncClient, clock: FixedClock) -> None:
    book = await aging_book(api, clock)
    report = await aging(api)
    assert (report["as_of"], report["basis"], report["group_by"]) == (
        "2026-11-27",
        "invoice",
        "customer",
    )
    # a1 1000 (27 days), a2 500 + a6 400 current, a3 1200 (119 days), a7 400 (88 days);
    # a4 written off and a5 voided count nothing.
    cny = buckets("900.00", "1000.00", "0.00", "400.00", "1200.00")
    assert totals(report) == {
        "CNY": (cny, "3500.00"),
        "JPY": (buckets("5000", "0", "0", "0", "0"), "5000"),
        "USD": (buckets("0.00", "0.00", "100.00", "0.00", "0.00"), "100.00"),
    }
    groups = {(g["currency"], g["customer_name"]): g for g in report["groups"]}
    assert set(groups) == {
        ("CNY", "上海回款科技有限公司"),
        ("USD", "Acme Ltd"),
        ("JPY", "東京商事"),
    }
    a = groups[("CNY", "上海回款科技有限公司")]
    assert (a["customer_id"], a["buckets"], a["total"], a["owner"]) == (
        book.a["id"],
        cny,
        "3500.00",
        None,
    )


async def test_aging_as_of_a_past_day_rebuilds_what_was_outstanding(
    api: httpx.AsyncClient, clock: FixedClock
) -> None:
    await aging_book(api, clock)
    # 11-15: a1 paid (bounced later), a2 and a6 not issued, a3 2000 (the 800 came 11-20 and
    # the 200 applied to it was a mistake), a4 300 (written off later, 61 days), a5 700
    # (voided later, 31 days), a7 400 (76 days); b1 26 days; c1 not yet due.
    report = await aging(api, as_of="2026-11-15", group_by="none")
    assert report["groups"] == []
    assert totals(report) == {
        "CNY": (buckets("0.00", "0.00", "700.00", "700.00", "2000.00"), "3400.00"),
        "JPY": (buckets("5000", "0", "0", "0", "0"), "5000"),
        "USD": (buckets("0.00", "100.00", "0.00", "0.00", "0.00"), "100.00"),
    }


async def test_a_bounce_counts_from_the_day_it_happened_in_the_service_time_zone(
    api: httpx.AsyncClient, clock: FixedClock
) -> None:
    await aging_book(api, clock)
    # The bounce was at 11-25 17:00 UTC, 11-26 in Shanghai: on 11-25 a1 was still paid.
    on_25 = await aging(api, as_of="2026-11-25", group_by="none", currency="CNY")
    assert totals(on_25) == {
        "CNY": (buckets("500.00", "0.00", "0.00", "700.00", "1200.00"), "2400.00")
    }
    on_26 = await aging(api, as_of="2026-11-26", group_by="none", currency="CNY")
    assert totals(on_26) == {
        "CNY": (buckets("900.00", "1000.00", "0.00", "700.00", "1200.00"), "3800.00")
    }


async def test_aging_filters_one_currency(api: httpx.AsyncClient, clock: FixedClock) -> None:
    await aging_book(api, clock)
    report = await aging(api, currency="usd")
    assert report["currency"] == "USD"
    assert [g["customer_name"] for g in report["groups"]] == ["Acme Ltd"]
    assert list(totals(report)) == ["USD"]
    assert (await aging(api, currency="EUR"))["totals"] == []


async def test_aging_of_an_empty_book(api: httpx.AsyncClient) -> None:
    report = await aging(api, as_of="2020-01-01")
    assert (report["groups"], report["totals"]) == ([], [])


async def test_bad_aging_parameters_are_422(api: httpx.AsyncClient) -> None:
    for params in (
        {"group_by": "region"},
        {"currency": "XXX"},
        {"basis": "contract"},
        {"as_of": "2026-02-30"},
    ):
        answer = await api.get("/v1/reports/aging", params=params)
        assert answer.status_code == 422, params
        assert answer.headers["content-type"] == "application/problem+json"


def by_owner(report: dict[str, Any]) -> dict[str | None, tuple[dict[str, str], str]]:
    return {g["owner"]: (g["buckets"], g["total"]) for g in report["groups"]}


async def test_aging_by_owner_on_invoices(api: httpx.AsyncClient) -> None:
    await plan_book(api)
    report = await aging(api, group_by="owner")
    # u-li: the 交付款 invoice's 1500 left, 22 days; nobody: d0, not yet due.
    assert by_owner(report) == {
        "u-li": (buckets("0.00", "1500.00", "0.00", "0.00", "0.00"), "1500.00"),
        None: (buckets("800.00", "0.00", "0.00", "0.00", "0.00"), "800.00"),
    }
    assert [g["owner"] for g in report["groups"]] == ["u-li", None]  # largest first
    assert totals(report)["CNY"][1] == "2300.00"


async def test_aging_on_installments_ages_the_plan_by_its_due_dates(
    api: httpx.AsyncClient,
) -> None:
    await plan_book(api)
    report = await aging(api, group_by="owner", basis="installment")
    # u-li: 签约款 paid; 交付款 4000 - 2500 invoiced + 1500 outstanding = 3000, due 10-01
    # (57 days); 验收款 3000 not yet due. u-wang: 2000 due 12-31. d0 by its own due date.
    assert by_owner(report) == {
        "u-li": (buckets("3000.00", "0.00", "3000.00", "0.00", "0.00"), "6000.00"),
        "u-wang": (buckets("2000.00", "0.00", "0.00", "0.00", "0.00"), "2000.00"),
        None: (buckets("800.00", "0.00", "0.00", "0.00", "0.00"), "800.00"),
    }
    assert totals(report)["CNY"] == (
        buckets("5800.00", "0.00", "3000.00", "0.00", "0.00"),
        "8800.00",
    )


async def test_aging_on_installments_in_the_past(api: httpx.AsyncClient) -> None:
    await plan_book(api)
    # 11-07: the 1000 of 11-10 not in yet, so 交付款 is 4000 (37 days).
    on_7 = await aging(api, group_by="none", basis="installment", as_of="2026-11-07")
    assert totals(on_7)["CNY"] == (
        buckets("5800.00", "0.00", "4000.00", "0.00", "0.00"),
        "9800.00",
    )
    # 01-12: u-li's contract is signed, nothing invoiced; u-wang's is not signed yet.
    on_jan = await aging(api, group_by="customer", basis="installment", as_of="2026-01-12")
    assert totals(on_jan)["CNY"] == (
        buckets("10000.00", "0.00", "0.00", "0.00", "0.00"),
        "10000.00",
    )
    assert (await aging(api, as_of="2026-01-12"))["totals"] == []


async def test_every_grouping_keeps_the_totals(api: httpx.AsyncClient, clock: FixedClock) -> None:
    """Past days (bounced and written-off money), both bases: the totals of every grouping
    are the whole book's."""
    await aging_book(api, clock)
    for as_of in ("2026-11-27", "2026-11-10", "2026-10-15"):
        for basis in ("invoice", "installment"):
            whole = await aging(api, as_of=as_of, basis=basis, group_by="none")
            for group_by in ("customer", "owner", "org_unit", "project"):
                grouped = await aging(api, as_of=as_of, basis=basis, group_by=group_by)
                assert totals(grouped) == totals(whole), (as_of, basis, group_by)
