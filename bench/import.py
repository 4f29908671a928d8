"""Benchmark: importing invoices from CSV and XLSX through ``POST /v1/imports``, beside the
batched ingestion rate (``POST /v1/ingest/events``, batches of 500) in the same run.

Runs ``huikuan serve`` on a throwaway database, seeds customers, measures batched ingestion
of invoices, then uploads a CSV of ``BENCH_IMPORT_CSV_ROWS`` invoices (1,000,000 by default)
and an XLSX of ``BENCH_IMPORT_XLSX_ROWS`` (200,000), each timed from the upload to the job's
end, with the service's peak resident memory sampled meanwhile. The XLSX is written with a
shared strings table, as Excel writes one. Beside the service, the same XLSX is read by the
service's streamed reader and by python-calamine (the reader it replaced), each in its own
process: rows/s and peak RSS of the reading alone. Figures are never asserted.
"""

from __future__ import annotations

import asyncio
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import xlsxwriter
from harness import BENCH_KEY, SERVICE_PIDS, bench_database, print_table, rss_mib, running_service

CUSTOMERS = 200
CSV_ROWS = int(os.environ.get("BENCH_IMPORT_CSV_ROWS", "1000000"))
XLSX_ROWS = int(os.environ.get("BENCH_IMPORT_XLSX_ROWS", "200000"))
INGEST_EVENTS = int(os.environ.get("BENCH_IMPORT_INGEST_EVENTS", "20000"))
BATCH = 500
HEADER = ["external_id", "customer_external_id", "amount", "currency", "issued_on", "due_date"]
AUTH = {"Authorization": f"Bearer {BENCH_KEY}"}


def invoice_row(prefix: str, n: int) -> list[str]:
    return [f"{prefix}-{n}", f"C-{n % CUSTOMERS}", "1000.00", "CNY", "2026-01-01", "2026-03-01"]


def _event(event_id: str, type_: str, data: dict[str, Any]) -> dict[str, Any]:
    stamp = "2026-11-01T00:00:00+00:00"
    return {"id": event_id, "source": "bench", "type": type_, "occurred_at": stamp, "data": data}


async def ingest_batches(api: httpx.AsyncClient, events: list[dict[str, Any]]) -> float:
    started = time.perf_counter()
    for start in range(0, len(events), BATCH):
        answer = await api.post("/v1/ingest/events", json={"events": events[start : start + BATCH]})
        answer.raise_for_status()
    return len(events) / (time.perf_counter() - started)


async def seed(api: httpx.AsyncClient) -> None:
    customers = [
        _event(f"c-{n}", "customer.upserted", {"external_id": f"C-{n}", "name": f"客户 {n}"})
        for n in range(CUSTOMERS)
    ]
    await ingest_batches(api, customers)


def invoice_event(n: int) -> dict[str, Any]:
    data = dict(zip(HEADER, invoice_row("ING", n), strict=True))
    return _event(f"i-{n}", "invoice.issued", data)


def write_csv(path: Path, rows: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(HEADER)
        for n in range(rows):
            writer.writerow(invoice_row("CSV", n))


def write_xlsx(path: Path, rows: int) -> None:
    book = xlsxwriter.Workbook(str(path))  # shared strings, as Excel writes them
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, HEADER)
    for n in range(rows):
        sheet.write_row(n + 1, 0, invoice_row("XLSX", n))
    book.close()


READ = """
import sys, time
from pathlib import Path
def peak():
    return int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0]) / 1024
from app.adapters.intake.xlsx_stream import xlsx_rows
from python_calamine import CalamineWorkbook
path, reader, before = Path(sys.argv[1]), sys.argv[2], peak()
started = time.perf_counter()
if reader == "streamed":
    count = sum(1 for _ in xlsx_rows(path, path.parent))
else:
    count = sum(1 for _ in CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).iter_rows())
print(count / (time.perf_counter() - started), before, peak())
"""


