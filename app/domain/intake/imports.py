"""Bulk import: what each kind of file holds, and how its rows become inbound events.

A file's rows are read against its kind's columns (named in English or Chinese); each
row (for contracts, each run of rows of one contract: one row per installment) becomes
one inbound event with id ``import:<file_sha256>:<row>``, so an import follows the rules,
parking and idempotency of ingestion. The kinds are one table: a kind is a few lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

MAX_ERROR_VALUE = 200  # characters of a rejected cell kept in the errors file


class ImportKind(StrEnum):
    CUSTOMERS = "customers"
    CONTRACTS = "contracts"
    INVOICES = "invoices"
    PAYMENTS = "payments"
    PROJECTS = "projects"
    ORG_UNITS = "org_units"
    PEOPLE = "people"


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    PARTIALLY_SUCCEEDED = "partially_succeeded"
    FAILED = "failed"


FINISHED = frozenset({JobStatus.SUCCEEDED, JobStatus.PARTIALLY_SUCCEEDED, JobStatus.FAILED})


class Cell(StrEnum):
    """How a cell's value is read: spreadsheets give numbers and dates, CSV gives text."""

    TEXT = "text"
    AMOUNT = "amount"
    DATE = "date"
    INTEGER = "integer"
    LIST = "list"  # several values in one cell, separated by ; or ,
    BOOLEAN = "boolean"  # true/false, 是/否, yes/no, 1/0


@dataclass(frozen=True, slots=True)
class Column:
    field: str  # the event's data field
    en: str
    zh: str
    cell: Cell = Cell.TEXT
    required: bool = False  # the header must have it (a row may still leave it empty)
    example: str = ""


@dataclass(frozen=True, slots=True)
class KindSpec:
    kind: ImportKind
    event_type: str
    columns: tuple[Column, ...]
    # Columns of one item of a list field (contracts: installments), by item field.
    item_columns: Mapping[str, str] = field(default_factory=dict)
    items_field: str | None = None
    key: str = "external_id"  # the field that names the record (unique within a file)


def _c(field_: str, zh: str, cell: Cell = Cell.TEXT, *, req: bool = False, ex: str = "") -> Column:
    return Column(field_, field_, zh, cell, req, ex)


_CUSTOMER = _c("customer_external_id", "客户编号", req=True, ex="C-1001")
_CURRENCY = _c("currency", "币种", req=True, ex="CNY")

KINDS: dict[ImportKind, KindSpec] = {
    ImportKind.CUSTOMERS: KindSpec(
        ImportKind.CUSTOMERS,
        "customer.upserted",
        (
            _c("external_id", "客户编号", req=True, ex="C-1001"),
            _c("name", "客户名称", req=True, ex="华东建设有限公司"),
            _c("credit_rating", "信用等级", ex="B"),
            _c("credit_limit", "信用额度", Cell.AMOUNT, ex="500000.00"),
            _c("currency", "币种", ex="CNY"),
            _c("payment_terms_days", "账期天数", Cell.INTEGER, ex="45"),
        ),
    ),
    ImportKind.CONTRACTS: KindSpec(
        ImportKind.CONTRACTS,
        "contract.upserted",
        (
            _c("external_id", "合同编号", req=True, ex="HT-2026-001"),
            _CUSTOMER,
            _c("name", "合同名称", req=True, ex="办公楼机电安装"),
            _c("amount", "合同金额", Cell.AMOUNT, req=True, ex="1000000.00"),
            _CURRENCY,
            _c("owner", "负责人", req=True, ex="张三"),
            _c("signed_on", "签订日期", Cell.DATE, req=True, ex="2026-01-15"),
            _c("late_fee_rate", "滞纳金日利率", Cell.AMOUNT),
            _c("installment_name", "期次名称", req=True, ex="预付款"),
            _c("installment_due_date", "期次到期日", Cell.DATE, req=True, ex="2026-02-01"),
            _c("installment_amount", "期次金额", Cell.AMOUNT, ex="300000.00"),
            _c("installment_percent", "期次比例", Cell.AMOUNT),
        ),
        item_columns={
            "name": "installment_name",
            "due_date": "installment_due_date",
            "amount": "installment_amount",
            "percent": "installment_percent",
        },
        items_field="installments",
    ),
    ImportKind.INVOICES: KindSpec(
        ImportKind.INVOICES,
        "invoice.issued",
        (
            _c("external_id", "发票号", req=True, ex="INV-2026-0001"),
            _CUSTOMER,
            _c("contract_external_id", "合同编号", ex="HT-2026-001"),
            _c("installment_name", "期次名称", ex="预付款"),
            _c("amount", "金额", Cell.AMOUNT, req=True, ex="300000.00"),
            _CURRENCY,
            _c("issued_on", "开票日期", Cell.DATE, req=True, ex="2026-02-01"),
            _c("due_date", "到期日", Cell.DATE, req=True, ex="2026-03-02"),
        ),
    ),
    ImportKind.PAYMENTS: KindSpec(
        ImportKind.PAYMENTS,
        "payment.received",
        (
            _c("external_id", "收款编号", req=True, ex="PAY-2026-0001"),
            _CUSTOMER,
            _c("amount", "金额", Cell.AMOUNT, req=True, ex="300000.00"),
            _CURRENCY,
            _c("received_on", "收款日期", Cell.DATE, req=True, ex="2026-02-20"),
            _c("method", "收款方式", ex="bank_transfer"),
            _c("reference", "摘要", ex="预付款"),
            _c("invoice_external_ids", "优先核销发票", Cell.LIST, ex="INV-2026-0001"),
        ),
    ),
    ImportKind.PROJECTS: KindSpec(
        ImportKind.PROJECTS,
        "project.upserted",
        (
            _c("external_id", "项目编号", req=True, ex="XM-2026-001"),
            _c("name", "项目名称", req=True, ex="办公楼机电安装"),
            _CUSTOMER,
            _c("org_unit_code", "部门编码", ex="EAST"),
            _c("manager", "项目经理", ex="zhangsan"),
            _c("status", "状态", ex="active"),
            _c("starts_on", "开始日期", Cell.DATE, ex="2026-01-15"),
            _c("ends_on", "结束日期", Cell.DATE, ex="2026-12-31"),
        ),
    ),
    ImportKind.ORG_UNITS: KindSpec(
        ImportKind.ORG_UNITS,
        "org_unit.upserted",
        (
            _c("code", "部门编码", req=True, ex="EAST"),
            _c("name", "部门名称", req=True, ex="华东大区"),
            _c("parent_code", "上级部门编码", ex="HQ"),
            _c("manager", "负责人", ex="lisi"),
        ),
        key="code",
    ),
    ImportKind.PEOPLE: KindSpec(
        ImportKind.PEOPLE,
        "person.upserted",
        (
            _c("user_id", "用户编号", req=True, ex="zhangsan"),
            _c("name", "姓名", req=True, ex="张三"),
            _c("org_unit_code", "部门编码", ex="EAST"),
            _c("active", "在职", Cell.BOOLEAN, ex="true"),
        ),
        key="user_id",
    ),
}

