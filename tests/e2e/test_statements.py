"""Customer statements over HTTP: balances and lines, every format (the PDF's Chinese text
read back with pypdf), bad input; and opening + debits − credits = closing for every
customer of a seeded random book, equal to the book balance (today is 2026-11-27)."""

from __future__ import annotations

import io
import random
import zipfile
from decimal import Decimal
from typing import Any

import httpx
from pypdf import PdfReader

from app.services.platform import Platform
from tests.e2e.receivables import customer, invoice, ok, payment

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NAME = "华东建设集团有限公司"


async def small_book(api: httpx.AsyncClient) -> dict[str, Any]:
    """Before October: INV-1 (1,000). In it: INV-2 (500), INV-3 (80, voided), INV-4 (70,
    written off), PAY-1 (1,200: 1,000 to INV-1, 100 to INV-2, 100 left), PAY-2 (30,
    reversed); and INV-USD (40) apart."""
    c = await customer(api, name=NAME)
    cid = c["id"]

    async def bill(ref: str, amount: str, day: str, **extra: Any) -> dict[str, Any]:
        return await invoice(
            api, cid, external_id=ref, amount=amount, issued_on=day, due_date=day, **extra
        )

    first = await bill("INV-1", "1000.00", "2026-09-20")
    second = await bill("INV-2", "500.00", "2026-11-04")
    void = await bill("INV-3", "80.00", "2026-10-06")
    lost = await bill("INV-4", "70.00", "2026-10-07")
    await bill("INV-USD", "40.00", "2026-10-08", currency="USD")
    split = [
        {"invoice_id": first["id"], "amount": "1000.00"},
        {"invoice_id": second["id"], "amount": "100.00"},
    ]
    await payment(api, cid, external_id="PAY-1", amount="1200.00", received_on="2026-10-10",
                  allocations=split)  # fmt: skip
    ok(await api.post(f"/v1/invoices/{void['id']}/void", json={"reason": "开错"}))
    ok(await api.post(f"/v1/invoices/{lost['id']}/write-off", json={"reason": "无法收回"}))
    bounced = await payment(api, cid, external_id="PAY-2", amount="30.00",
                            received_on="2026-10-12", allocations=[])  # fmt: skip
    ok(await api.post(f"/v1/payments/{bounced['id']}/reverse", json={"reason": "退票"}))
    return c


async def test_a_statement_in_json(api: httpx.AsyncClient) -> None:
    c = await small_book(api)
    params = {"from": "2026-10-01", "to": "2026-11-27"}
    got = ok(await api.get(f"/v1/customers/{c['id']}/statement", params=params))
    assert (got["customer_name"], got["from"], got["to"]) == (NAME, "2026-10-01", "2026-11-27")
    assert (got["currencies"], got["company_name"]) == (["CNY", "USD"], "Huikuan")
    assert got["opening_balance"] == {"CNY": "1000.00", "USD": "0.00"}
    lines = [tuple(x.values()) for x in got["lines"]]
    assert lines == [
        ("2026-10-06", "invoice", "INV-3", "CNY", "80.00", "0.00", "1080.00"),
        ("2026-10-07", "invoice", "INV-4", "CNY", "70.00", "0.00", "1150.00"),
        ("2026-10-10", "allocation", "PAY-1 → INV-1", "CNY", "0.00", "1000.00", "150.00"),
        ("2026-10-10", "allocation", "PAY-1 → INV-2", "CNY", "0.00", "100.00", "50.00"),
        ("2026-10-10", "unallocated", "PAY-1", "CNY", "0.00", "100.00", "-50.00"),
        ("2026-10-12", "unallocated", "PAY-2", "CNY", "0.00", "30.00", "-80.00"),
        ("2026-11-04", "invoice", "INV-2", "CNY", "500.00", "0.00", "420.00"),
        ("2026-11-27", "write_off", "INV-4", "CNY", "0.00", "70.00", "350.00"),
        ("2026-11-27", "void", "INV-3", "CNY", "0.00", "80.00", "270.00"),
        ("2026-11-27", "reversal", "PAY-2", "CNY", "30.00", "0.00", "300.00"),
        ("2026-10-08", "invoice", "INV-USD", "USD", "40.00", "0.00", "40.00"),
    ]
    assert got["closing_balance"] == {"CNY": "300.00", "USD": "40.00"}
    assert got["totals"] == {
        "CNY": {"debits": "680.00", "credits": "1380.00"},
        "USD": {"debits": "40.00", "credits": "0.00"},
    }
    # INV-2's 400 is 23 days overdue; 100 of PAY-1 is applied to nothing.
    assert got["ageing"]["CNY"] == {
        "current": "0.00", "1_30": "400.00", "31_60": "0.00", "61_90": "0.00",
        "91_plus": "0.00", "unallocated": "-100.00",
    }  # fmt: skip
    assert got["ageing"]["USD"]["31_60"] == "40.00"
    only = ok(await api.get(f"/v1/customers/{c['id']}/statement", params={"currency": "USD"}))
    assert (only["currencies"], only["from"], only["to"]) == (["USD"], "2026-11-01", "2026-11-27")
    assert (only["opening_balance"], only["lines"]) == ({"USD": "40.00"}, [])
    assert only["closing_balance"] == {"USD": "40.00"}


