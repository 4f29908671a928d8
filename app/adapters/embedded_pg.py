"""An embedded PostgreSQL (the ``pgserver`` package) for when no DATABASE_URL is given.

``pgserver`` is the optional ``embedded`` extra (``make run``/``make test`` install it; the
production image leaves it out), so it is imported only when a database must be started.
"""

from __future__ import annotations

import logging
from pathlib import Path
from types import ModuleType
from typing import Any

log = logging.getLogger(__name__)

MISSING = (
    "huikuan: DATABASE_URL is not set and the embedded PostgreSQL is not installed: "
    "set DATABASE_URL, or install the extra (pip install 'huikuan[embedded]')"
)


class EmbeddedPostgresMissing(RuntimeError):
    """No DATABASE_URL, and no ``pgserver`` to start a database with."""


def require_pgserver() -> ModuleType:
    try:
        import pgserver
    except ImportError as exc:
        raise EmbeddedPostgresMissing(MISSING) from exc
    return pgserver


def start_embedded_postgres(data_dir: Path, database: str = "huikuan") -> str:
    """Start (or join) PostgreSQL in ``data_dir/pg`` and return a URL to ``database``.

    The server listens on a Unix socket in that folder only, and stops when the last
    process using it exits.
    """
    pgserver = require_pgserver()
    folder = (data_dir / "pg").resolve()
    folder.mkdir(parents=True, exist_ok=True)
    server: Any = pgserver.get_server(folder, cleanup_mode="stop")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")
    if "1 row" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')
    log.info("embedded postgresql ready", extra={"data_dir": str(folder)})
    return f"postgresql://postgres:@/{database}?host={folder}"
