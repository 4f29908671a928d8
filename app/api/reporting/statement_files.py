"""A statement as JSON, CSV, XLSX or PDF, written as its lines arrive.

JSON and CSV stream straight to the client. XLSX (xlsxwriter in ``constant_memory`` mode:
a row is written out once the next begins) and PDF (reportlab, page by page, in the
built-in CID font STSong-Light, so Chinese text needs no font file and stays extractable)
are written to a temporary file, then streamed from it; either way no statement is ever
held in memory line by line.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from typing import Any

import xlsxwriter
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from app.api.reporting.csv import BOM, csv_cell
from app.domain.money import MINOR_UNITS, Money
from app.domain.reporting.statements import Line, LineKind
from app.services.reporting.statements import Statement

CHUNK = 64 * 1024
FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

LABELS = {
    LineKind.INVOICE: "发票 invoice",
    LineKind.ALLOCATION: "收款 payment",
    LineKind.UNALLOCATED: "未核销收款 unallocated",
    LineKind.WRITE_OFF: "核销 write-off",
    LineKind.VOID: "作废 void",
    LineKind.REVERSAL: "退回 reversal",
}
COLUMNS = ("date", "kind", "ref", "currency", "debit", "credit", "balance")


def amount(value: Decimal, currency: str) -> str:
    return f"{value:.{MINOR_UNITS[currency]}f}"


def line_document(line: Line) -> dict[str, str]:
    m, currency = line.movement, line.movement.currency
    return {
        "date": m.day.isoformat(),
        "kind": m.kind.value,
        "ref": m.ref,
        "currency": currency,
        "debit": amount(m.debit, currency),
        "credit": amount(m.credit, currency),
        "balance": amount(line.balance, currency),
    }


def _wire(balances: dict[str, Money]) -> dict[str, str]:
    return {c: m.to_wire() for c, m in balances.items()}


def header_document(statement: Statement, company: str) -> dict[str, Any]:
    return {
        "customer_id": str(statement.customer_id),
        "customer_name": statement.customer_name,
        "company_name": company,
        "from": statement.period.start.isoformat(),
        "to": statement.period.end.isoformat(),
        "currencies": statement.currencies,
        "opening_balance": _wire(statement.opening),
    }


async def _footer(statement: Statement) -> dict[str, Any]:
    totals = {
        c: {"debits": amount(d, c), "credits": amount(k, c)}
        for c, (d, k) in statement.totals().items()
    }
    ageing = {c: _wire(b) for c, b in (await statement.ageing()).items()}
    return {"closing_balance": _wire(statement.closing()), "totals": totals, "ageing": ageing}


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


async def json_chunks(statement: Statement, company: str) -> AsyncIterator[bytes]:
    head = _dumps(header_document(statement, company))
    yield (head[:-1] + ',"lines":[').encode()
    batch: list[str] = []
    first = True
    async for line in statement.lines():
        batch.append(("" if first else ",") + _dumps(line_document(line)))
        first = False
        if len(batch) >= 500:
            yield "".join(batch).encode()
            batch = []
    footer = _dumps(await _footer(statement))
    yield ("".join(batch) + "]," + footer[1:]).encode()


def _csv_row(values: tuple[str, ...]) -> str:
    return ",".join(csv_cell(v) for v in values) + "\r\n"


async def csv_chunks(statement: Statement) -> AsyncIterator[bytes]:
    """The opening and closing balances as lines of their own (kind ``opening_balance`` and
    ``closing_balance``), each currency's lines between them."""
    start, end = statement.period.start.isoformat(), statement.period.end.isoformat()
    out = [BOM + _csv_row(COLUMNS)]
    for currency in statement.currencies:
        opening = statement.opening[currency].to_wire()
        out.append(_csv_row((start, "opening_balance", "", currency, "", "", opening)))
        async for line in statement.lines_of(currency):
            out.append(_csv_row(tuple(line_document(line).values())))
            if len(out) >= 500:
                yield "".join(out).encode()
                out = []
        closing = amount(statement.balances.balances[currency], currency)
        out.append(_csv_row((end, "closing_balance", "", currency, "", "", closing)))
    yield "".join(out).encode()


async def _file_chunks(path: str) -> AsyncIterator[bytes]:
    try:
        with open(path, "rb") as source:
            while chunk := source.read(CHUNK):
                yield chunk
    finally:
        os.unlink(path)


def _temporary(suffix: str) -> str:
    handle, path = tempfile.mkstemp(prefix="huikuan-statement-", suffix=suffix)
    os.close(handle)
    return path