_TRUE = frozenset({"true", "yes", "y", "1", "是", "在职"})
_FALSE = frozenset({"false", "no", "n", "0", "否", "离职"})


class UnreadableFile(ValueError):
    """The file is not a CSV or XLSX that can be read (422), with the row when known."""

    def __init__(self, message: str, row: int | None = None) -> None:
        super().__init__(message)
        self.row = row


@dataclass(frozen=True, slots=True)
class UncachedFormula:
    """An XLSX formula cell saved without its value (written by a program, never computed
    by Excel): its row is rejected, never read as empty or as the formula's text."""

    formula: str


class HeaderProblem(ValueError):
    """The header row cannot be read: the job fails at once, naming the column."""

    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


def _norm(name: object) -> str:
    return re.sub(r"[\s_]+", "_", str(name if name is not None else "").strip().lower())


@dataclass(frozen=True, slots=True)
class Header:
    """Which column of the file holds which field, and how wide a row may be."""

    positions: Mapping[str, int]  # field -> column index
    width: int
    names: Mapping[str, str]  # field -> the header as written in the file


def read_header(spec: KindSpec, cells: Sequence[object]) -> Header:
    """Matches the header row to the kind's columns (English or Chinese, any case)."""
    by_name: dict[str, Column] = {}
    for column in spec.columns:
        by_name[_norm(column.en)] = column
        by_name[_norm(column.zh)] = column
    positions: dict[str, int] = {}
    names: dict[str, str] = {}
    width = len(cells)
    while width and _norm(cells[width - 1]) == "":
        width -= 1
    for index, raw in enumerate(cells[:width]):
        written = str(raw if raw is not None else "").strip()
        found = by_name.get(_norm(raw))
        if found is None:
            known = ", ".join(c.en for c in spec.columns)
            raise HeaderProblem(written, f"unknown column {written!r}; the columns are {known}")
        if found.field in positions:
            raise HeaderProblem(written, f"column {written!r} appears twice")
        positions[found.field], names[found.field] = index, written
    for column in spec.columns:
        if column.required and column.field not in positions:
            raise HeaderProblem(column.en, f"required column {column.en} ({column.zh}) is missing")
    return Header(positions, width, names)


@dataclass(frozen=True, slots=True)
class RowError:
    row: int
    column: str
    value: str
    message: str


@dataclass(frozen=True, slots=True)
class RowEvent:
    """One event made of the rows ``first_row`` .. ``last_row`` of the file."""

    first_row: int
    last_row: int
    external_id: str | None
    data: dict[str, Any]
    rows: tuple[int, ...]  # the file row of each item (contracts), else (first_row,)


