"""/v1/audit-log: every change, who made it and what it changed, as JSON or CSV."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import Query, Security
from starlette.responses import JSONResponse, Response

from app.api.base import resource_router
from app.api.controls.schemas.approvals import AuditEntryOut
from app.api.deps import UowDep, authorize
from app.api.reporting.csv import WantsCsv, csv_response, report_responses
from app.api.schemas import BusinessTimestamp, PageOut
from app.domain.access.api_keys import Scope
from app.domain.events import Actor
from app.domain.reporting.report_tables import Table
from app.services.controls.audit import AuditPage, read_audit_log
from app.services.controls.documents import audit_document
from app.services.controls.ports import AuditFilter

router = resource_router("/v1/audit-log", "controls")

Auditor = Annotated[Actor, Security(authorize, scopes=[Scope.AUDIT.value, Scope.ADMIN.value])]
CSV_COLUMNS = ("id", "at", "actor", "key_name", "request_id", "action", "subject", "changes")


def _table(page: AuditPage) -> Table:
    rows = []
    for entry in page.entries:
        document = audit_document(entry)
        changes = json.dumps(document["changes"], ensure_ascii=False, sort_keys=True)
        rows.append(
            tuple("" if v is None else str(v) for v in (*list(document.values())[:-1], changes))
        )
    return Table(columns=CSV_COLUMNS, rows=rows)


@router.get(
    "",
    summary="Every change: who, when, with which key, in which request, from what to what",
    description=(
        "Oldest first; scope `audit` or `admin`. Filters: `subject` (as in events, e.g. "
        "`invoices/<id>`), `actor`, `action`, `from` (inclusive) and `to` (exclusive). "
        "`Accept: text/csv` gives one line per entry, with `changes` as JSON; the "
        "`Next-Cursor` header carries the next page's cursor."
    ),
    responses=report_responses(PageOut[AuditEntryOut]),
)
async def list_audit_log(
    uow: UowDep,
    _: Auditor,
    as_csv: WantsCsv,
    subject: Annotated[str | None, Query(max_length=200, examples=["invoices/<id>"])] = None,
    actor: Annotated[str | None, Query(max_length=200)] = None,
    action: Annotated[str | None, Query(max_length=100, examples=["invoice.write_off"])] = None,
    since: Annotated[BusinessTimestamp | None, Query(alias="from")] = None,
    until: Annotated[BusinessTimestamp | None, Query(alias="to")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    filters = AuditFilter(subject=subject, actor=actor, action=action, since=since, until=until)
    async with uow:
        page = await read_audit_log(uow, filters, cursor, limit)
    if as_csv:
        answer = csv_response(_table(page), "audit-log.csv")
        if page.next_cursor:
            answer.headers["Next-Cursor"] = page.next_cursor
        return answer
    data: dict[str, Any] = {
        "data": [audit_document(e) for e in page.entries],
        "next_cursor": page.next_cursor,
    }
    return JSONResponse(data)
