"""The `huikuan` command as a user runs it: apikey create/list/revoke, migrate, serve."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.reliability.processes import wait_until_ready


def cli(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "HUIKUAN_BOOTSTRAP_API_KEY": ""}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_apikey_create_list_revoke(
    database_url: str, db: AsyncEngine, client: httpx.AsyncClient
) -> None:
    created = cli(database_url, "apikey", "create", "--name", "erp-sync", "--scopes", "ingest,read")
    assert created.returncode == 0, created.stderr
    fields = dict(line.split(":", 1) for line in created.stdout.splitlines() if ":" in line)
    key_id, secret = fields["id"].strip(), fields["key"].split()[0]
    assert secret.startswith("hk_")

    ok = await client.get("/v1/customers", headers={"Authorization": f"Bearer {secret}"})
    assert ok.status_code == 200

    listed = cli(database_url, "apikey", "list")
    assert key_id in listed.stdout
    assert "active" in listed.stdout
    assert secret not in listed.stdout

    revoked = cli(database_url, "apikey", "revoke", key_id)
    assert revoked.returncode == 0, revoked.stderr
    refused = await client.get("/v1/customers", headers={"Authorization": f"Bearer {secret}"})
    assert refused.status_code == 401

    bad = cli(database_url, "apikey", "create", "--name", "x", "--scopes", "root")
    assert bad.returncode == 2
    assert "unknown scope" in bad.stderr


async def test_a_fixed_actor_key_from_the_command_line(
    database_url: str, db: AsyncEngine, client: httpx.AsyncClient
) -> None:
    created = cli(
        database_url, "apikey", "create", "--name", "erp-sap", "--scopes", "write", "--fixed-actor"
    )
    assert created.returncode == 0, created.stderr
    assert "always 'erp-sap'" in created.stdout
    assert "erp-sap  (fixed actor)" in cli(database_url, "apikey", "list").stdout
    secret = created.stdout.split("key:")[1].split()[0]
    headers = {"Authorization": f"Bearer {secret}", "X-Actor": "someone"}
    made = await client.post("/v1/customers", json={"name": "A"}, headers=headers)
    assert made.status_code == 201
    async with db.connect() as conn:
        rows = await conn.execute(
            text("SELECT actor, key_name, action FROM audit_log ORDER BY action")
        )
        entries = [tuple(r) for r in rows]
    assert entries == [
        (None, "system:cli", "api_key.created"),
        ("erp-sap", "erp-sap", "customer.created"),
    ]


def test_migrate_is_idempotent(database_url: str) -> None:
    result = cli(database_url, "migrate")
    assert result.returncode == 0, result.stderr
    assert "database migrated to" in result.stdout


def huikuan(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    """The ``huikuan`` command as a process of its own; its stderr is kept for the test."""
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_serve_starts_bootstraps_a_key_and_stops_gracefully(
    database_url: str, db: AsyncEngine
) -> None:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "HUIKUAN_BOOTSTRAP_API_KEY": "serve-test-key",
    }
    process = huikuan(env, "serve", "--port", str(port))
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(f"{base}/readyz", process)
        response = httpx.get(
            f"{base}/v1/customers", headers={"Authorization": "Bearer serve-test-key"}
        )
        assert response.status_code == 200
        assert httpx.get(f"{base}/docs").status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    # uvicorn finishes its shutdown, then re-raises the signal it caught: exit 128 + 15.
    assert process.returncode == 128 + signal.SIGTERM
    assert "Application shutdown complete" in stderr
    assert f"{base}/docs" in stderr
    assert "HUIKUAN_BOOTSTRAP_API_KEY" in stderr  # how to authenticate
    assert "serve-test-key" not in stderr  # but never the key itself
    assert "HUIKUAN_BOOTSTRAP_API_KEY is shorter than 24 characters" in stderr  # 14 here


def test_serve_on_the_embedded_database_stops_it_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "HUIKUAN_DATA_DIR": str(tmp_path), "HUIKUAN_BOOTSTRAP_API_KEY": ""}
    env.pop("DATABASE_URL", None)
    process = huikuan(env, "serve", "--port", str(port))
    try:
        wait_until_ready(f"http://127.0.0.1:{port}/readyz", process)
        assert (tmp_path / "pg" / "postmaster.pid").exists()
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 128 + signal.SIGTERM, stderr[-2000:]
    # The last process using the embedded PostgreSQL stopped it on its way out.
    assert not (tmp_path / "pg" / "postmaster.pid").exists()


def test_worker_serves_health_and_metrics_and_stops_on_sigterm(
    database_url: str, db: AsyncEngine
) -> None:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "HUIKUAN_WORKER_OPS_PORT": str(port)}
    process = huikuan(env, "worker")
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(f"{base}/readyz", process)
        assert "huikuan_outbox_pending" in httpx.get(f"{base}/metrics").text
        assert httpx.get(f"{base}/v1/customers").status_code == 404  # no API in a worker
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=30)
    assert process.returncode == 0


def test_bad_settings_stop_the_service_with_a_message(database_url: str) -> None:
    env = {"HUIKUAN_WORKLIST_WEIGHTS": '{"days_overdue": -1, "risk_severity": {"low": 99}}'}
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(free_port())],
        env={**os.environ, "DATABASE_URL": database_url, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("huikuan: bad configuration, not starting:")
    assert "HUIKUAN_WORKLIST_WEIGHTS: days_overdue must be a number from 0" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("days", ["90,x", "0", "180,,30", "30,30", "1.5"])
def test_a_bad_limitation_threshold_list_stops_the_process(database_url: str, days: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "migrate"],
        env={**os.environ, "DATABASE_URL": database_url, "HUIKUAN_LIMITATION_WARN_DAYS": days},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert lines[0] == "huikuan: bad configuration, not starting:"
    assert len(lines) == 2
    assert lines[1].startswith("  HUIKUAN_LIMITATION_WARN_DAYS: ")


@pytest.mark.parametrize(
    "command", [("serve", "--port", "0"), ("worker",), ("migrate",), ("apikey", "list")]
)
def test_without_database_url_or_pgserver_every_command_says_what_to_do(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    # The production image has no `pgserver`; a package of that name that fails to import,
    # first on the path, makes this interpreter the same.
    (tmp_path / "pgserver").mkdir()
    (tmp_path / "pgserver" / "__init__.py").write_text("raise ImportError('not installed')\n")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")])),
        "HUIKUAN_DATA_DIR": str(tmp_path / "data"),
        "HUIKUAN_BOOTSTRAP_API_KEY": "",
    }
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", *command],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr == (
        "huikuan: DATABASE_URL is not set and the embedded PostgreSQL is not installed: "
        "set DATABASE_URL, or install the extra (pip install 'huikuan[embedded]')\n"
    )
    assert not (tmp_path / "data").exists()
