"""Reading a spreadsheet into grids of text, refusing what is unsafe or unreadable.

xlsx through openpyxl's read-only mode, ods through python-calamine, csv through the standard
library. Every refusal is a ``SheetError`` naming the sheet and cell where there is one:
encrypted files, macro-enabled workbooks, formulas, zip bombs, files over the size limit and
files with nothing in them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal
from xml.etree.ElementTree import iterparse

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from python_calamine import CalamineError, CalamineWorkbook

from ropa.sheets.errors import SheetError, SheetTooLarge, UnsupportedSheet

Kind = Literal["xlsx", "ods", "csv"]
MAX_BYTES = 50 * 1024 * 1024
"""The largest file read (50 MB)."""
MAX_UNPACKED = 512 * 1024 * 1024
"""What all of a workbook's parts may unpack to in all."""
MAX_RATIO = 200
"""How many times its packed size one part may unpack to, once over ``RATIO_FROM`` bytes."""
RATIO_FROM = 8 * 1024 * 1024
MAX_CELLS = 5_000_000
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ODS_MIME = "application/vnd.oasis.opendocument.spreadsheet"
MEDIA_TYPES: dict[str, Kind] = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    ODS_MIME: "ods",
    "text/csv": "csv",
}


@dataclass(frozen=True, slots=True)
class Grid:
    """One sheet as text: ``rows[r][c]`` is the cell in row r + 1, column c + 1 ('' if empty)."""

    name: str
    rows: list[list[str]]

    def cells(self) -> Iterable[tuple[int, int, str]]:
        for r, row in enumerate(self.rows):
            for c, text in enumerate(row):
                if text.strip():
                    yield r, c, text


def cell_ref(row: int, column: int) -> str:
    """A1-style reference of the zero-based row and column."""
    return f"{get_column_letter(column + 1)}{row + 1}"


def kind_of(name_or_media_type: str | None) -> Kind:
    """The kind of spreadsheet from a file name or a media type."""
    text = (name_or_media_type or "").split(";")[0].strip().lower()
    if text in MEDIA_TYPES:
        return MEDIA_TYPES[text]
    kinds: tuple[Kind, ...] = ("xlsx", "ods", "csv")
    for suffix in kinds:
        if text.endswith("." + suffix):
            return suffix
    if text.endswith((".xlsm", ".xltm")) or "macroenabled" in text:
        raise SheetError("a macro-enabled workbook is not read: save it as .xlsx without macros")
    raise UnsupportedSheet(
        f"{name_or_media_type or 'the file'} is not a spreadsheet ropa reads: send xlsx, ods or csv"
    )


def read_grids(raw: bytes, kind: Kind) -> list[Grid]:
    """Every sheet of the file as a grid of text; SheetError for what is not read."""
    if len(raw) > MAX_BYTES:
        raise SheetTooLarge(f"the file is {len(raw):,} bytes; at most {MAX_BYTES:,} are read")
    if not raw.strip():
        raise SheetError("the file is empty")
    if kind == "csv":
        grids = [_read_csv(raw)]
    else:
        archive = _archive(raw, kind)
        grids = _read_xlsx(raw) if kind == "xlsx" else _read_ods(raw, archive)
    if not any(text for grid in grids for _, _, text in grid.cells()):
        raise SheetError("the spreadsheet has no cell with anything in it")
    return grids


def _archive(raw: bytes, kind: Kind) -> zipfile.ZipFile:
    if raw.startswith(OLE_MAGIC):
        raise SheetError(
            "the file is encrypted (password-protected) or an old binary .xls: remove the "
            "password and save it as .xlsx"
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError) as error:
        raise SheetError(f"the file is not a readable {kind} workbook ({error})") from None
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if total > MAX_UNPACKED or (info.file_size > RATIO_FROM and ratio > MAX_RATIO):
            raise SheetTooLarge(
                f"part {info.filename!r} unpacks to {info.file_size:,} bytes from "
                f"{info.compress_size:,}: refused as a zip bomb"
            )
    names = {info.filename for info in infos}
    if kind == "xlsx":
        types = archive.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
        if any(n.lower().endswith("vbaproject.bin") for n in names) or b"macroEnabled" in types:
            raise SheetError(
                "a macro-enabled workbook is not read: save it as .xlsx without macros"
            )
        if "xl/workbook.xml" not in names:
            raise SheetError("the file is not an xlsx workbook (no xl/workbook.xml)")
    else:
        if "mimetype" not in names or archive.read("mimetype").strip() != ODS_MIME.encode():
            raise SheetError("the file is not an OpenDocument spreadsheet")
        manifest = (
            archive.read("META-INF/manifest.xml") if "META-INF/manifest.xml" in names else b""
        )
        if b"encryption-data" in manifest:
            raise SheetError("the file is encrypted (password-protected): remove the password")
        if any(n.startswith(("Basic/", "Scripts/")) for n in names):
            raise SheetError("a spreadsheet with macros is not read: save it without them")
    return archive


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).replace("\r\n", "\n").replace("\r", "\n")