async def xlsx_chunks(statement: Statement, company: str) -> AsyncIterator[bytes]:
    path = _temporary(".xlsx")
    try:
        book = xlsxwriter.Workbook(path, {"constant_memory": True})
        sheet = book.add_worksheet("对账单")
        bold = book.add_format({"bold": True})
        formats = {
            c: book.add_format({"num_format": _number_format(c)}) for c in statement.currencies
        }
        sheet.set_column(0, 0, 12)
        sheet.set_column(1, 2, 24)
        sheet.set_column(3, 6, 16)
        row = _xlsx_heading(sheet, bold, statement, company)
        for currency in statement.currencies:
            number = formats[currency]
            sheet.write_row(row, 0, ("", "opening_balance", "", currency), bold)
            sheet.write_number(row, 6, float(statement.opening[currency].amount), number)
            row += 1
            async for line in statement.lines_of(currency):
                m = line.movement
                sheet.write_string(row, 0, m.day.isoformat())
                sheet.write_string(row, 1, LABELS[m.kind])
                sheet.write_string(row, 2, m.ref)
                sheet.write_string(row, 3, currency)
                sheet.write_number(row, 4, float(m.debit), number)
                sheet.write_number(row, 5, float(m.credit), number)
                sheet.write_number(row, 6, float(line.balance), number)
                row += 1
            sheet.write_row(row, 0, ("", "closing_balance", "", currency), bold)
            sheet.write_number(row, 6, float(statement.balances.balances.get(currency, 0)), number)
            row += 1
        row += 1
        for currency, buckets in (await statement.ageing()).items():
            for name, value in buckets.items():  # the closing balance's ageing, bucket by bucket
                sheet.write_row(row, 0, ("", f"ageing {name}", "", currency), bold)
                sheet.write_number(row, 6, float(value.amount), formats[currency])
                row += 1
        book.close()
    except BaseException:
        os.unlink(path)
        raise
    async for chunk in _file_chunks(path):
        yield chunk


def _number_format(currency: str) -> str:
    places = MINOR_UNITS[currency]
    return "#,##0" + ("." + "0" * places if places else "")


def _xlsx_heading(sheet: Any, bold: Any, statement: Statement, company: str) -> int:
    sheet.write_string(0, 0, f"{company} 对账单 Statement of account", bold)
    sheet.write_string(1, 0, f"客户 Customer: {statement.customer_name}")
    sheet.write_string(2, 0, f"期间 Period: {statement.period.start} – {statement.period.end}")
    sheet.write_row(4, 0, COLUMNS, bold)
    return 5


class _Pages:
    """Draws rows top to bottom, starting a new page (with the column heads) when full."""

    TOP, BOTTOM, LEFT, ROW = 800, 50, 40, 14
    X = (40, 105, 200, 330, 370, 445, 520)  # date, kind, ref, currency, debit, credit, balance

    def __init__(self, canvas: Canvas, title: str) -> None:
        self.canvas = canvas
        self.title = title
        self.page = 0
        self.y = 0.0
        self._new_page()

    def _new_page(self) -> None:
        if self.page:
            self.canvas.showPage()
        self.page += 1
        self.canvas.setFont(FONT, 8)
        self.canvas.drawString(self.LEFT, self.TOP + 20, f"{self.title}  — {self.page}")
        self.y = self.TOP
        self.row(
            (
                "日期 date",
                "类型 kind",
                "单号 ref",
                "币种",
                "借方 debit",
                "贷方 credit",
                "余额 balance",
            )
        )

    def text(self, value: str, size: int = 9) -> None:
        if self.y < self.BOTTOM:
            self._new_page()
        self.canvas.setFont(FONT, size)
        self.canvas.drawString(self.LEFT, self.y, value)
        self.y -= self.ROW + (size - 9)

    def row(self, values: tuple[str, ...]) -> None:
        if self.y < self.BOTTOM:
            self._new_page()
        self.canvas.setFont(FONT, 8)
        for x, value in zip(self.X, values, strict=True):
            if x >= self.X[4]:
                self.canvas.drawRightString(x + 60, self.y, value)
            else:
                self.canvas.drawString(x, self.y, value[:24])
        self.y -= self.ROW


async def pdf_chunks(statement: Statement, company: str, today: date) -> AsyncIterator[bytes]:
    path = _temporary(".pdf")
    try:
        canvas = Canvas(path, pagesize=A4, pageCompression=1)
        canvas.setTitle(f"{company} 对账单 {statement.customer_name}")
        canvas.setFont(FONT, 16)
        canvas.drawString(40, 810, f"{company}  对账单 Statement of account")
        canvas.setFont(FONT, 10)
        canvas.drawString(40, 790, f"客户 Customer: {statement.customer_name}")
        period = f"{statement.period.start} – {statement.period.end}"
        canvas.drawString(40, 776, f"期间 Period: {period}    制表日期 Issued: {today}")
        pages = _Pages(canvas, f"{company} · {statement.customer_name} · {period}")
        pages.y = 750
        for currency in statement.currencies:
            opening = statement.opening[currency].to_wire()
            pages.text(f"{currency} 期初余额 Opening balance: {opening}", 10)
            async for line in statement.lines_of(currency):
                doc = line_document(line)
                kind = LABELS[line.movement.kind]
                pages.row((doc["date"], kind, doc["ref"], currency, *list(doc.values())[4:]))
        await _pdf_footer(statement, pages)
        canvas.save()
    except BaseException:
        os.unlink(path)
        raise
    async for chunk in _file_chunks(path):
        yield chunk


async def _pdf_footer(statement: Statement, pages: _Pages) -> None:
    ageing = await statement.ageing()
    for currency, closing in statement.closing().items():
        debits, credits = statement.totals()[currency]
        pages.text(
            f"{currency} 本期借方 Debits {amount(debits, currency)}  本期贷方 Credits "
            f"{amount(credits, currency)}  期末余额 Closing balance {closing.to_wire()}",
            10,
        )
        buckets = "  ".join(f"{name} {value.to_wire()}" for name, value in ageing[currency].items())
        pages.text(f"账龄 Ageing: {buckets}", 9)
    pages.text(
        "请核对上述余额，如有不符请于收到后十五日内告知。Please confirm the balance above.", 9
    )
