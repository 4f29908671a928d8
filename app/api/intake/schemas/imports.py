"""Import job schemas, and the multipart body of ``POST /v1/imports`` as documented."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel

from app.domain.intake.imports import ImportKind, JobStatus
from app.services.intake.import_ports import ImportJob

DEFAULT_SOURCE = "import"


class ImportJobOut(BaseModel):
    id: UUID
    kind: ImportKind
    status: JobStatus
    source: str
    file_name: str
    file_sha256: str
    dry_run: bool
    total_rows: int
    applied: int
    rejected: int
    parked: int
    next_row: int
    problem: str | None
    created_at: datetime
    finished_at: datetime | None


def job_document(job: ImportJob) -> dict[str, Any]:
    return {
        "id": job.id,
        "kind": job.kind,
        "status": job.status,
        "source": job.source,
        "file_name": job.file_name,
        "file_sha256": job.file_sha256,
        "dry_run": job.dry_run,
        "total_rows": job.total_rows,
        "applied": job.applied,
        "rejected": job.rejected,
        "parked": job.parked,
        "next_row": job.next_row,
        "problem": job.problem,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
    }


def upload_body() -> dict[str, Any]:
    """The request body as OpenAPI shows it (the endpoint streams and reads it itself)."""
    schema = {
        "type": "object",
        "required": ["file", "kind"],
        "properties": {
            "file": {"type": "string", "format": "binary", "description": "CSV or XLSX"},
            "kind": {"type": "string", "enum": [k.value for k in ImportKind]},
            "dry_run": {"type": "boolean", "default": False},
            "source": {"type": "string", "maxLength": 200, "default": DEFAULT_SOURCE},
        },
    }
    return {"required": True, "content": {"multipart/form-data": {"schema": schema}}}
