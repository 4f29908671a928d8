"""An embedded PostgreSQL (the ``pgserver`` package) for when no DATABASE_URL is given."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def start_embedded_postgres(data_dir: Path, database: str = "huikuan") -> str:
    """Start (or join) PostgreSQL in ``data_dir/pg`` and return a URL to ``database``.

    The server listens on a Unix socket in that folder only, and stops when the last
    process using it exits.
    """
    import pgserver

    folder = (data_dir / "pg").resolve()
    folder.mkdir(parents=True, exist_ok=True)
    server: Any = pgserver.get_server(folder, cleanup_mode="stop")  # type: ignore[attr-defined]
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")
    if "1 row" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')
    log.info("embedded postgresql ready", extra={"data_dir": str(folder)})
    return f"postgresql://postgres:@/{database}?host={folder}"
