"""CSV cells: no spreadsheet locale splits or runs one, and numbers stay numbers."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.api.reporting.csv import FORMULA_STARTS, NUMBER, csv_cell, render_csv
from app.domain.reporting.report_tables import Table


def read(data: bytes, delimiter: str = ",") -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=delimiter))


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("上海回款", "上海回款"),
        ("A;B", '"A;B"'),
        ("A,B", '"A,B"'),
        ('say "hi"', '"say ""hi"""'),
        ("=1+1", '"\'=1+1"'),
        ("  =1+1", '"\'  =1+1"'),
        ("＝1+1", '"\'＝1+1"'),
        ("\u3000＝SUM(A1)", '"\'\u3000＝SUM(A1)"'),
        ("+86 21 5555", '"\'+86 21 5555"'),
        ("-2+3+cmd|' /C calc'!A0", "\"'-2+3+cmd|' /C calc'!A0\""),
        ("@SUM(A1:A9)", '"\'@SUM(A1:A9)"'),
        ("\tx", '"\'\tx"'),
        ("\rx", '"\'\rx"'),
        ("=A1;B1", '"\'=A1;B1"'),
        # Plain decimal numbers stay numbers, negative ones included, so a column sums.
        ("-12.50", "-12.50"),
        ("1234.50", "1234.50"),
        ("0", "0"),
        ("-7", "-7"),
        # Things a lax parser calls numbers but a spreadsheet runs as formulas.
        ("-Infinity", '"\'-Infinity"'),
        ("-1e5", '"\'-1e5"'),
        ("-1_000", '"\'-1_000"'),
        ("-١٢", '"\'-١٢"'),
        ("", ""),
        ("2026-11-27", "2026-11-27"),
    ],
)
def test_cells(value: str, written: str) -> None:
    assert csv_cell(value) == written


def test_a_table_reads_back_with_either_separator() -> None:
    table = Table(("name", "amount"), [("A;B", "-12.50"), ("=1+1", "3.00"), ("甲, 乙", "0")])
    data = render_csv(table)
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.endswith(b"\r\n")
    assert read(data) == [["name", "amount"], ["A;B", "-12.50"], ["'=1+1", "3.00"], ["甲, 乙", "0"]]
    # A locale whose list separator is ';' still sees each quoted cell whole.
    assert read(data, ";")[1] == ["A;B,-12.50"]


@given(st.text())
def test_any_text_reads_back_whole_and_never_runs(value: str) -> None:
    data = render_csv(Table(("a", "b"), [(value, "1")]))
    ((cell, other),) = read(data)[1:]
    assert other == "1"
    if cell != value:
        assert cell == "'" + value
    if cell.lstrip().startswith(FORMULA_STARTS) or cell.startswith(("\t", "\r")):
        assert NUMBER.fullmatch(cell)  # a negative amount, nothing to run
    semicolon_rows = read(data, ";")[1:]
    assert len(semicolon_rows) == 1
    assert len(semicolon_rows[0]) == 1  # ';' inside the line never splits a cell
