"""The progress review's formats: which one ``Accept`` asks for, the language of its titles
and headers, and the CSV and XLSX renderings (HTML: ``review_html.py``)."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

import xlsxwriter
from fastapi import Depends, HTTPException, Query, Request

from app.api.reporting.csv import BOM, accept_preference, accept_ranges, csv_cell
from app.domain.i18n import Locale, choose_locale, message
from app.domain.money import Money
from app.domain.reporting.report_tables import cell
from app.domain.reporting.review import Cell, ProgressReview, Section


class Format(StrEnum):
    JSON = "application/json"
    CSV = "text/csv"
    XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    HTML = "text/html"


def review_format(request: Request) -> Format:
    """The format ``Accept`` prefers (q-value, then specificity; ties in the order above);
    JSON without ``Accept``; 406 when it accepts none of them."""
    accept = request.headers.get("accept")
    if not accept:
        return Format.JSON
    ranges = accept_ranges(accept)
    best: tuple[float, int, int] = (0.0, -1, 0)
    chosen: Format | None = None
    for order, media in enumerate(Format):
        quality, specificity = accept_preference(ranges, media.value)
        rank = (quality, specificity, -order)
        if quality > 0 and rank > best:
            best, chosen = rank, media
    if chosen is None:
        raise HTTPException(
            406, "the review is available as application/json, text/csv, text/html or XLSX"
        )
    return chosen


WantedFormat = Annotated[Format, Depends(review_format)]
Lang = Annotated[
    str | None,
    Query(
        description="`zh` (or `zh-CN`) or `en`: the language of titles and headers; "
        "else `Accept-Language`"
    ),
]


def request_locale(request: Request, lang: str | None, default: Locale) -> Locale:
    return choose_locale(lang, request.headers.get("accept-language"), default)


def title(locale: Locale, section: Section) -> str:
    return message(locale, f"section.{section.key}")


def headers(locale: Locale, section: Section) -> list[str]:
    return [message(locale, f"column.{c}") for c in section.columns]


def period_line(locale: Locale, review: ProgressReview) -> str:
    period = review.period
    return f"{message(locale, 'review.period')}: {period.start} – {period.end}"


def render_csv(review: ProgressReview, locale: Locale) -> bytes:
    """Sections one after another: a title row, a header row, the rows, an empty line; a
    section not available says so under its title."""
    lines: list[list[str]] = [
        [message(locale, "review.title")],
        [period_line(locale, review)],
        [],
    ]
    for section in review.sections:
        lines.append([title(locale, section)])
        if not section.available:
            lines.append([message(locale, "review.not_available")])
        else:
            lines.append(headers(locale, section))
            lines.extend([cell(v) for v in row] for row in section.values())
        lines.append([])
    text = "".join(",".join(csv_cell(v) for v in line) + "\r\n" for line in lines)
    return (BOM + text).encode("utf-8")


def _width(value: str) -> int:
    """Columns fit their text; a CJK character takes two."""
    if value.isascii():
        return len(value)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in value)


SHEET_NAME_MAX = 31
FORBIDDEN_IN_SHEET_NAMES = str.maketrans(dict.fromkeys("[]:*?/\\", " "))


def render_xlsx(review: ProgressReview, locale: Locale) -> bytes:
    """A sheet per section: its title and period, a frozen header row, numbers as numbers
    (amounts with their currency's decimals), dates as dates, columns sized to their text."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    bold = book.add_format({"bold": True})
    heading = book.add_format({"bold": True, "font_size": 13})
    head = book.add_format({"bold": True, "bg_color": "#E8EEF7", "border": 1, "text_wrap": True})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    formats: dict[str, Any] = {}

    def number_format(places: int) -> Any:
        pattern = "#,##0" + ("." + "0" * places if places else "")
        if pattern not in formats:  # one format per pattern, not one per cell
            formats[pattern] = book.add_format({"num_format": pattern})
        return formats[pattern]

    used: set[str] = set()
    for index, section in enumerate(review.sections, start=1):
        name = f"{index:02d} {title(locale, section)}".translate(FORBIDDEN_IN_SHEET_NAMES)
        name = name[:SHEET_NAME_MAX].rstrip()
        while name in used:  # sheet names are unique; cut titles may collide
            name = name[: SHEET_NAME_MAX - 1] + "_"
        used.add(name)
        sheet = book.add_worksheet(name)
        sheet.write_string(0, 0, title(locale, section), heading)
        sheet.write_string(1, 0, period_line(locale, review), bold)
        if not section.available:
            sheet.write_string(3, 0, message(locale, "review.not_available"))
            sheet.set_column(0, 0, 60)
            continue
        labels = headers(locale, section)
        widths = [min(max(_width(h), 8), 40) for h in labels]
        for col, label in enumerate(labels):
            sheet.write_string(3, col, label, head)
        sheet.freeze_panes(4, 0)
        for r, values in enumerate(section.values(), start=4):
            for col, value in enumerate(values):
                widths[col] = min(max(widths[col], _width(cell(value)) + 2), 60)
                _write(sheet, r, col, value, day, number_format)
        for col, width in enumerate(widths):
            sheet.set_column(col, col, width)
        if section.rows:
            sheet.autofilter(3, 0, 3 + len(section.rows), len(labels) - 1)
    book.close()
    return out.getvalue()


def _write(sheet: Any, row: int, col: int, value: Cell, day: Any, number_format: Any) -> None:
    # write_string for text: a name starting with "=" stays text, never a formula.
    if value is None:
        return
    if isinstance(value, Money):
        # XLSX stores numbers as doubles; an amount's decimals are exact there up to 15 digits.
        sheet.write_number(row, col, float(value.amount), number_format(value.places))
    elif isinstance(value, Decimal):
        places = max(-value.as_tuple().exponent, 0)  # type: ignore[operator]
        sheet.write_number(row, col, float(value), number_format(places))
    elif isinstance(value, bool):
        sheet.write_string(row, col, str(value))
    elif isinstance(value, int):
        sheet.write_number(row, col, value)
    elif isinstance(value, date):
        sheet.write_datetime(row, col, value, day)
    else:
        sheet.write_string(row, col, str(value))


def filename(review: ProgressReview, extension: str) -> str:
    return f"progress-review-{review.period.start}-{review.period.end}.{extension}"
