"""Reading uploaded CSV and XLSX files row by row, and writing the templates.

CSV is streamed (UTF-8 with or without BOM, else GB18030; a file that is neither is
refused naming its first bad row). XLSX is streamed too (``xlsx_stream``): a formula cell
gives the value Excel saved with it.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
from collections.abc import Iterator, Sequence
from pathlib import Path

import xlsxwriter

from app.adapters.intake.xlsx_stream import check_xlsx, xlsx_rows
from app.domain.intake.imports import KINDS, ImportKind, KindSpec, UnreadableFile, template_rows
from app.services.intake.import_ports import FileInfo

CHUNK = 1024 * 1024
XLSX_MAGIC = b"PK\x03\x04"
Row = tuple[int, Sequence[object]]


def file_format(path: Path) -> str:
    with path.open("rb") as file:
        return "xlsx" if file.read(4) == XLSX_MAGIC else "csv"


def _decodes(path: Path, encoding: str) -> int | None:
    """None when the whole file decodes, else the (1-based) line where it stops."""
    decoder = codecs.getincrementaldecoder(encoding)()
    line = 1
    with path.open("rb") as file:
        while chunk := file.read(CHUNK):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                return line + chunk.count(b"\n", 0, error.start)
            line += chunk.count(b"\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return line
    return None


def csv_encoding(path: Path) -> str:
    """``utf-8-sig`` (with or without BOM) or ``gb18030``; never a silent guess."""
    bad_row = _decodes(path, "utf-8")
    if bad_row is None:
        return "utf-8-sig"
    if _decodes(path, "gb18030") is None:
        return "gb18030"
    raise UnreadableFile(f"row {bad_row} is neither UTF-8 nor GB18030 text", bad_row)


def csv_rows(path: Path, encoding: str) -> Iterator[Row]:
    with path.open(encoding=encoding, newline="") as file:
        yield from enumerate(csv.reader(file), start=1)


def rows(path: Path, file_format: str, encoding: str | None) -> Iterator[Row]:
    if file_format == "xlsx":
        return xlsx_rows(path)
    return csv_rows(path, encoding or "utf-8-sig")


def rows_from(path: Path, file_format: str, encoding: str | None, start: int) -> Iterator[Row]:
    """The header row, then the rows numbered ``start`` and after."""
    every = rows(path, file_format, encoding)
    header = next(every, None)
    if header is None:
        return iter(())
    return itertools.chain([header], (row for row in every if row[0] >= start))


def header_row(path: Path, file_format: str, encoding: str | None) -> Sequence[object] | None:
    """The first row, or None when the file has none (empty)."""
    first = next(rows(path, file_format, encoding), None)
    return None if first is None else first[1]


def template(spec: KindSpec, lang: str, fmt: str) -> bytes:
    """The kind's columns and one example row, as CSV (with BOM, for Excel) or XLSX."""
    header, example = template_rows(spec, lang)
    if fmt == "csv":
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerows([header, example])
        return ("\ufeff" + text.getvalue()).encode()
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet(spec.kind.value)
    bold = workbook.add_format({"bold": True})
    for column, (name, value) in enumerate(zip(header, example, strict=True)):
        sheet.write_string(0, column, name, bold)
        sheet.write_string(1, column, value)  # as text: "0012" or a date stays as typed
        sheet.set_column(column, column, max(12, len(name) + 4))
    workbook.close()
    return buffer.getvalue()


class SpreadsheetFiles:
    """The service's view of uploaded files (``ImportFiles``)."""

    def inspect(self, path: Path) -> FileInfo:
        fmt = file_format(path)
        encoding = csv_encoding(path) if fmt == "csv" else None
        if fmt == "xlsx":
            check_xlsx(path)
        return FileInfo(fmt, encoding, header_row(path, fmt, encoding))

    def template(self, kind: ImportKind, lang: str, fmt: str) -> bytes:
        return template(KINDS[kind], lang, fmt)