def cell_value(cell: Cell, value: object) -> object | None:
    """A cell as the event's JSON would carry it; None when empty."""
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        if value == "":
            return None
    if cell is Cell.LIST:
        return [part.strip() for part in re.split(r"[;,，；]", str(value)) if part.strip()]
    if cell is Cell.DATE and isinstance(value, datetime):
        return value.date().isoformat()
    if cell is Cell.DATE and isinstance(value, date):
        return value.isoformat()
    if cell is Cell.BOOLEAN:
        text = str(value).strip().lower() if not isinstance(value, bool) else str(value).lower()
        if isinstance(value, float | int) and not isinstance(value, bool):
            text = str(int(value)) if float(value).is_integer() else text
        return True if text in _TRUE else False if text in _FALSE else str(value)
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        # A spreadsheet number: integral ones read as written (an id 1001, not 1001.0).
        if value.is_integer():
            value = int(value)
        elif cell is Cell.AMOUNT:
            return str(Decimal(repr(value)))
    if cell is Cell.INTEGER:
        if isinstance(value, int):
            return value
        text = str(value)
        return int(text) if re.fullmatch(r"-?\d{1,9}", text) else text
    return str(value)


class RowReader:
    """Turns data rows into events, grouping contract rows, finding rows too wide."""

    def __init__(self, spec: KindSpec, header: Header) -> None:
        self.spec = spec
        self.header = header
        self.fields = {c.field: c for c in spec.columns}

    def _values(self, cells: Sequence[object]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, index in self.header.positions.items():
            raw = cells[index] if index < len(cells) else None
            value = cell_value(self.fields[name].cell, raw)
            if value is not None:
                values[name] = value
        return values

    def _uncached(self, number: int, cells: Sequence[object]) -> RowError | None:
        for name, index in self.header.positions.items():
            cell = cells[index] if index < len(cells) else None
            if isinstance(cell, UncachedFormula):
                message = "the formula has no saved value: open the file in Excel and save it"
                return RowError(number, self.header.names[name], f"={cell.formula}", message)
        return None

    def events(self, rows: Iterable[tuple[int, Sequence[object]]]) -> Iterator[RowEvent | RowError]:
        """Events in file order; a contract's rows must follow one another."""
        pending: RowEvent | None = None
        for number, cells in rows:
            if all(cell_value(Cell.TEXT, c) is None for c in cells):
                continue  # a blank line
            extra = [c for c in cells[self.header.width :] if cell_value(Cell.TEXT, c) is not None]
            if extra:
                if pending is not None:
                    yield pending
                    pending = None
                yield RowError(
                    number,
                    "",
                    _shown(extra[0]),
                    f"the row has {self.header.width + len(extra)} or more cells; "
                    f"the header has {self.header.width}",
                )
                continue
            uncached = self._uncached(number, cells)
            if uncached is not None:
                if pending is not None:
                    yield pending  # first: the job goes on after the last row it gave
                    pending = None
                yield uncached
                continue
            values = self._values(cells)
            external_id = values.get(self.spec.key)
            if self.spec.items_field is None:
                yield RowEvent(number, number, _text_or_none(external_id), values, (number,))
                continue
            item = {k: values.pop(v) for k, v in self.spec.item_columns.items() if v in values}
            if pending is not None and external_id == pending.external_id:
                pending.data[self.spec.items_field].append(item)
                pending = RowEvent(
                    pending.first_row, number, pending.external_id, pending.data,
                    (*pending.rows, number),
                )  # fmt: skip
                continue
            if pending is not None:
                yield pending
            values[self.spec.items_field] = [item]
            pending = RowEvent(number, number, _text_or_none(external_id), values, (number,))
        if pending is not None:
            yield pending


def _text_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else (None if value is None else str(value))


def _shown(value: object) -> str:
    return str(value)[:MAX_ERROR_VALUE] if value is not None else ""


def event_id(file_sha256: str, row: int) -> str:
    return f"import:{file_sha256}:{row}"


def row_errors(
    spec: KindSpec, header: Header, event: RowEvent, problem: Mapping[str, Any]
) -> list[RowError]:
    """The rows and columns a rejected event's problem points at (the first row and no
    column when it names no field)."""
    issues = problem.get("errors") or []
    found: list[RowError] = []
    for issue in issues:
        loc = list(issue.get("loc") or [])
        message = str(issue.get("msg", problem.get("detail", "")))
        row, name = event.first_row, ""
        if len(loc) >= 2 and loc[0] == "data":
            name = str(loc[1])
            if name == spec.items_field and len(loc) >= 3 and isinstance(loc[2], int):
                row = event.rows[loc[2]] if loc[2] < len(event.rows) else row
                name = spec.item_columns.get(str(loc[3]), name) if len(loc) >= 4 else name
        found.append(_located(header, event, row, name, message))
    if not found:
        found.append(RowError(event.first_row, "", "", str(problem.get("detail", "rejected"))))
    return found


def _located(header: Header, event: RowEvent, row: int, name: str, message: str) -> RowError:
    value: object = event.data.get(name, "")
    if isinstance(value, list):
        value = ";".join(str(v) for v in value)
    return RowError(row, header.names.get(name, name), _shown(value), message)


def template_rows(spec: KindSpec, lang: str) -> tuple[list[str], list[str]]:
    """The header and one example row, for a template in ``lang`` (en or zh)."""
    header = [c.zh if lang == "zh" else c.en for c in spec.columns]
    return header, [c.example for c in spec.columns]
