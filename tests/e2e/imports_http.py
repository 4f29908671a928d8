"""Uploading files to /v1/imports in the e2e tests, and running the jobs they queue."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import xlsxwriter

from app.adapters.intake.import_worker import ImportWorker
from app.domain.events import Actor
from app.services.intake.import_ports import ImportJob
from app.services.platform import Platform
from tests.e2e.receivables import ok

URL = "/v1/imports"


def csv_file(rows: list[list[Any]], encoding: str = "utf-8") -> bytes:
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerows(rows)
    return text.getvalue().encode(encoding)


def xlsx_file(
    rows: list[list[Any]], formulas: dict[tuple[int, int], tuple[str, Any]] | None = None
) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet()
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    for (r, c), (formula, value) in (formulas or {}).items():
        sheet.write_formula(r, c, formula, None, value)
    book.close()
    return buffer.getvalue()


async def upload(
    api: httpx.AsyncClient,
    content: bytes,
    kind: str,
    name: str = "data.csv",
    **form: str,
) -> httpx.Response:
    return await api.post(URL, data={"kind": kind, **form}, files={"file": (name, content)})


async def submit(api: httpx.AsyncClient, content: bytes, kind: str, **form: str) -> dict[str, Any]:
    return ok(await upload(api, content, kind, **form), 202)


def worker(platform: Platform, lease_s: float = 30) -> ImportWorker:
    return ImportWorker(
        platform.uow, platform.context(Actor.system("import")), lease_s=lease_s, poll_s=1
    )


async def run_jobs(platform: Platform) -> list[ImportJob]:
    done = []
    runner = worker(platform)
    while (job := await runner.run_next()) is not None:
        done.append(job)
    return done


async def job(api: httpx.AsyncClient, job_id: str) -> dict[str, Any]:
    return ok(await api.get(f"{URL}/{job_id}"))


async def errors(api: httpx.AsyncClient, job_id: str) -> list[list[str]]:
    response = await api.get(f"{URL}/{job_id}/errors")
    assert response.status_code == 200, response.text
    assert response.content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
