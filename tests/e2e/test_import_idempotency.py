"""An Idempotency-Key on POST /v1/imports holds the upload to its file and fields: the same
file again replays the job's answer, another file (or kind) under the key is 422."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from app.services.platform import Platform
from tests.e2e.imports_http import URL, csv_file, job, run_jobs, xlsx_file
from tests.e2e.receivables import count_rows

CUSTOMERS = [["external_id", "name"], ["C-1", "华东建设"]]
OTHER = [["external_id", "name"], ["C-2", "华南建设"]]
REUSED = "urn:huikuan:problem:idempotency-key-reused"


async def send(
    api: httpx.AsyncClient, content: bytes, key: str, kind: str = "customers", name: str = "c.csv"
) -> httpx.Response:
    return await api.post(
        URL,
        data={"kind": kind},
        files={"file": (name, content)},
        headers={"Idempotency-Key": key},
    )


async def test_the_same_key_and_file_replays_the_job_and_another_file_is_refused(
    api: httpx.AsyncClient, platform: Platform, db: AsyncEngine
) -> None:
    content = csv_file(CUSTOMERS)
    first = await send(api, content, "nightly-1")
    assert first.status_code == 202, first.text
    again = await send(api, content, "nightly-1", name="renamed.csv")  # a new boundary too
    assert again.status_code == 202
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    other = await send(api, csv_file(OTHER), "nightly-1")
    assert other.status_code == 422, other.text
    assert other.json()["type"] == REUSED
    other_kind = await send(api, content, "nightly-1", kind="people")
    assert (other_kind.status_code, other_kind.json()["type"]) == (422, REUSED)
    await run_jobs(platform)
    assert (await job(api, first.json()["id"]))["status"] == "succeeded"
    assert await count_rows(db, "customers") == 1  # the refused file applied nothing


async def test_another_key_with_another_xlsx_is_its_own_job(api: httpx.AsyncClient) -> None:
    first = await send(api, xlsx_file(CUSTOMERS), "k-1", name="c.xlsx")
    second = await send(api, xlsx_file(OTHER), "k-2", name="c.xlsx")
    assert first.status_code == second.status_code == 202
    assert first.json()["id"] != second.json()["id"]
    assert "idempotent-replayed" not in second.headers
