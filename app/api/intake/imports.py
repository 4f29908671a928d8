"""/v1/imports: CSV and XLSX files of customers, contracts, invoices, payments, projects,
org units or people, applied in the background as inbound events; their jobs, rejected rows
and templates."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Annotated, Any
from uuid import UUID

from fastapi import Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException

from app.api.base import resource_router
from app.api.deps import IngestContext, IngestReader, PlatformDep, UowDep
from app.api.errors import problem, problem_responses
from app.api.idempotency import claim_idempotency_key, claims_its_own_key
from app.api.intake.schemas.imports import (
    DEFAULT_SOURCE,
    ImportJobOut,
    job_document,
    upload_body,
)
from app.api.middleware import BodyTooLarge
from app.api.schemas import PageOut
from app.domain.errors import NotFound
from app.domain.intake.imports import (
    KINDS,
    HeaderProblem,
    ImportKind,
    JobStatus,
    RowError,
    UnreadableFile,
    read_header,
)
from app.services.context import Context
from app.services.intake.import_ports import ImportFiles
from app.services.intake.imports import Upload, submit_import
from app.services.pagination import make_page, page_request
from app.services.platform import AppUnitOfWork, Platform

router = resource_router("/v1/imports", "imports")

CHUNK = 1024 * 1024
CSV_MEDIA = "text/csv; charset=utf-8"
XLSX_MEDIA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")
TRUE = frozenset({"true", "1", "yes", "on"})

DESCRIPTION = """\
`multipart/form-data` with `file` (CSV — UTF-8 with or without BOM, or GB18030 — or XLSX),
`kind`, and optionally `dry_run` and `source` (the ingestion source of the rows' events,
`import` by default). Headers in English or Chinese, as in the templates.

