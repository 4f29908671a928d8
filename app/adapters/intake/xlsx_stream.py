"""An XLSX workbook's first sheet, a row at a time, in memory that does not grow with it.

python-calamine (0.9, its latest) builds the whole sheet before giving its first row, so a
job held its sheet for its whole run (decision 0146). Here the sheet's XML goes through
expat as it is inflated, 64 kB at a time, and each row is given and dropped. The shared
strings are parsed only as far as the rows read so far need (and a little ahead), and
spilled to a spool file beside the upload with an index of offsets: a table of a million
strings costs disk, not memory; a small cache keeps the strings the sheet names next.
"""

from __future__ import annotations

import functools
import os
import struct
import tempfile
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any, TypeVar
from xml.parsers import expat

from app.adapters.intake.xlsx_book import BROKEN, MAIN, Workbook, serial_date
from app.domain.intake.imports import UncachedFormula, UnreadableFile

CHUNK = 64 * 1024
CACHE = 8192  # shared strings kept decoded; the others are read back from the spool file
READ_AHEAD = 1024
END = struct.Struct("<Q")
Cells = list[object]
T = TypeVar("T")


def _names(local: str) -> frozenset[str]:
    return frozenset(f"{ns}}}{local}" for ns in MAIN)  # expat's "namespace}local"


ROW, CELL, VALUE, FORMULA, INLINE, ITEM, TEXT, PHONETIC = (
    _names(n) for n in ("row", "c", "v", "f", "is", "si", "t", "rPh")
)


def _no_dtd(*_: object) -> None:
    raise UnreadableFile("the workbook's XML declares a DTD; a spreadsheet has none")


def _feed(stream: IO[bytes], handler: Any, given: list[T]) -> Iterator[T]:
    """Parses ``stream`` a chunk at a time with ``handler``'s start, end and data, giving
    what they put in ``given`` after each chunk."""
    parser = expat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True
    parser.StartDoctypeDeclHandler = _no_dtd  # so no entity is ever declared or expanded
    parser.StartElementHandler = handler.start
    parser.EndElementHandler = handler.end
    parser.CharacterDataHandler = handler.data
    try:
        while chunk := stream.read(CHUNK):
            parser.Parse(chunk, False)
            yield from given
            given.clear()
        parser.Parse(b"", True)
    except UnreadableFile:
        raise
    except expat.ExpatError as error:
        raise UnreadableFile(f"the workbook's XML cannot be read ({error})") from None
    except BROKEN as error:  # a part's data corrupt past the upload's check
        raise UnreadableFile(f"not a readable XLSX workbook ({error})") from None
    yield from given


class _Text:
    """Collects the text of ``<t>`` elements inside an item, phonetic guides left out."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.collect = False
        self.phonetic = 0

    def data(self, text: str) -> None:
        if self.collect:
            self.parts.append(text)

    def take(self) -> str:
        self.collect = False
        text = "".join(self.parts)
        self.parts = []
        return text


class _Items(_Text):
    """The shared strings table's handlers: each ``<si>``'s text, runs joined."""

    def __init__(self) -> None:
        super().__init__()
        self.given: list[str] = []
        self.item: list[str] | None = None

    def start(self, name: str, _: dict[str, str]) -> None:
        if name in TEXT:
            self.collect = self.item is not None and not self.phonetic
        elif name in ITEM:
            self.item = []
        elif name in PHONETIC:
            self.phonetic += 1

    def end(self, name: str) -> None:
        if name in TEXT:
            if self.collect and self.item is not None:
                self.item.append(self.take())
        elif name in ITEM:
            self.given.append("".join(self.item or ()))
            self.item = None
        elif name in PHONETIC:
            self.phonetic -= 1


class SharedStrings:
    """The table, read just ahead of need; its strings spooled to disk, indexed by offset."""

    def __init__(self, stream: IO[bytes] | None, spool_dir: Path) -> None:
        self._stream = stream
        items = _Items()
        self._items = _feed(stream, items, items.given) if stream else iter(())
        # Both live as long as the sheet is read; close() ends them (and their disk).
        self._data = tempfile.TemporaryFile(dir=spool_dir)  # noqa: SIM115
        self._ends = tempfile.TemporaryFile(dir=spool_dir)  # noqa: SIM115
        self._size = 0  # bytes in the data file
        self.count = 0
        self._cache: dict[int, str] = {}

    def get(self, index: int) -> str:
        found = self._cache.get(index)
        if found is None and index >= self.count:
            self._read_ahead(index)
            found = self._cache.get(index)
        if found is not None:
            return found
        start = END.unpack(os.pread(self._ends.fileno(), 8, 8 * (index - 1)))[0] if index else 0
        end = END.unpack(os.pread(self._ends.fileno(), 8, 8 * index))[0]
        text = os.pread(self._data.fileno(), end - start, start).decode()
        if len(self._cache) >= CACHE:
            self._cache.clear()
        self._cache[index] = text
        return text

    def _read_ahead(self, index: int) -> None:
        """Parses the table up to ``index`` and a little past it: a sheet mostly names its
        strings in the table's order, so the next rows find theirs in the cache."""
        if len(self._cache) + READ_AHEAD >= CACHE:
            self._cache.clear()
        while self.count <= index + READ_AHEAD:
            text = next(self._items, None)
            if text is None:
                if self.count <= index:
                    raise UnreadableFile(f"a cell names shared string {index}; there are fewer")
                break
            encoded = text.encode()
            self._size += len(encoded)
            self._data.write(encoded)
            self._ends.write(END.pack(self._size))
            self._cache[self.count] = text
            self.count += 1
        self._data.flush()
        self._ends.flush()

    def close(self) -> None:
        self._data.close()
        self._ends.close()
        if self._stream is not None:
            self._stream.close()