def _read_xlsx(raw: bytes) -> list[Grid]:
    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=False)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise SheetError(f"the workbook cannot be read ({type(error).__name__}: {error})") from None
    grids = []
    cells = 0
    try:
        for sheet in book.worksheets:
            rows: list[list[str]] = []
            for r, row in enumerate(sheet.iter_rows()):
                texts = []
                for c, cell in enumerate(row):
                    value = getattr(cell, "value", None)
                    if getattr(cell, "data_type", "") == "f" or (
                        isinstance(value, str) and value.startswith("=") and _is_formula(cell)
                    ):
                        raise SheetError(
                            f"holds a formula ({str(value)[:60]}): paste its values instead",
                            sheet=sheet.title,
                            cell=cell_ref(r, c),
                        )
                    texts.append(_unescaped(value) if isinstance(value, str) else _text(value))
                cells += len(texts)
                if cells > MAX_CELLS:
                    raise SheetTooLarge(f"more than {MAX_CELLS:,} cells", sheet=sheet.title)
                rows.append(_trimmed(texts))
            grids.append(Grid(sheet.title, _without_trailing_blanks(rows)))
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        if isinstance(error, SheetError):
            raise
        raise SheetError(f"the workbook cannot be read ({error})") from None
    finally:
        book.close()
    return grids


_XSTRING = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _unescaped(text: str) -> str:
    """OOXML escapes characters XML cannot carry as ``_xHHHH_`` (and a literal ``_x`` as
    ``_x005F_x``); openpyxl's reader leaves them as they are."""
    return _XSTRING.sub(lambda found: chr(int(found.group(1), 16)), text) if "_x" in text else text


def _is_formula(cell: object) -> bool:
    return getattr(cell, "data_type", "") == "f"


_ODS_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"


def _read_ods(raw: bytes, archive: zipfile.ZipFile) -> list[Grid]:
    _refuse_ods_formulas(archive)
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(raw))
        grids = [
            Grid(
                name,
                _without_trailing_blanks(
                    [
                        _trimmed([_text(v) for v in row])
                        for row in book.get_sheet_by_name(name).to_python()
                    ]
                ),
            )
            for name in book.sheet_names
        ]
    except CalamineError as error:
        raise SheetError(f"the spreadsheet cannot be read ({error})") from None
    return grids


def _refuse_ods_formulas(archive: zipfile.ZipFile) -> None:
    """A cell with ``table:formula`` is refused, with its sheet and reference."""
    sheet, row, column = "", 0, 0
    try:
        with archive.open("content.xml") as content:
            for event, element in iterparse(content, events=("start", "end")):
                tag = element.tag
                if event == "start":
                    if tag == f"{_ODS_TABLE}table":
                        sheet, row = element.get(f"{_ODS_TABLE}name", ""), 0
                    elif tag == f"{_ODS_TABLE}table-row":
                        column = 0
                    elif tag in (f"{_ODS_TABLE}table-cell", f"{_ODS_TABLE}covered-table-cell"):
                        formula = element.get(f"{_ODS_TABLE}formula")
                        if formula:
                            raise SheetError(
                                f"holds a formula ({formula[:60]}): paste its values instead",
                                sheet=sheet,
                                cell=cell_ref(row, column),
                            )
                    continue
                if tag == f"{_ODS_TABLE}table-row":
                    row += int(element.get(f"{_ODS_TABLE}number-rows-repeated", "1"))
                elif tag in (f"{_ODS_TABLE}table-cell", f"{_ODS_TABLE}covered-table-cell"):
                    column += int(element.get(f"{_ODS_TABLE}number-columns-repeated", "1"))
                element.clear()
    except KeyError:
        raise SheetError("the spreadsheet has no content.xml") from None
    except SyntaxError as error:  # ParseError
        raise SheetError(f"the spreadsheet's content cannot be read ({error})") from None


def _read_csv(raw: bytes) -> Grid:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    sample = text[:20_000]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        rows = [_trimmed(row) for row in csv.reader(io.StringIO(text, newline=""), dialect)]
    except csv.Error as error:
        raise SheetError(f"the file is not readable CSV ({error})", sheet="csv") from None
    return Grid("csv", _without_trailing_blanks(rows))


_BLANK = re.compile(r"^\s*$")


def _trimmed(texts: list[str]) -> list[str]:
    while texts and _BLANK.match(texts[-1]):
        texts.pop()
    return texts


def _without_trailing_blanks(rows: list[list[str]]) -> list[list[str]]:
    while rows and not rows[-1]:
        rows.pop()
    return rows
