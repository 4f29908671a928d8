"""The streamed XLSX reader (app/adapters/intake/xlsx_stream.py): the values python-calamine
gave, formulas' saved values, shared strings past the cache, and broken workbooks refused."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from app.adapters.intake import xlsx_book, xlsx_stream
from app.adapters.intake.xlsx_book import is_date_format, serial_date
from app.adapters.intake.xlsx_stream import check_xlsx, xlsx_rows
from app.domain.intake.imports import (
    KINDS,
    ImportKind,
    RowError,
    RowReader,
    UncachedFormula,
    UnreadableFile,
    read_header,
)

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"


def varied_workbook(path: Path, constant_memory: bool) -> None:
    book = xlsxwriter.Workbook(str(path), {"constant_memory": constant_memory})
    sheet = book.add_worksheet()
    iso = book.add_format({"num_format": "yyyy-mm-dd"})
    chinese = book.add_format({"num_format": 'yyyy"年"m"月"d"日"'})
    builtin_cjk = book.add_format({"num_format": 31})
    money = book.add_format({"num_format": "[$¥-804]#,##0.00;[Red]-#,##0.00"})
    sheet.write_row(0, 0, ["a", "b", "c", "d", "e", "f", "g", "h"])
    sheet.write_row(1, 0, ["华东", 12, 12.5, True, "  x ", "", None, "0012"])
    sheet.write_datetime(2, 0, date(2026, 1, 31), iso)
    sheet.write_datetime(2, 1, date(2026, 2, 1), chinese)
    sheet.write_datetime(2, 2, date(2026, 3, 1), builtin_cjk)
    sheet.write_number(2, 3, 1234.56, money)
    sheet.write_datetime(2, 4, datetime(2026, 3, 1, 12, 30), iso)
    sheet.write_formula(3, 0, "=B2*2", None, 24)
    sheet.write_formula(3, 1, '="a"&"b"', None, "ab")
    sheet.write_rich_string(3, 2, "富", book.add_format({"bold": True}), "文本")
    sheet.write(5, 3, "after a missing row")
    sheet.write(6, 7, 0.1 + 0.2)
    book.close()


def calamine_rows(path: Path) -> list[tuple[int, list[Any]]]:
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    start = (sheet.start or (0, 0))[0] + 1
    return [(start + n, list(cells)) for n, cells in enumerate(sheet.iter_rows())]


def trimmed(cells: list[Any]) -> list[Any]:
    cells = ["" if cell is None else cell for cell in cells]
    while cells and cells[-1] == "":
        cells.pop()
    return cells


@pytest.mark.parametrize("constant_memory", [False, True], ids=["shared", "inline"])
def test_rows_are_the_values_python_calamine_gave(tmp_path: Path, constant_memory: bool) -> None:
    path = tmp_path / "book.xlsx"
    varied_workbook(path, constant_memory)
    expected = [(n, trimmed(c)) for n, c in calamine_rows(path) if trimmed(c)]
    got = [(n, trimmed(c)) for n, c in xlsx_rows(path)]
    assert got == expected
    assert got[2][1][:3] == [date(2026, 1, 31), date(2026, 2, 1), date(2026, 3, 1)]
    assert got[3][1][:3] == [24, "ab", "富文本"]  # a formula's saved value, rich text joined


def test_shared_strings_past_the_cache_are_read_back_from_the_spool(tmp_path: Path) -> None:
    path = tmp_path / "many.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    count = xlsx_stream.CACHE * 3
    for n in range(count):
        sheet.write_row(n, 0, [f"S-{n}", "同"])
    sheet.write_row(count, 0, ["S-0", f"S-{count // 2}"])  # long evicted from the cache
    book.close()
    spool = tmp_path / "spool"
    spool.mkdir()
    rows = list(xlsx_rows(path, spool))
    assert len(rows) == count + 1
    assert rows[count // 2][1] == [f"S-{count // 2}", "同"]
    assert rows[-1] == (count + 1, ["S-0", f"S-{count // 2}"])
    assert list(spool.iterdir()) == []  # the spool files went with the reader


def handmade(
    rows_xml: str,
    *,
    strings: list[str] | None = None,
    workbook_pr: str = "",
    prologue: str = "",
) -> bytes:
    """A minimal workbook, as a program other than Excel might write one."""
    buffer = io.BytesIO()
    sst = "".join(f"<si><t>{s}</t></si>" for s in strings or [])
    rels = f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    if strings is not None:
        rels += f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{PKG}"><Relationship Id="r" '
            f'Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        book.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{MAIN}" xmlns:r="{REL}">{workbook_pr}'
            f'<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        book.writestr(
            "xl/_rels/workbook.xml.rels", f'<Relationships xmlns="{PKG}">{rels}</Relationships>'
        )
        book.writestr(
            "xl/worksheets/sheet1.xml",
            f'{prologue}<worksheet xmlns="{MAIN}"><sheetData>{rows_xml}</sheetData></worksheet>',
        )
        if strings is not None:
            book.writestr("xl/sharedStrings.xml", f'<sst xmlns="{MAIN}">{sst}</sst>')
    return buffer.getvalue()


def read(tmp_path: Path, content: bytes) -> list[tuple[int, list[Any]]]:
    path = tmp_path / "made.xlsx"
    path.write_bytes(content)
    check_xlsx(path)
    return list(xlsx_rows(path))


def test_a_formula_saved_without_its_value_rejects_its_row(tmp_path: Path) -> None:
    sheet = (
        '<row r="1"><c r="A1" t="inlineStr"><is><t>external_id</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>name</t></is></c></row>'
        '<row r="2"><c r="A2" t="inlineStr"><is><t>C-1</t></is></c>'
        '<c r="B2"><f>A1&amp;"x"</f></c></row>'
        '<row r="3"><c r="A3" t="inlineStr"><is><t>C-2</t></is></c>'
        '<c r="B3" t="str"><f>"甲"</f><v>甲</v></c></row>'
    )
    rows = read(tmp_path, handmade(sheet))
    assert rows[1][1] == ["C-1", UncachedFormula('A1&"x"')]
    spec = KINDS[ImportKind.CUSTOMERS]
    items = list(RowReader(spec, read_header(spec, rows[0][1])).events(rows[1:]))
    assert isinstance(items[0], RowError)
    assert (items[0].row, items[0].column, items[0].value) == (2, "name", '=A1&"x"')
    assert "no saved value" in items[0].message
    assert not isinstance(items[1], RowError)
    assert items[1].data["name"] == "甲"


def test_handmade_sheets_shared_strings_1904_dates_and_a_sheet_starting_at_b(
    tmp_path: Path,
) -> None:
    sheet = (
        '<row r="2"/>'  # formatting only, above the header
        '<row r="3"><c r="B3" t="s"><v>0</v></c><c r="C3" t="s"><v>1</v></c></row>'
        '<row><c r="B4" t="s"><v>2</v></c><c r="C4" s="0"><v>0</v></c><c t="b"><v>1</v></c></row>'
    )
    content = handmade(sheet, strings=["external_id", "name", "C-1"],
                       workbook_pr='<workbookPr date1904="1"/>')  # fmt: skip
    assert read(tmp_path, content) == [(3, ["external_id", "name"]), (4, ["C-1", 0.0, True])]
    assert serial_date(0, date1904=True) == date(1904, 1, 1)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "not a readable XLSX"),
        (b"PK\x03\x04" + b"\x00" * 100, "not a readable XLSX"),
        (handmade("")[:200], "not a readable XLSX"),
        (handmade('<row r="1"><c r="A1" t="s"><v>5</v></c></row>', strings=["a"]), "shared"),
        (handmade("", prologue='<!DOCTYPE w [<!ENTITY e "x">]>'), "DTD"),
        (handmade('<row r="1"><c r="A1"><v>1</v></row>'), "XML cannot be read"),
    ],
    ids=["empty", "no directory", "truncated", "unknown string", "DTD", "malformed"],
)
def test_broken_workbooks_are_unreadable(tmp_path: Path, content: bytes, message: str) -> None:
    with pytest.raises(UnreadableFile, match=message):
        read(tmp_path, content)


def test_a_corrupt_sheet_is_refused_at_its_check(tmp_path: Path) -> None:
    rows = "".join(f'<row r="{n}"><c r="A{n}"><v>{n * 7919}</v></c></row>' for n in range(1, 3000))
    content = bytearray(handmade(rows))
    start = content.index(b"xl/worksheets/sheet1.xml") + 200  # inside its deflated data
    content[start : start + 50] = bytes(50)
    path = tmp_path / "corrupt.xlsx"
    path.write_bytes(bytes(content))
    with pytest.raises(UnreadableFile):
        check_xlsx(path)


def test_a_sheet_inflating_past_the_bound_is_refused_before_it_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = "".join(f'<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>' for n in range(1, 2000))
    monkeypatch.setattr(xlsx_book, "MAX_XML_BYTES", 50_000)
    with pytest.raises(UnreadableFile, match="inflates to"):
        read(tmp_path, handmade(rows))


@pytest.mark.parametrize(
    ("code", "is_date"),
    [
        ("yyyy-mm-dd", True),
        ('yyyy"年"m"月"d"日"', True),
        ("[h]:mm", True),
        ("[$-804]aaaa", False),
        ("[$¥-804]#,##0.00;[Red]-#,##0.00", False),
        ('0.00" days"', False),
        ("General", False),
        ("0.00E+00", False),
        ("#,##0_);(#,##0)", False),
    ],
)
def test_date_formats(code: str, is_date: bool) -> None:
    assert is_date_format(code) is is_date


def test_serial_dates_count_excels_missing_leap_day() -> None:
    assert serial_date(1) == date(1900, 1, 1)
    assert serial_date(61) == date(1900, 3, 1)
    assert serial_date(46023) == date(2026, 1, 1)
    assert serial_date(46023.5) == datetime(2026, 1, 1, 12)
