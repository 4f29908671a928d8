"""CSV answers and the choice between CSV and JSON (``Accept``).

A CSV answer is UTF-8 with a byte order mark, so that Excel reads Chinese names right,
``text/csv; charset=utf-8``, a header row, one line per row, CRLF line ends (RFC 4180).

No spreadsheet locale splits or runs a cell: one holding ``,``, ``;`` (the list separator
in many locales), a quote or a line break is quoted; one that a spreadsheet would run as a
formula (starting, after any whitespace, with ``=``, ``+``, ``-``, ``@``, their fullwidth
forms, a tab or a carriage return) is quoted and prefixed with ``'``. A cell that is a plain
decimal number (``-12.50``) stays a number, so that a column can be summed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from starlette.responses import JSONResponse, Response

from app.api.errors import problem_responses
from app.domain.reporting.report_tables import Table

CSV = "text/csv"
JSON = "application/json"
BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "＝", "＋", "－", "＠")
CONTROL_STARTS = ("\t", "\r")
NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")
QUOTED = re.compile(r'[,;"\r\n]')


def accept_ranges(accept: str) -> list[tuple[str, float]]:
    found = []
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        if not media:
            continue
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        found.append((media.lower(), quality))
    return found


def accept_preference(ranges: list[tuple[str, float]], media: str) -> tuple[float, int]:
    """(quality, specificity) of the most specific range that matches ``media``."""
    kind = media.split("/")[0]
    best = (0.0, -1)
    for candidate, quality in ranges:
        if candidate == media:
            specificity = 2
        elif candidate == f"{kind}/*":
            specificity = 1
        elif candidate == "*/*":
            specificity = 0
        else:
            continue
        if specificity > best[1]:
            best = (quality, specificity)
    return best


def wants_csv(request: Request) -> bool:
    """True when ``Accept`` prefers text/csv to JSON; JSON is the default. 406 when it
    accepts neither."""
    accept = request.headers.get("accept")
    if not accept:
        return False
    ranges = accept_ranges(accept)
    csv_q, csv_specificity = accept_preference(ranges, CSV)
    json_q, json_specificity = accept_preference(ranges, JSON)
    if csv_q <= 0 and json_q <= 0:
        raise HTTPException(406, "this report is available as application/json or text/csv")
    if csv_q != json_q:
        return csv_q > json_q
    return csv_specificity > json_specificity


WantsCsv = Annotated[bool, Depends(wants_csv)]


def csv_cell(value: str) -> str:
    """One cell as written: a number as it is, a would-be formula defused, quoted when a
    spreadsheet could split it."""
    if NUMBER.fullmatch(value):
        return value
    if value.startswith(CONTROL_STARTS) or value.lstrip().startswith(FORMULA_STARTS):
        value = "'" + value
    elif not QUOTED.search(value):
        return value
    return '"' + value.replace('"', '""') + '"'


def render_csv(table: Table) -> bytes:
    lines = [table.columns, *table.rows]
    text = "".join(",".join(csv_cell(v) for v in line) + "\r\n" for line in lines)
    return (BOM + text).encode("utf-8")


def csv_response(table: Table, filename: str) -> Response:
    return Response(
        render_csv(table),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def report_response(
    as_csv: bool, document: Callable[[], dict[str, Any]], table: Callable[[], Table], filename: str
) -> Response:
    """The report as a CSV table or as a JSON document (built only in the form asked for)."""
    if as_csv:
        return csv_response(table(), filename)
    return JSONResponse(document())


def report_responses(model: type[Any]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI: the 200 answer in both media types, and 406."""
    return {
        200: {
            "model": model,
            "description": "JSON by default; `Accept: text/csv` gives a CSV table (UTF-8 "
            "with BOM, a header row, one line per row)",
            "content": {CSV: {"schema": {"type": "string"}}},
        },
        406: problem_responses(406)[406],
    }