Answers **202** with the job, which runs in the background: each row (for contracts, each
run of rows of one contract, one row per installment) becomes an inbound event with id
`import:<file_sha256>:<row>`, applied, parked or rejected as ingestion does. The same file
sent for real again answers its first job and applies nothing twice. A dry run checks every
row on its own and writes nothing but the job. A header missing a required column, or
naming an unknown one, fails the job at once (the errors name the column). An
`Idempotency-Key` covers the fields and the file's content: another file under the same
key is 422 `idempotency-key-reused`.
"""


def _files(platform: Platform) -> ImportFiles:
    assert platform.import_files is not None, "the composition root sets import_files"
    return platform.import_files


def _spool(upload: IO[bytes], path: Path, limit: int) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("wb") as out:
        while chunk := upload.read(CHUNK):
            size += len(chunk)
            if size > limit:
                break
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest(), size


async def _chunks(path: Path) -> AsyncIterator[bytes]:
    with path.open("rb") as file:
        while chunk := file.read(CHUNK):
            yield chunk


def _flag(value: object) -> bool:
    return isinstance(value, str) and value.strip().lower() in TRUE


@claims_its_own_key  # once the file is read: the key's request includes the file
async def create_import(
    request: Request, ctx: IngestContext, platform: PlatformDep, uow: UowDep
) -> Response:
    limit = platform.imports.max_bytes
    try:
        form = await request.form(max_files=1, max_fields=10)
    except BodyTooLarge:
        return _too_large(limit)
    except MultiPartException as error:
        return problem(400, f"the body is not a readable multipart form: {error.message}")
    try:
        return await _accept(ctx, platform, uow, form)
    finally:
        await form.close()


@dataclass(frozen=True, slots=True)
class _Form:
    kind: ImportKind
    upload: UploadFile
    source: str
    dry_run: bool


def _read_form(form: FormData) -> _Form | Response:
    kind = form.get("kind")
    if not isinstance(kind, str) or kind not in ImportKind.__members__.values():
        kinds = ", ".join(k.value for k in ImportKind)
        return problem(422, f"kind must be one of {kinds}", errors=[_issue("kind")])
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        return problem(422, "send the file as the form's file field", errors=[_issue("file")])
    source = form.get("source") or DEFAULT_SOURCE
    if not isinstance(source, str) or not 0 < len(source) <= 200 or not source.isprintable():
        return problem(422, "source must be 1..200 printable characters", errors=[_issue("source")])
    return _Form(ImportKind(kind), upload, source, _flag(form.get("dry_run")))


async def _accept(ctx: Context, platform: Platform, uow: AppUnitOfWork, form: FormData) -> Response:
    fields = _read_form(form)
    if isinstance(fields, Response):
        return fields
    limit = platform.imports.max_bytes
    with tempfile.TemporaryDirectory(prefix="huikuan-upload-") as tmp:
        path = Path(tmp) / "upload"
        sha, size = await run_in_threadpool(_spool, fields.upload.file, path, limit)
        if size > limit:
            return _too_large(limit)
        if size == 0:
            return problem(422, "the file is empty")
        try:
            info = await run_in_threadpool(_files(platform).inspect, path)
        except UnreadableFile as error:
            return problem(422, str(error), row=error.row)
        if not info.header:
            return problem(422, "the file has no header row")
        header_problem = None
        try:
            read_header(KINDS[fields.kind], info.header)
        except HeaderProblem as bad:
            header_problem = bad
        replay = await claim_idempotency_key(_request_digest(fields, sha))
        if replay is not None:
            return replay
        submitted = Upload(
            kind=fields.kind,
            source=fields.source,
            dry_run=fields.dry_run,
            file_sha256=sha,
            file_name=(fields.upload.filename or "upload")[:200],
            file_format=info.format,
            encoding=info.encoding,
            header_problem=header_problem,
        )
        async with uow:
            job = await submit_import(uow, ctx, submitted, _chunks(path))
            await uow.commit()
    if platform.import_wake is not None and job.status is JobStatus.QUEUED:
        platform.import_wake()
    body = ImportJobOut.model_validate(job_document(job)).model_dump(mode="json")
    return JSONResponse(body, status_code=202, headers={"Location": f"/v1/imports/{job.id}"})


def _request_digest(fields: _Form, file_sha256: str) -> bytes:
    """What an Idempotency-Key holds the upload to: its fields and its file's content (the
    multipart boundary and the file's name don't change what it asks for; decision 0145)."""
    parts = (fields.kind.value, fields.source, str(fields.dry_run).lower(), file_sha256)
    return "\x00".join(parts).encode()


def _too_large(limit: int) -> Response:
    return problem(413, f"the file is larger than HUIKUAN_IMPORT_MAX_BYTES ({limit} bytes)")


def _issue(field: str) -> dict[str, Any]:
    return {"loc": ["body", field], "msg": "is required or not valid"}


router.add_api_route(
    "",
    create_import,
    methods=["POST"],
    summary="Import a CSV or XLSX file of records (customers, invoices, payments, ...)",
    description=DESCRIPTION,
    status_code=202,
    response_model=ImportJobOut,
    responses=problem_responses(400, 413),
    openapi_extra={"requestBody": upload_body()},
)


@router.get(
    "/templates/{kind}",
    summary="A template for a kind of import, with one example row",
    responses={200: {"content": {XLSX_MEDIA: {}, CSV_MEDIA: {}}}, **problem_responses(404)},
)
async def get_import_template(
    kind: ImportKind,
    platform: PlatformDep,
    _: IngestReader,
    format: Annotated[str, Query(pattern="^(xlsx|csv)$")] = "xlsx",
    lang: Annotated[str, Query(pattern="^(zh|en)$")] = "zh",
) -> Response:
    content = _files(platform).template(kind, lang, format)
    name = f"{kind.value}-template-{lang}.{format}"
    return Response(
        content,
        media_type=XLSX_MEDIA if format == "xlsx" else CSV_MEDIA,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get(
    "",
    summary="List import jobs, newest first",
    response_model=PageOut[ImportJobOut],
)
async def list_imports(
    uow: UowDep,
    _: IngestReader,
    status: JobStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> dict[str, Any]:
    request = page_request(limit, cursor)
    async with uow:
        rows = await uow.imports.list(status, request)
    page = make_page(rows, request, lambda job: (str(job.id),))
    return {"data": [job_document(j) for j in page.items], "next_cursor": page.next_cursor}


@router.get(
    "/{import_id}",
    summary="An import job: its status, counts and progress",
    response_model=ImportJobOut,
    responses=problem_responses(404),
)
async def get_import(import_id: UUID, uow: UowDep, _: IngestReader) -> dict[str, Any]:
    async with uow:
        job = await uow.imports.get(import_id)
    if job is None:
        raise NotFound("import", import_id)
    return job_document(job)


def _cell(value: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula (a plain number stays)."""
    if NUMBER.fullmatch(value):
        return value
    return "'" + value if value.lstrip(" ").startswith(FORMULA_STARTS) else value


def _lines(errors: list[RowError], first: bool) -> Iterator[str]:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    if first:
        text.write("\ufeff")
        writer.writerow(["row", "column", "value", "message"])
    for e in errors:
        writer.writerow([e.row, _cell(e.column), _cell(e.value), _cell(e.message)])
    yield text.getvalue()


@router.get(
    "/{import_id}/errors",
    summary="An import job's rejected rows as CSV (row, column, value, message)",
    responses={200: {"content": {CSV_MEDIA: {}}}, **problem_responses(404)},
)
async def get_import_errors(
    import_id: UUID, uow: UowDep, platform: PlatformDep, _: IngestReader
) -> Response:
    async with uow:
        job = await uow.imports.get(import_id)
    if job is None:
        raise NotFound("import", import_id)

    async def body() -> AsyncIterator[str]:
        async with platform.uow() as reader:
            batch: list[RowError] = []
            first = True
            async for error in reader.imports.errors(import_id):
                batch.append(error)
                if len(batch) >= 1000:
                    for text in _lines(batch, first):
                        yield text
                    batch, first = [], False
            for text in _lines(batch, first):
                yield text

    name = f"import-{import_id}-errors.csv"
    return StreamingResponse(
        body(),
        media_type=CSV_MEDIA,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
