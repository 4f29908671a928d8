"""What reading an XLSX workbook's first sheet needs besides the sheet: where the sheet and
its shared strings are, which cell formats show dates, and the workbook's date system.

These parts are small (a few kB to a few MB of styles), so they are parsed whole with
ElementTree; the sheet and the shared strings are streamed (``xlsx_stream``).
"""

from __future__ import annotations

import functools
import posixpath
import re
import zipfile
import zlib
from datetime import date, datetime, timedelta
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError, iterparse

from app.domain.intake.imports import UnreadableFile

MAIN = ("http://schemas.openxmlformats.org/spreadsheetml/2006/main",
        "http://purl.oclc.org/ooxml/spreadsheetml/main")  # fmt: skip  # transitional, strict
RELS = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships",
        "http://purl.oclc.org/ooxml/officeDocument/relationships")  # fmt: skip
PACKAGE_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
# Excel's built-in date and time formats, the East Asian ones included (yyyy"年"m"月"d"日").
DATE_FORMAT_IDS = frozenset([*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)])
# The sheet and its strings inflated: a 100 MiB workbook of real data is a GiB or two; a
# "zip bomb" could declare a thousand times its size, to be read for hours.
MAX_XML_BYTES = 4 << 30
BROKEN = (KeyError, ParseError, zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError)


def _et(local: str) -> frozenset[str]:
    return frozenset(f"{{{ns}}}{local}" for ns in MAIN)


@functools.cache
def is_date_format(code: str) -> bool:
    """A custom number format shows a date or time: d, m, y, h or s outside quoted text,
    escapes and [colour]/[$-locale] sections, or an elapsed time (``[h]:mm``)."""
    code = re.sub(r'"[^"]*"|\\.|[_*].', "", code)
    if re.search(r"\[(h+|m+|s+)\]", code, re.IGNORECASE):
        return True
    return re.search(r"[dmyhs]", re.sub(r"\[[^\]]*\]", "", code), re.IGNORECASE) is not None


def serial_date(serial: float, date1904: bool = False) -> date | datetime:
    """An Excel serial number as a date (whole days) or a date-time. In the 1900 system
    Excel counts a 29 February 1900 that never was, so serials from 61 on start a day
    earlier."""
    if date1904:
        base = datetime(1904, 1, 1)
    else:
        base = datetime(1899, 12, 30) if serial >= 61 else datetime(1899, 12, 31)
    moment = base + timedelta(milliseconds=round(serial * 86_400_000))
    return moment.date() if moment.time() == datetime.min.time() else moment


def _whole(book: zipfile.ZipFile, name: str) -> Element:
    with book.open(name) as part:
        root: Element | None = None
        for _, element in iterparse(part, events=("end",)):
            root = element
    if root is None:
        raise ParseError(f"{name} is empty")
    return root


class Workbook:
    """An open workbook: ``sheet`` and ``strings`` name its first sheet's parts."""

    def __init__(self, path: Path) -> None:
        try:
            self.zip = zipfile.ZipFile(path)
        except BROKEN as error:
            raise UnreadableFile(f"not a readable XLSX workbook ({error})") from None
        try:
            self._locate()
        except BROKEN as error:
            self.zip.close()
            raise UnreadableFile(f"not a readable XLSX workbook ({error})") from None
        except UnreadableFile:
            self.zip.close()
            raise

    def _locate(self) -> None:
        names = set(self.zip.namelist())
        book = "xl/workbook.xml"
        if "_rels/.rels" in names:
            for rel in _whole(self.zip, "_rels/.rels").iter(PACKAGE_RELS):
                if rel.get("Type", "").endswith("/officeDocument"):
                    book = rel.get("Target", book).lstrip("/")
        folder = posixpath.dirname(book)
        targets: dict[str, str] = {}
        by_type: dict[str, str] = {}
        rels = posixpath.join(folder, "_rels", posixpath.basename(book) + ".rels")
        for rel in _whole(self.zip, rels).iter(PACKAGE_RELS):
            target = rel.get("Target", "")
            if target.startswith("/"):
                full = target.lstrip("/")
            else:
                full = posixpath.normpath(posixpath.join(folder, target))
            targets[rel.get("Id", "")] = full
            by_type[rel.get("Type", "").rsplit("/", 1)[-1]] = full
        workbook = _whole(self.zip, book)
        first = next((e for e in workbook.iter() if e.tag in _et("sheet")), None)
        if first is None:
            raise UnreadableFile("the workbook has no sheet")
        rid = next((first.get(f"{{{ns}}}id") for ns in RELS if first.get(f"{{{ns}}}id")), "")
        self.sheet = targets[rid or ""]
        props = next((e for e in workbook.iter() if e.tag in _et("workbookPr")), None)
        self.date1904 = props is not None and props.get("date1904", "") in ("1", "true")
        strings = by_type.get("sharedStrings")
        self.strings = strings if strings in names else None
        styles = by_type.get("styles")
        self.date_styles = self._date_styles(styles) if styles in names else frozenset()

    def _date_styles(self, name: str) -> frozenset[int]:
        """The cell format indexes (a cell's ``s``) whose number format shows a date."""
        styles = _whole(self.zip, name)
        custom = {
            int(f.get("numFmtId", "0")): f.get("formatCode", "")
            for f in styles.iter()
            if f.tag in _et("numFmt")
        }
        xfs = next((e for e in styles if e.tag in _et("cellXfs")), None)
        dates = set()
        for index, xf in enumerate(xfs if xfs is not None else ()):
            fmt = int(xf.get("numFmtId", "0"))
            if fmt in DATE_FORMAT_IDS or (fmt in custom and is_date_format(custom[fmt])):
                dates.add(index)
        return frozenset(dates)

    def check(self) -> None:
        """Inflates the parts the rows need, so that a corrupt or truncated one is refused
        at upload (its CRC), not half way through the job."""
        parts = [n for n in (self.sheet, self.strings) if n]
        # zipfile gives no more than a part's declared size (else a CRC error): a true bound.
        inflated = sum(self.zip.getinfo(name).file_size for name in parts)
        if inflated > MAX_XML_BYTES:
            size = f"{inflated / (1 << 30):.1f} GiB"
            raise UnreadableFile(
                f"the sheet inflates to {size} of XML, over {MAX_XML_BYTES >> 30} GiB"
            )
        for name in parts:
            try:
                with self.zip.open(name) as part:
                    while part.read(1 << 20):
                        pass
            except BROKEN as error:
                raise UnreadableFile(f"not a readable XLSX workbook ({error})") from None

    def close(self) -> None:
        self.zip.close()
