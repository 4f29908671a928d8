"""An import job whose process is killed mid-file resumes in another process after its
last committed batch, and nothing is applied twice; the `huikuan import` command uploads
a file and exits 0 only when every row applied."""

from __future__ import annotations

import asyncio
import csv
import io
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.reliability.conftest import Figure, Spawn
from tests.reliability.processes import KEY, ROOT

pytestmark = pytest.mark.reliability

ROWS = 6000
FAST_IMPORTS = {"HUIKUAN_IMPORT_LEASE_S": "2", "HUIKUAN_IMPORT_POLL_S": "0.2"}


def customers_csv(rows: int, prefix: str = "C") -> bytes:
    text_ = io.StringIO()
    writer = csv.writer(text_)
    writer.writerow(["external_id", "name", "currency"])
    writer.writerows([f"{prefix}-{n}", f"客户 {n}", "CNY"] for n in range(rows))
    return text_.getvalue().encode()


async def _count(db: AsyncEngine, sql: str) -> int:
    async with db.connect() as conn:
        return int((await conn.execute(text(sql))).scalar_one())


async def test_a_killed_import_resumes_elsewhere_and_applies_each_row_once(
    spawn: Spawn, db: AsyncEngine, figure: Figure
) -> None:
    first = spawn("serve", **FAST_IMPORTS)
    auth = {"Authorization": f"Bearer {KEY}"}
    async with httpx.AsyncClient(base_url=first.base_url, headers=auth, timeout=60) as api:
        answer = await api.post(
            "/v1/imports",
            data={"kind": "customers"},
            files={"file": ("customers.csv", customers_csv(ROWS))},
        )
        assert answer.status_code == 202, answer.text
        job_id = answer.json()["id"]
        deadline = time.monotonic() + 120
        while (await api.get(f"/v1/imports/{job_id}")).json()["total_rows"] < 1000:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
    first.kill()
    killed_at = await _count(db, f"SELECT total_rows FROM import_jobs WHERE id = '{job_id}'")
    assert killed_at < ROWS  # killed mid-file
    second = spawn("worker", **FAST_IMPORTS)
    started = time.monotonic()
    while await _count(db, "SELECT count(*) FROM import_jobs WHERE finished_at IS NOT NULL") < 1:
        assert time.monotonic() - started < 180, second.logs()[-3000:]
        await asyncio.sleep(0.2)
    row = (
        f"SELECT status || ':' || applied || ':' || rejected FROM import_jobs WHERE id = '{job_id}'"
    )
    async with db.connect() as conn:
        status = (await conn.execute(text(row))).scalar_one()
    assert status == f"succeeded:{ROWS}:0"
    assert await _count(db, "SELECT count(*) FROM customers") == ROWS
    created = "SELECT count(*) FROM outbox_events WHERE type = 'customer.created'"
    assert await _count(db, created) == ROWS  # each row applied once
    assert await _count(db, "SELECT count(*) FROM import_file_chunks") == 0  # file dropped
    figure(
        f"killed after {killed_at} of {ROWS} rows; resumed in {time.monotonic() - started:.1f} s"
    )


def test_the_import_command_shows_progress_and_exits_0_when_every_row_applied(
    spawn: Spawn, tmp_path: Path
) -> None:
    service = spawn("serve", **FAST_IMPORTS)
    good = tmp_path / "customers.csv"
    good.write_bytes(customers_csv(50, "G"))
    bad = tmp_path / "bad.csv"
    bad.write_bytes(customers_csv(3, "B") + b"B-9,,CNY\r\n")

    def run(path: Path) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "app.cli", "import", str(path), "--kind", "customers"]
        return subprocess.run(
            [*command, "--url", service.base_url, "--key", KEY],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    done = run(good)
    assert done.returncode == 0, done.stderr
    assert "succeeded: 50 applied" in done.stdout
    partly = run(bad)
    assert partly.returncode == 1
    assert "1 rejected of 4 rows" in partly.stdout
    assert "/errors" in partly.stderr