async def test_a_statement_as_csv_xlsx_and_pdf(api: httpx.AsyncClient, platform: Platform) -> None:
    platform.company_name = "上海回款科技有限公司"
    c = await small_book(api)
    url = f"/v1/customers/{c['id']}/statement?from=2026-10-01"
    csv = await api.get(url, headers={"Accept": "text/csv"})
    assert csv.status_code == 200
    assert csv.headers["content-type"] == "text/csv; charset=utf-8"
    assert csv.content.startswith("\ufeff".encode())
    rows = csv.content.decode("utf-8-sig").splitlines()
    assert rows[0] == "date,kind,ref,currency,debit,credit,balance"
    assert rows[1] == "2026-10-01,opening_balance,,CNY,,,1000.00"
    assert "2026-10-10,allocation,PAY-1 → INV-1,CNY,0.00,1000.00,150.00" in rows
    assert "2026-11-27,closing_balance,,CNY,,,300.00" in rows
    assert rows[-1] == "2026-11-27,closing_balance,,USD,,,40.00"

    xlsx = await api.get(url, headers={"Accept": XLSX})
    assert xlsx.status_code == 200
    assert xlsx.headers["content-type"] == XLSX
    with zipfile.ZipFile(io.BytesIO(xlsx.content)) as book:
        text = "".join(book.read(n).decode() for n in book.namelist() if n.endswith(".xml"))
    assert NAME in text
    assert "上海回款科技有限公司" in text
    assert "INV-USD" in text
    assert "ageing 1_30" in text
    assert "ageing unallocated" in text

    pdf = await api.get(url, headers={"Accept": "application/pdf"})
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.content))
    words = "".join(page.extract_text() for page in reader.pages)
    assert NAME in words
    assert "上海回款科技有限公司" in words
    assert "对账单" in words
    assert "300.00" in words
    assert "INV-USD" in words


async def test_bad_statement_requests(api: httpx.AsyncClient) -> None:
    c = await customer(api)
    url = f"/v1/customers/{c['id']}/statement"
    backwards = await api.get(url, params={"from": "2026-11-02", "to": "2026-11-01"})
    assert backwards.status_code == 422
    assert backwards.json()["errors"][0]["loc"] == ["from"]
    missing = await api.get("/v1/customers/0190a4f2-0000-7000-8000-000000000000/statement")
    assert missing.status_code == 404
    assert (await api.get(url, headers={"Accept": "image/png"})).status_code == 406
    assert (await api.get(url, params={"currency": "XXX"})).status_code == 422
    empty = ok(await api.get(url))
    assert (empty["opening_balance"], empty["lines"], empty["closing_balance"]) == (
        {"CNY": "0.00"},
        [],
        {"CNY": "0.00"},
    )


async def random_book(api: httpx.AsyncClient, rng: random.Random) -> list[str]:
    """Customers with invoices in two currencies, payments allocated by hand, automatically
    or not at all, voids, write-offs and reversals, on random days of 2026."""
    ids = []
    for number in range(4):
        cid = (await customer(api, name=f"客户{number}"))["id"]
        ids.append(cid)
        invoices: list[dict[str, Any]] = []
        for _ in range(rng.randint(3, 8)):
            day = f"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}"
            currency = rng.choice(["CNY", "CNY", "USD"])
            amount = f"{rng.randint(100, 500000) / 100:.2f}"
            invoices.append(
                await invoice(
                    api, cid, amount=amount, currency=currency, issued_on=day, due_date=day
                )
            )
        for made in invoices:
            roll = rng.random()
            if roll < 0.15:
                ok(await api.post(f"/v1/invoices/{made['id']}/void", json={"reason": "开错"}))
            elif roll < 0.25:
                ok(await api.post(f"/v1/invoices/{made['id']}/write-off", json={"reason": "坏账"}))
        for _ in range(rng.randint(1, 5)):
            day = f"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}"
            currency = rng.choice(["CNY", "USD"])
            amount = f"{rng.randint(100, 300000) / 100:.2f}"
            body: dict[str, Any] = {"amount": amount, "currency": currency, "received_on": day}
            if rng.random() < 0.3:
                body["allocations"] = []
            paid = await payment(api, cid, **body)
            if rng.random() < 0.2:
                ok(await api.post(f"/v1/payments/{paid['id']}/reverse", json={"reason": "退票"}))
    return ids


async def test_opening_plus_debits_minus_credits_is_closing_for_every_customer(
    api: httpx.AsyncClient,
) -> None:
    rng = random.Random(20261207)
    for cid in await random_book(api, rng):
        for start, end in (
            ("2026-01-01", "2026-11-27"),
            ("2026-04-10", "2026-08-31"),
            ("2026-06-01", "2026-06-30"),
        ):
            got = ok(
                await api.get(f"/v1/customers/{cid}/statement", params={"from": start, "to": end})
            )
            for currency in got["currencies"]:
                mine = [x for x in got["lines"] if x["currency"] == currency]
                debits = sum((Decimal(x["debit"]) for x in mine), Decimal(0))
                credits = sum((Decimal(x["credit"]) for x in mine), Decimal(0))
                opening = Decimal(got["opening_balance"][currency])
                closing = Decimal(got["closing_balance"][currency])
                assert opening + debits - credits == closing
                assert (
                    sum((Decimal(v) for v in got["ageing"][currency].values()), Decimal(0))
                    == closing
                )
                # The next period opens where this one closed, and the book agrees.
                confirmation = ok(
                    await api.post(
                        f"/v1/customers/{cid}/confirmations",
                        json={"currency": currency, "as_of": end},
                    ),
                    201,
                )
                assert Decimal(confirmation["book_balance"]) == closing
