"""POST /v1/imports: CSV and XLSX files applied in the background as inbound events."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator

import httpx
from python_calamine import CalamineWorkbook
from sqlalchemy.ext.asyncio import AsyncEngine

from app.api.app import create_app
from app.services.platform import Platform
from tests.e2e.imports_http import (
    csv_file,
    errors,
    job,
    run_jobs,
    submit,
    upload,
    worker,
    xlsx_file,
)
from tests.e2e.ingest_http import one
from tests.e2e.receivables import count_rows, ok

CUSTOMERS_ZH = [["客户编号", "客户名称", "币种", "账期天数"], ["C-1", "华东建设", "CNY", "45"]]
INVOICE_HEADER = [
    "external_id",
    "customer_external_id",
    "amount",
    "currency",
    "issued_on",
    "due_date",
]


async def test_a_template_filled_in_and_uploaded_creates_the_records(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    template = await api.get(
        "/v1/imports/templates/customers", params={"format": "csv", "lang": "zh"}
    )
    assert template.status_code == 200
    header, example = csv.reader(io.StringIO(template.content.decode("utf-8-sig")))
    assert header[:2] == ["客户编号", "客户名称"]
    assert example[0] == "C-1001"
    created = await submit(api, csv_file(CUSTOMERS_ZH), "customers")
    assert (created["status"], created["applied"]) == ("queued", 0)
    await run_jobs(platform)
    done = await job(api, created["id"])
    assert (done["status"], done["total_rows"], done["applied"]) == ("succeeded", 1, 1)
    customer = await one(api, "/v1/customers", "C-1")
    assert (customer["name"], customer["payment_terms_days"]) == ("华东建设", 45)


async def test_xlsx_templates_have_the_columns_and_an_example_row(api: httpx.AsyncClient) -> None:
    response = await api.get("/v1/imports/templates/invoices", params={"lang": "en"})
    assert response.status_code == 200
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    rows = book.get_sheet_by_index(0).to_python()
    assert rows[0][0] == "external_id"
    assert rows[1][0] == "INV-2026-0001"


async def test_rejected_rows_and_duplicates_are_listed_and_the_same_file_applies_once(
    api: httpx.AsyncClient, platform: Platform, db: AsyncEngine
) -> None:
    await submit(api, csv_file(CUSTOMERS_ZH), "customers")
    rows = [
        INVOICE_HEADER,
        ["INV-1", "C-1", "100.00", "CNY", "2026-01-01", "2026-02-01"],
        ["INV-2", "C-1", "-5", "CNY", "2026-01-01", "2026-02-01"],
        ["INV-1", "C-1", "100.00", "CNY", "2026-01-01", "2026-02-01"],
        ["INV-3", "C-1", "50.00", "CNY", "2026-01-01", "2026-02-01", "extra"],
    ]
    content = csv_file(rows)
    created = await submit(api, content, "invoices")
    await run_jobs(platform)
    done = await job(api, created["id"])
    assert (done["status"], done["applied"], done["rejected"]) == ("partially_succeeded", 1, 3)
    listed = await errors(api, created["id"])
    assert listed[0] == ["row", "column", "value", "message"]
    by_row = {int(r[0]): r for r in listed[1:]}
    assert by_row[3][1:3] == ["amount", "-5"]
    assert "duplicate of row 2" in by_row[4][3]
    assert "cells" in by_row[5][3]
    again = await submit(api, content, "invoices")
    assert again["id"] == created["id"]
    await run_jobs(platform)
    assert await count_rows(db, "invoices") == 1


async def test_a_dry_run_writes_nothing_and_does_not_count_as_the_upload(
    api: httpx.AsyncClient, platform: Platform, db: AsyncEngine
) -> None:
    content = csv_file(CUSTOMERS_ZH)
    dry = await submit(api, content, "customers", dry_run="true")
    await run_jobs(platform)
    checked = await job(api, dry["id"])
    assert (checked["status"], checked["dry_run"], checked["applied"]) == ("succeeded", True, 1)
    assert await count_rows(db, "customers") == 0
    real = await submit(api, content, "customers")
    assert real["id"] != dry["id"]
    await run_jobs(platform)
    assert await count_rows(db, "customers") == 1


async def test_contracts_take_one_row_per_installment_from_xlsx_with_formulas(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    await submit(api, csv_file(CUSTOMERS_ZH), "customers")
    header = ["合同编号", "客户编号", "合同名称", "合同金额", "币种", "负责人", "签订日期",
              "期次名称", "期次到期日", "期次金额"]  # fmt: skip
    first = ["HT-1", "C-1", "安装", 1000, "CNY", "张三", "2026-01-01", "预付款", "2026-02-01", 300]
    second = ["HT-1", "C-1", "安装", 1000, "CNY", "张三", "2026-01-01", "尾款", "2026-06-01", 0]
    content = xlsx_file([header, first, second], formulas={(2, 9): ("=J2+400", 700)})
    created = await submit(api, content, "contracts", name="contracts.xlsx")
    await run_jobs(platform)
    done = await job(api, created["id"])
    assert (done["status"], done["applied"]) == ("succeeded", 2), await errors(api, created["id"])
    contract = await one(api, "/v1/contracts", "HT-1")
    assert [i["amount"] for i in contract["installments"]] == ["300.00", "700.00"]


async def test_gb18030_csv_is_read_and_undecodable_text_is_refused_with_its_row(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    created = await submit(api, csv_file(CUSTOMERS_ZH, "gb18030"), "customers")
    await run_jobs(platform)
    assert (await job(api, created["id"]))["status"] == "succeeded"
    bad = csv_file(CUSTOMERS_ZH) + b"C-2,\xff\xfe\xff,CNY,30\r\n"
    response = await upload(api, bad, "customers")
    assert response.status_code == 422
    assert response.json()["row"] == 3


async def test_bad_uploads_are_problems_or_fail_the_job_naming_the_column(
    api: httpx.AsyncClient,
) -> None:
    assert (await upload(api, csv_file(CUSTOMERS_ZH), "suppliers")).status_code == 422
    assert (await upload(api, b"", "customers")).status_code == 422
    truncated = xlsx_file([["external_id", "name"]])[:200]
    assert (await upload(api, truncated, "customers", name="c.xlsx")).status_code == 422
    missing = csv_file([["客户编号", "币种"], ["C-1", "CNY"]])
    failed = await submit(api, missing, "customers")
    assert failed["status"] == "failed"
    assert "name" in failed["problem"]
    assert (await errors(api, failed["id"]))[1][:2] == ["1", "name"]
    listed = ok(await api.get("/v1/imports", params={"status": "failed"}))["data"]
    assert [j["id"] for j in listed] == [failed["id"]]
    assert (await api.get(f"/v1/imports/{failed['id'][:-4]}0000")).status_code == 404


async def test_a_file_over_the_byte_limit_is_413_declared_or_streamed(
    platform: Platform, admin_secret: str
) -> None:
    app = create_app(platform, import_max_bytes=4096)
    bomb = b"external_id,name\r\n" + b"a,b\r\n" * 100_000  # 10^5 tiny rows, 500 kB
    headers = {"Authorization": f"Bearer {admin_secret}"}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t", headers=headers) as api:
        declared = await upload(api, bomb, "customers")
        assert declared.status_code == 413
        boundary = "hk-boundary"
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\ncustomers\r\n'
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="b.csv"\r\n'
                "Content-Type: text/csv\r\n\r\n"
            ).encode()
            + bomb
            + f"\r\n--{boundary}--\r\n".encode()
        )

        async def chunks() -> AsyncIterator[bytes]:
            for start in range(0, len(body), 65536):
                yield body[start : start + 65536]

        content_type = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        streamed = await api.post("/v1/imports", content=chunks(), headers=content_type)
        assert streamed.status_code == 413
        assert "HUIKUAN_IMPORT_MAX_BYTES" in streamed.json()["detail"]


async def test_invoices_created_together_still_raise_the_credit_flag(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    customers = [["external_id", "name", "currency", "credit_limit"], ["C-1", "华东", "CNY", "100"]]
    await submit(api, csv_file(customers), "customers")
    rows = [
        INVOICE_HEADER,
        ["INV-1", "C-1", "80.00", "CNY", "2026-01-01", "2026-02-01"],
        ["INV-2", "C-1", "80.00", "CNY", "2026-01-01", "2026-02-01"],
    ]
    await submit(api, csv_file(rows), "invoices")
    await run_jobs(platform)
    flags = ok(await api.get("/v1/risk-flags", params={"kind": "credit"}))["data"]
    assert len(flags) == 1


async def test_org_units_people_and_projects_import_in_their_order(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    units = [["部门编码", "部门名称", "上级部门编码"], ["HQ", "总部", ""], ["EAST", "华东", "HQ"]]
    people = [["用户编号", "姓名", "部门编码", "在职"], ["zhang", "张三", "EAST", "是"]]
    projects = [
        ["项目编号", "项目名称", "客户编号", "部门编码", "项目经理", "状态"],
        ["XM-1", "机电安装", "C-1", "EAST", "zhang", "active"],
    ]
    await submit(api, csv_file(CUSTOMERS_ZH), "customers")
    for kind, rows in (("org_units", units), ("people", people), ("projects", projects)):
        created = await submit(api, csv_file(rows), kind)
        await run_jobs(platform)
        done = await job(api, created["id"])
        assert done["status"] == "succeeded", await errors(api, created["id"])
    template = await api.get("/v1/imports/templates/people", params={"format": "csv"})
    assert template.content.decode("utf-8-sig").startswith("用户编号,姓名")


async def test_a_stopping_worker_releases_its_job_for_another_at_once(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    created = await submit(api, csv_file(CUSTOMERS_ZH), "customers")
    first = worker(platform, lease_s=3600)
    async with platform.uow() as uow:
        claimed = await uow.imports.claim(first.name, platform.clock.now(), 3600)
        await uow.commit()
    assert claimed is not None
    assert await worker(platform).run_next() is None  # leased to the first
    await first.stop()
    taken = await worker(platform).run_next()
    assert taken is not None
    assert (await job(api, created["id"]))["status"] == "succeeded"