def read_alone(path: Path, reader: str) -> tuple[float, float, float]:
    """Rows/s and peak RSS (before, after) of reading the XLSX alone, in a fresh process."""
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run(
        [sys.executable, "-c", READ, str(path), reader],
        cwd=root, capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    return float(out[0]), float(out[1]), float(out[2])


async def import_file(api: httpx.AsyncClient, base: str, path: Path) -> tuple[float, float, str]:
    """Rows per second from upload to the job's end, the service's peak RSS, the status."""
    pid = SERVICE_PIDS[base]
    peak = rss_mib(pid)
    started = time.perf_counter()
    with path.open("rb") as file:
        answer = await api.post(
            "/v1/imports", data={"kind": "invoices"}, files={"file": (path.name, file)}
        )
    answer.raise_for_status()
    job = answer.json()
    while job["status"] in ("queued", "running"):
        await asyncio.sleep(0.2)
        peak = max(peak, rss_mib(pid))
        job = (await api.get(f"/v1/imports/{job['id']}")).json()
    elapsed = time.perf_counter() - started
    return job["total_rows"] / elapsed, peak, f"{job['status']} ({job['applied']} applied)"


async def main() -> None:
    async with bench_database("huikuan_bench_import") as url:
        env = {"HUIKUAN_SCHEDULER_ENABLED": "false", "HUIKUAN_IMPORT_POLL_S": "0.2"}
        with running_service(url, **env) as base:
            async with httpx.AsyncClient(base_url=base, headers=AUTH, timeout=600) as api:
                await seed(api)
                idle = rss_mib(SERVICE_PIDS[base])
                ingest_rate = await ingest_batches(
                    api, [invoice_event(n) for n in range(INGEST_EVENTS)]
                )
                with tempfile.TemporaryDirectory() as tmp:
                    csv_path, xlsx_path = Path(tmp) / "invoices.csv", Path(tmp) / "invoices.xlsx"
                    write_csv(csv_path, CSV_ROWS)
                    write_xlsx(xlsx_path, XLSX_ROWS)
                    csv_rate, csv_peak, csv_status = await import_file(api, base, csv_path)
                    xlsx_rate, xlsx_peak, xlsx_status = await import_file(api, base, xlsx_path)
                    readers = {r: read_alone(xlsx_path, r) for r in ("streamed", "calamine")}
    rows = [
        ("ingest, batches of 500", INGEST_EVENTS, f"{ingest_rate:.0f}", "1.00x", "", ""),
        (
            "import CSV",
            CSV_ROWS,
            f"{csv_rate:.0f}",
            f"{csv_rate / ingest_rate:.2f}x",
            f"{idle:.0f} -> {csv_peak:.0f}",
            csv_status,
        ),
        (
            "import XLSX",
            XLSX_ROWS,
            f"{xlsx_rate:.0f}",
            f"{xlsx_rate / ingest_rate:.2f}x",
            f"{idle:.0f} -> {xlsx_peak:.0f}",
            xlsx_status,
        ),
    ]
    print_table(
        "invoice.issued: batched ingestion, then files through POST /v1/imports (goal 0.8x)",
        rows,
        ("path", "rows", "rows/s", "vs ingestion", "service RSS MiB", "job"),
    )
    print_table(
        f"the XLSX of {XLSX_ROWS} rows read alone, each reader in its own process",
        [
            (name, f"{rate:.0f}", f"{before:.0f} -> {peak:.0f}")
            for name, (rate, before, peak) in readers.items()
        ],
        ("reader", "rows/s", "peak RSS MiB"),
    )
    for name, (rate, _, peak) in readers.items():
        print(f"RESULT xlsx_read_{name}_rows_s={rate:.0f}")
        print(f"RESULT xlsx_read_{name}_peak_rss_mib={peak:.0f}")
    print(f"RESULT ingest_batch500_invoices_ev_s={ingest_rate:.0f}")
    print(f"RESULT import_csv_rows_s={csv_rate:.0f}")
    print(f"RESULT import_xlsx_rows_s={xlsx_rate:.0f}")
    print(f"RESULT import_csv_peak_rss_mib={csv_peak:.0f}")
    print(f"RESULT import_xlsx_peak_rss_mib={xlsx_peak:.0f}")


if __name__ == "__main__":
    asyncio.run(main())
