"""Real processes for the reliability tests: `huikuan serve`/`worker` subprocesses and a
PostgreSQL of the test's own that the test may stop and start."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.receiver import free_port

ROOT = Path(__file__).resolve().parents[2]
KEY = "reliability-admin-key-" + "r" * 12


def wait_until_ready(url: str, process: subprocess.Popen[Any], timeout_s: float = 60) -> None:
    """Poll ``url`` until it answers 200; fail early when the process has exited."""
    deadline = time.monotonic() + timeout_s
    while True:
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(url, timeout=1).status_code == 200:
                return
        if process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url} not ready after {timeout_s} s")
        time.sleep(0.1)


@dataclass
class ServiceProcess:
    """One `huikuan` process; its stderr (JSON logs) goes to ``log_path``."""

    command: str
    env: dict[str, str]
    log_path: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ServiceProcess:
        env = {**os.environ, **self.env}
        if self.command == "serve":
            args = ["serve", "--port", str(self.port)]
        else:
            args = [self.command]
            env["HUIKUAN_WORKER_OPS_PORT"] = str(self.port)
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", *args],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=log,
        )
        wait_until_ready(f"{self.base_url}/readyz", self.process)
        return self

    def stop(self, sig: int = signal.SIGTERM, timeout_s: float = 30) -> int:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def kill(self) -> None:
        """SIGKILL: no shutdown at all, as when a machine dies."""
        self.stop(signal.SIGKILL)

    def logs(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def rss_kib(self) -> int:
        """Resident memory of the process, from /proc."""
        assert self.process is not None
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        line = next(line for line in status.splitlines() if line.startswith("VmRSS:"))
        return int(line.split()[1])


class OwnPostgres:
    """A PostgreSQL cluster in a temporary folder on a free TCP port, from the binaries the
    `pgserver` package ships; the test may stop, start and restart it. Never the machine's
    shared server."""

    def __init__(self) -> None:
        from pgserver._commands import POSTGRES_BIN_PATH

        self.bin = Path(POSTGRES_BIN_PATH)
        self.folder = Path(tempfile.mkdtemp(prefix="huikuan-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self.user = "pgserver" if os.geteuid() == 0 else None  # initdb refuses to run as root

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str | Path) -> None:
        command = [str(a) for a in args]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def init(self) -> OwnPostgres:
        if self.user:
            from pgserver.utils import ensure_user_exists

            ensure_user_exists(self.user)
            shutil.chown(self.folder, self.user, self.user)
        self._run(self.bin / "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust")
        return self

    def start(self) -> None:
        options = f"-p {self.port} -h 127.0.0.1 -k {self.folder}"
        self._run(
            self.bin / "pg_ctl",
            "-D",
            str(self.data),
            "-w",
            "-o",
            options,
            "-l",
            str(self.folder / "log"),
            "start",
        )

    def stop(self) -> None:
        self._run(self.bin / "pg_ctl", "-D", str(self.data), "-w", "-m", "fast", "stop")

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


@contextlib.contextmanager
def own_postgres() -> Iterator[OwnPostgres]:
    server = OwnPostgres().init()
    server.start()
    try:
        yield server
    finally:
        server.destroy()