class _Rows(_Text):
    """The sheet's handlers: each ``<row>`` as its number and its cells from column A."""

    def __init__(self, book: Workbook, strings: SharedStrings) -> None:
        super().__init__()
        self.strings = strings
        self.date_styles = book.date_styles
        self.date1904 = book.date1904
        self.given: list[tuple[int, Cells]] = []
        self.number = 0
        self.cells: Cells = []
        self.ref: str | None = None
        self.kind: str | None = None
        self.style: str | None = None
        self.value: str | None = None
        self.formula: str | None = None
        self.inline: list[str] | None = None

    def start(self, name: str, attrs: dict[str, str]) -> None:
        if name in CELL:
            self.ref, self.kind, self.style = attrs.get("r"), attrs.get("t"), attrs.get("s")
            self.value = self.formula = self.inline = None
        elif name in VALUE or name in FORMULA:
            self.collect = True
        elif name in ROW:
            number = attrs.get("r")
            self.number = int(number) if number else self.number + 1
            self.cells = []
        elif name in TEXT:
            self.collect = self.inline is not None and not self.phonetic
        elif name in INLINE:
            self.inline = []
        elif name in PHONETIC:
            self.phonetic += 1

    def end(self, name: str) -> None:
        if name in VALUE:
            self.value = self.take()
        elif name in CELL:
            self._place(self._cell())
        elif name in ROW:
            self.given.append((self.number, self.cells))
        elif name in FORMULA:
            self.formula = self.take()
        elif name in TEXT:
            if self.collect and self.inline is not None:
                self.inline.append(self.take())
        elif name in PHONETIC:
            self.phonetic -= 1

    def _place(self, value: object) -> None:
        cells = self.cells
        column = _column(self.ref) if self.ref else len(cells)
        if column >= len(cells):
            cells.extend([None] * (column - len(cells)))
            cells.append(value)
        else:
            cells[column] = value

    def _cell(self) -> object:
        kind, text = self.kind, self.value
        if kind == "inlineStr":
            return None if self.inline is None else "".join(self.inline)
        if text is None:  # Excel saves a formula's value; a program writing the file may not
            return None if self.formula is None else UncachedFormula(self.formula)
        if kind == "s":
            return self.strings.get(int(text))
        if kind in ("str", "e"):
            return text  # a formula's text; an error as Excel shows it (#N/A)
        if kind == "b":
            return text.strip() in ("1", "true")
        if text == "":
            return None
        if kind == "d":
            return _iso(text)
        number = float(text)
        if self.style is not None and int(self.style) in self.date_styles:
            return serial_date(number, self.date1904)
        return number


def _column(ref: str) -> int:
    """``"C7"`` -> 2."""
    return _letters(ref.rstrip("0123456789"))


@functools.cache
def _letters(letters: str) -> int:
    number = 0
    for char in letters.upper():
        number = number * 26 + ord(char) - 64
    return number - 1


def _iso(text: str) -> date | datetime:
    parsed = datetime.fromisoformat(text.rstrip("Z"))
    return parsed.date() if parsed.time() == datetime.min.time() else parsed


def xlsx_rows(path: Path, spool_dir: Path | None = None) -> Iterator[tuple[int, Cells]]:
    """The first sheet's rows, from its first row with a value (the header) on, and from
    the header's first column (as python-calamine gave them: from the first used cell)."""
    book = Workbook(path)
    strings = None
    try:
        strings = SharedStrings(book.zip.open(book.strings) if book.strings else None,
                                spool_dir or path.parent)  # fmt: skip
        rows = _Rows(book, strings)
        left: int | None = None  # the header's first column: a sheet may start at B
        with book.zip.open(book.sheet) as sheet:
            for number, cells in _feed(sheet, rows, rows.given):
                if left is None:
                    left = next((i for i, c in enumerate(cells) if c not in (None, "")), None)
                    if left is None:
                        continue  # formatting above the header
                yield number, cells[left:] if left else cells
    finally:
        if strings is not None:
            strings.close()
        book.close()


def check_xlsx(path: Path) -> None:
    """Refuses (UnreadableFile) a workbook that is not one, or whose parts are corrupt."""
    book = Workbook(path)
    try:
        book.check()
    finally:
        book.close()
