"""``huikuan import FILE --kind KIND``: uploads a file to a running service and shows the
job's progress until it ends. Exit status 0 only when every row applied."""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from app.adapters.intake.xlsx_stream import xlsx_rows

FINISHED = {"succeeded", "partially_succeeded", "failed"}
KINDS = ("customers", "contracts", "invoices", "payments", "projects", "org_units", "people")


def add_parser(commands: Any) -> None:
    command = commands.add_parser("import", help="upload a CSV or XLSX file and watch its job")
    command.add_argument("file", type=Path)
    command.add_argument("--kind", required=True, choices=KINDS)
    command.add_argument("--dry-run", action="store_true", help="check every row, write nothing")
    command.add_argument("--source", help="the rows' ingestion source (default: import)")
    command.add_argument("--url", help="default HUIKUAN_URL or http://127.0.0.1:8000")
    command.add_argument("--key", help="default HUIKUAN_API_KEY or HUIKUAN_BOOTSTRAP_API_KEY")
    command.add_argument("--poll", type=float, default=0.5, help=argparse.SUPPRESS)


def _data_rows(path: Path) -> int | None:
    """Rows below the header, counted here for the bar (None when the file can't be read)."""
    try:
        with path.open("rb") as file:
            if file.read(4) == b"PK\x03\x04":
                spool = Path(tempfile.gettempdir())  # not beside the user's file
                return max(sum(1 for _ in xlsx_rows(path, spool)) - 1, 0)
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                with path.open(encoding=encoding, newline="") as text:
                    return max(sum(1 for _ in csv.reader(text)) - 1, 0)
            except UnicodeDecodeError:
                continue
    except Exception:  # the service says what is wrong with the file
        return None
    return None


def run_import(args: argparse.Namespace) -> int:
    url = (args.url or os.environ.get("HUIKUAN_URL") or "http://127.0.0.1:8000").rstrip("/")
    key = (
        args.key or os.environ.get("HUIKUAN_API_KEY") or os.environ.get("HUIKUAN_BOOTSTRAP_API_KEY")
    )
    if not key:
        print("error: give --key or set HUIKUAN_API_KEY", file=sys.stderr)
        return 2
    if not args.file.is_file():
        print(f"error: {args.file} is not a file", file=sys.stderr)
        return 2
    form = {"kind": args.kind, "dry_run": "true" if args.dry_run else "false"}
    if args.source:
        form["source"] = args.source
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=url, headers=headers, timeout=300) as client:
        try:
            with args.file.open("rb") as file:
                answer = client.post(
                    "/v1/imports", data=form, files={"file": (args.file.name, file)}
                )
        except httpx.HTTPError as error:
            print(f"error: could not reach {url}: {error}", file=sys.stderr)
            return 1
        if answer.status_code != 202:
            print(f"error: {answer.status_code} {_detail(answer)}", file=sys.stderr)
            return 1
        job = _watch(client, answer.json(), _data_rows(args.file), args.poll)
    print(
        f"{job['status']}: {job['applied']} applied, {job['parked']} parked, "
        f"{job['rejected']} rejected of {job['total_rows']} rows (job {job['id']})"
    )
    if job["rejected"] or job["status"] == "failed":
        print(f"rejected rows: {url}/v1/imports/{job['id']}/errors", file=sys.stderr)
    return 0 if job["status"] == "succeeded" else 1


def _watch(client: httpx.Client, job: dict[str, Any], rows: int | None, poll: float) -> Any:
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, transient=False) as progress:
        task = progress.add_task(f"import {job['id']}", total=rows)
        while job["status"] not in FINISHED:
            time.sleep(poll)
            answer = client.get(f"/v1/imports/{job['id']}")
            answer.raise_for_status()
            job = answer.json()
            progress.update(task, completed=job["total_rows"])
        progress.update(task, completed=job["total_rows"], total=job["total_rows"])
    return job


def _detail(answer: httpx.Response) -> str:
    try:
        return str(answer.json().get("detail", answer.text))
    except ValueError:
        return answer.text[:200]
