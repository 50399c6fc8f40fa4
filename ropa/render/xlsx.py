"""The Article 30 workbook: a regulator's spreadsheet of the record, laid out by a profile.

``workbook(facts, findings, profile="ico")`` renders one organisation's record as
xlsx bytes. The layout (sheets, headings, widths, which columns Art 30 requires) is data, read
from ``exports/profiles/<name>.yaml``; the cell contents come from the extractors named there
(``ropa.render.xlsx_columns``). A new regulator profile is a new YAML file.

What every workbook guarantees:

- **Readable.** Headings in a frozen row with an autofilter, widths from the profile, text
  wrapped and top-aligned in rows tall enough for it, landscape printing fitted to the page
  width with the heading row repeated; required columns have a green heading, optional ones
  blue, explained on the notes sheet.
- **Safe.** Text a spreadsheet program would run as a formula or command (leading ``=``, ``+``,
  ``-``, ``@``, tab, carriage return or line feed, their full-width forms, and error literals such
  as ``#N/A``) is stored as a string with the quote-prefix style, so it shows as typed. Characters
  XML cannot carry become U+FFFD; carriage returns and literal ``_xHHHH_`` sequences are escaped
  so that they read back unchanged. No links, no macros, no external references; the only
  defined names are the sheets' own print titles and filter ranges.
- **Deterministic.** The same inputs give the same bytes: document properties derive from the
  day judged, and the zip container is written by this module with fixed timestamps, attributes
  and entry order.
- **Fast.** openpyxl's write-only mode streams rows to disk. Data cells are plain values: the
  workbook's default cell format (set in the stylesheet when packing) wraps and top-aligns
  them, so only headings, labels and neutralised text are built as styled cells. Rows of the
  same height share one row-dimension object. Each text that may wrap is made safe and
  measured once per column. The cyclic garbage collector pauses while a workbook is written
  (``ropa.graph.bulk``): what the writer keeps as it goes (lookups, texts measured) set off
  full collections that scanned the whole registry and found nothing to free; the few cycles
  a workbook leaves (openpyxl's workbook and sheets) are collected once it resumes.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import math
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, TypeAlias, cast

import msgspec
import yaml
from msgspec import Meta
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.packaging.core import DocumentProperties
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.dimensions import RowDimension
from openpyxl.worksheet.pagebreak import Break
from openpyxl.writer.excel import ExcelWriter

from ropa.domain import model as m
from ropa.facts import Facts
from ropa.graph import RegistryGraph, bulk
from ropa.render import i18n
from ropa.render import xlsx_columns as cols
from ropa.render import xlsx_fit as fit
from ropa.rules.engine import Finding

__all__ = [
    "EDITIONS",
    "MEDIA_TYPE",
    "Profile",
    "ProfileError",
    "UnknownOrganisation",
    "UnknownProfile",
    "WorkbookError",
    "filename",
    "load_profile",
    "profiles",
    "profiles_dir",
    "workbook",
]

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER_ROW = 8
"""With a contact block (rows 1-6), headings sit in row 8; in row 9 under a group heading row,
as in the ICO template."""
EDITIONS = ("regulator", "internal")
"""The regulator edition carries names, never keys, and no findings, waivers or internal status;
the internal edition, for the DPO's own review, carries all of them."""
Edition = Literal["regulator", "internal"]
EditionFilter = Literal["both", "regulator", "internal"]
MAX_CONTACT_ROWS = 4
PAPER_A4 = "9"
MAX_CELL = 32_767
"""Excel's limit on the characters of one cell."""


# --- errors ------------------------------------------------------------------------------------


class WorkbookError(ValueError):
    """The workbook cannot be rendered as asked."""


class UnknownProfile(WorkbookError):
    """No profile of that name in the profiles folder."""


class UnknownOrganisation(WorkbookError):
    """The organisation is not in the registry, or none was named where several are."""


class ProfileError(WorkbookError):
    """A profile file that does not describe a workbook ropa can write."""


# --- the profile, as data ----------------------------------------------------------------------

Hex = Annotated[str, Meta(pattern=r"^[0-9A-Fa-f]{6}$")]
Width = Annotated[float, Meta(gt=0, le=255)]


class _Spec(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, frozen=True):
    pass


class ColumnSpec(_Spec, kw_only=True, frozen=True):
    heading: str
    source: str
    required: bool = False
    width: Width = 20
    group: str = ""
    """The group heading above this column (the row above the headings), as the ICO groups
    its columns; consecutive columns of one group share it."""
    edition: EditionFilter = "both"
    """``internal`` for keys, findings and internal status: left out of the regulator edition."""
    regime: str = ""
    """A regime (``uk_gdpr``): the column appears only for an organisation under it."""
    empty: Literal["not_stated", "none", "not_applicable"] = "not_stated"
    """What an empty cell says, in the profile's language: the record never shows a blank."""


class ContactRow(_Spec, kw_only=True, frozen=True):
    label: str
    source: str


class ContactBlock(_Spec, kw_only=True, frozen=True):
    title: str = ""
    fields: list[str] = msgspec.field(
        default_factory=lambda: ["Name", "Address", "Email", "Telephone"]
    )
    rows: list[ContactRow]


class FieldSpec(_Spec, kw_only=True, frozen=True):
    """A label and its value: from an extractor (``source``) or fixed ``text``."""

    label: str
    source: str = ""
    text: str = ""
    required: bool = False
    edition: EditionFilter = "both"


class TableSpec(_Spec, kw_only=True, frozen=True):
    rows: str
    columns: list[ColumnSpec]


class SectionSpec(_Spec, kw_only=True, frozen=True):
    heading: str
    fields: list[FieldSpec] = msgspec.field(default_factory=list)
    table: TableSpec | None = None


class LegendEntry(_Spec, kw_only=True, frozen=True):
    label: str
    text: str


class Legend(_Spec, kw_only=True, frozen=True):
    required: LegendEntry
    optional: LegendEntry


class ListSpec(_Spec, kw_only=True, frozen=True):
    heading: str
    source: str
    width: Width = 30
    edition: EditionFilter = "both"


class SheetSpec(_Spec, kw_only=True, frozen=True):
    name: str
    kind: Literal["notes", "table", "fiche", "lists"]
    rows: str = ""
    article: str = ""
    when: Literal["always", "processor"] = "always"
    """``processor``: only when the organisation keeps processor records (or acts as one)."""
    edition: EditionFilter = "both"
    freeze_columns: Annotated[int, Meta(ge=0, le=20)] = 0
    repeat_columns: Annotated[int, Meta(ge=0, le=5)] = 1
    """Leading columns printed again on every printed section of a wide table (the activity
    name, or the ICO's business function and purpose)."""
    contact_block: ContactBlock | None = None
    columns: list[ColumnSpec] = msgspec.field(default_factory=list)
    width: list[Width] = msgspec.field(default_factory=list)
    title: str = ""
    title_source: str = ""
    legend: Legend | None = None
    lines: list[FieldSpec] = msgspec.field(default_factory=list)
    lists: list[ListSpec] = msgspec.field(default_factory=list)
    sections: list[SectionSpec] = msgspec.field(default_factory=list)


class Fills(_Spec, kw_only=True, frozen=True):
    required: Hex = "C6E0B4"
    optional: Hex = "BDD7EE"
    section: Hex = "D9D9D9"


class Profile(_Spec, kw_only=True, frozen=True):
    """A workbook layout: the sheets in order and, per sheet, its columns or lines."""

    name: str
    title: str
    language: str = "en"
    font: str = "Arial"
    """A font Excel and LibreOffice both have (LibreOffice sets Arial in the metric-compatible
    Liberation Sans)."""
    font_size: Annotated[float, Meta(ge=8, le=14)] = 10
    print_scale: Annotated[int, Meta(ge=70, le=100)] = 85
    """Printed size in per cent: with a 10-point font, text prints at 8.5 points."""
    fills: Fills = msgspec.field(default_factory=Fills)
    words: dict[str, str] = msgspec.field(default_factory=dict)
    sheets: list[SheetSpec]


# --- finding and checking profiles -------------------------------------------------------------


def profiles_dir() -> Path:
    """``exports/profiles`` of the source tree, the copy inside the wheel, or ROPA_PROFILES_DIR."""
    override = os.environ.get("ROPA_PROFILES_DIR")
    if override:
        return Path(override)
    package = Path(__file__).resolve().parents[1]
    for candidate in (package.parent / "exports" / "profiles", package / "_data" / "profiles"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("exports/profiles folder not found; set ROPA_PROFILES_DIR")


def profiles() -> list[str]:
    """Names of the available profiles (their file names without ``.yaml``)."""
    return sorted(path.stem for path in profiles_dir().glob("*.yaml"))


def load_profile(name_or_path: str | Path) -> Profile:
    """A profile by name (from ``profiles_dir()``) or from a YAML file, checked."""
    if isinstance(name_or_path, Path):
        path = name_or_path
    else:
        if name_or_path not in profiles():
            known = ", ".join(profiles()) or "none"
            raise UnknownProfile(f"no workbook profile {name_or_path!r} (known: {known})")
        path = profiles_dir() / f"{name_or_path}.yaml"
    stat = path.stat()
    return _load(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=16)
def _load(path: str, mtime_ns: int, size: int) -> Profile:
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        profile = msgspec.convert(raw, Profile)
    except (yaml.YAMLError, msgspec.ValidationError) as error:
        raise ProfileError(f"{path}: {error}") from error
    problems = list(_problems(profile))
    if problems:
        raise ProfileError(f"{path}: " + "; ".join(problems))
    return profile


_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def _sheet_name_problem(name: str) -> str:
    if not name or len(name) > 31:
        return f"sheet name {name!r} must have 1 to 31 characters"
    if _BAD_SHEET_CHARS.search(name) or name.startswith("'") or name.endswith("'"):
        return f"sheet name {name!r} may not contain [ ] : * ? / \\ or begin or end with '"
    return ""


def _source_problem(where: str, known: Iterable[str], source: str) -> str:
    names = sorted(known)
    if source in names:
        return ""
    return f"{where}: unknown source {source!r} (known: {', '.join(names)})"


def _column_problems(where: str, rows: str, columns: Sequence[ColumnSpec]) -> Iterable[str]:
    if rows not in cols.ROWS:
        yield f"{where}: unknown rows {rows!r} (known: {', '.join(sorted(cols.ROWS))})"
        return
    if not columns:
        yield f"{where}: no columns"
    for column in columns:
        if cols.extractor(rows, column.source) is None:
            yield _source_problem(
                f"{where}, column {column.heading!r}", cols.extractor_names(rows), column.source
            )


def _problems(profile: Profile) -> Iterable[str]:
    """Everything wrong with a profile, so that rendering never fails half-way for its sake."""
    if not profile.sheets:
        yield "no sheets"
    seen: set[str] = set()
    for sheet in profile.sheets:
        where = f"sheet {sheet.name!r}"
        names = [sheet.name]
        if sheet.kind == "fiche":
            if "{number}" not in sheet.name:
                yield f"{where}: a fiche sheet name needs the placeholder {{number}}"
            names = [sheet.name.replace("{number}", "1"), sheet.name.replace("{number}", "99999")]
        for name in names:
            problem = _sheet_name_problem(name)
            if problem:
                yield f"{where}: {problem}"
        if sheet.name.casefold() in seen:
            yield f"{where}: sheet name used twice"
        seen.add(sheet.name.casefold())
        if sheet.kind == "table":
            yield from _column_problems(where, sheet.rows, sheet.columns)
            if sheet.contact_block is not None:
                yield from _contact_problems(where, sheet.contact_block)
        elif sheet.kind == "notes":
            yield from _line_problems(where, sheet.lines, cols.NOTES)
        elif sheet.kind == "lists":
            for spec in sheet.lists:
                where_list = f"{where}, list {spec.heading!r}"
                problem = _source_problem(where_list, cols.LISTS, spec.source)
                if problem:
                    yield problem
        elif sheet.kind == "fiche":
            yield from _fiche_problems(where, sheet)


def _contact_problems(where: str, block: ContactBlock) -> Iterable[str]:
    if len(block.rows) > MAX_CONTACT_ROWS:
        yield f"{where}: a contact block holds at most {MAX_CONTACT_ROWS} rows (rows 1-6)"
    if len(block.fields) != 4:
        yield f"{where}: a contact block has 4 fields (name, address, email, telephone)"
    for row in block.rows:
        problem = _source_problem(f"{where}, contact {row.label!r}", cols.CONTACTS, row.source)
        if problem:
            yield problem


def _line_problems(where: str, lines: Sequence[FieldSpec], known: Iterable[str]) -> Iterable[str]:
    for line in lines:
        if line.source:
            problem = _source_problem(f"{where}, line {line.label!r}", known, line.source)
            if problem:
                yield problem
        elif not line.text:
            yield f"{where}, line {line.label!r}: needs a source or a text"


def _fiche_problems(where: str, sheet: SheetSpec) -> Iterable[str]:
    if sheet.rows != "activities":
        yield f"{where}: fiches are written one per activity (rows: activities)"
        return
    activity_columns = cols.extractor_names("activities")
    if sheet.title_source:
        problem = _source_problem(f"{where}, title", activity_columns, sheet.title_source)
        if problem:
            yield problem
    for section in sheet.sections:
        yield from _line_problems(
            f"{where}, section {section.heading!r}", section.fields, activity_columns
        )
        if section.table is not None:
            yield from _column_problems(
                f"{where}, section {section.heading!r}", section.table.rows, section.table.columns
            )


# --- safe text ---------------------------------------------------------------------------------

_FORMULA_START = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")
"""First characters that make a spreadsheet program read text as a formula or a command."""
_ERROR_LITERALS = frozenset(ERROR_CODES) | {"#GETTING_DATA"}
_SPECIAL_START = _FORMULA_START | {"#"}
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ESCAPE_LIKE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
_TRUNCATED = " [… {} characters not shown: the cell limit is 32,767]"


def needs_guard(text: str) -> bool:
    """True when a spreadsheet program would read this text as a formula, command or error."""
    first = text[:1]
    return first in _FORMULA_START or (first == "#" and text in _ERROR_LITERALS)


def _escape(text: str) -> str:
    text = _NOT_IN_XML.sub("\ufffd", text)
    # OOXML reads _xHHHH_ as an escaped character: escape a literal one's underscore, then
    # write carriage returns that way (XML readers turn a bare CR into a line feed).
    text = _ESCAPE_LIKE.sub(r"_x005F_\1", text)
    return text.replace("\r", "_x000D_")


def _unescaped(text: str) -> bool:
    """True when a cell stores the text as it is: nothing to escape or cut (line feeds stay)."""
    if "_x" in text or len(text) > MAX_CELL:
        return False
    return text.isprintable() or ("\r" not in text and text.replace("\n", "").isprintable())


def safe_text(text: str) -> str:
    """The text as a cell stores it: XML-safe, escapes applied, within Excel's cell limit.

    Text longer than the limit (counted once escaped, so that openpyxl never cuts an escape in
    two) keeps as much as fits and ends with a note of how much was left out.
    """
    if _unescaped(text):
        return text
    escaped = _escape(text)
    if len(escaped) <= MAX_CELL:
        return escaped

    def cut(keep: int) -> str:
        return _escape(text[:keep]) + _TRUNCATED.format(f"{len(text) - keep:,}")

    low, high = 0, min(len(text), MAX_CELL)  # the longest prefix that fits lies in [low, high]
    while low < high:
        middle = (low + high + 1) // 2
        if len(cut(middle)) <= MAX_CELL:
            low = middle
        else:
            high = middle - 1
    return cut(low)


# --- styles --------------------------------------------------------------------------------------


_THIN = Side(style="thin", color="808080")


@dataclass(frozen=True)
class _Styles:
    """Each style the workbook uses, registered once; cells copy the ready style array."""

    wrap: StyleArray
    guard: StyleArray
    title: StyleArray
    heading: StyleArray
    label: StyleArray
    header_required: StyleArray
    header_optional: StyleArray
    section: StyleArray

    @classmethod
    def of(cls, ws: WriteOnlyWorksheet, fills: Fills, font: Font) -> _Styles:
        border = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)

        def style(
            font: Font | None = None,
            fill: str | None = None,
            boxed: bool = False,
            quote: bool = False,
            wrap: bool = True,
        ) -> StyleArray:
            cell = WriteOnlyCell(ws)
            cell.alignment = Alignment(wrap_text=wrap, vertical="top")
            if font is not None:
                cell.font = font
            if fill is not None:
                cell.fill = PatternFill(fill_type="solid", start_color=fill, end_color=fill)
            if boxed:
                cell.border = border
            if quote:
                cell.quotePrefix = True
            # The style array openpyxl registered for these attributes.
            return cast(StyleArray, cell._style)  # type: ignore[attr-defined]  # private, not in the stubs

        assert font.sz is not None  # default_font gives the font a size
        bold = Font(name=font.name, size=font.sz, family=2, bold=True)
        large = Font(name=font.name, size=font.sz + 3, family=2, bold=True)
        return cls(
            wrap=style(font=font),
            guard=style(font=font, quote=True),
            title=style(font=large, wrap=False),
            heading=style(font=large),
            label=style(font=bold),
            header_required=style(font=bold, fill=fills.required, boxed=True),
            header_optional=style(font=bold, fill=fills.optional, boxed=True),
            section=style(font=bold, fill=fills.section),
        )


MARGIN_SIDE = 0.4
"""Left and right page margins, in inches."""
A4_LANDSCAPE_WIDTH = 841.89
"""Points."""


def column_points(width: float) -> float:
    """A column's printed width in points at 100 %: ``width`` zeros of 10-point Arial (7
    pixels each at 96 dpi) and 5 pixels of padding, as Excel and LibreOffice lay it out."""
    return (width * 7 + 5) * 0.75


def print_sections(widths: Sequence[float], repeat: int, scale: int) -> list[int]:
    """Where printed sections of a table end (1-based column numbers, the last included).

    Columns are packed in order, section by section, so that the ``repeat`` leading columns
    and the section's own fit the page width at ``scale`` per cent (with a margin for the
    width LibreOffice gives a zero in Liberation Sans, a little over 7 pixels).
    """
    usable = (A4_LANDSCAPE_WIDTH - 2 * MARGIN_SIDE * 72) * 100 / scale * 0.97
    fixed = sum(column_points(w) for w in widths[:repeat])
    ends: list[int] = []
    used = fixed
    for index in range(repeat, len(widths)):
        width = column_points(widths[index])
        if used + width > usable and used > fixed:
            ends.append(index)  # the previous column (1-based: index) ends a section
            used = fixed
        used += width
    ends.append(len(widths))
    return ends


def _header_text(text: str) -> str:
    """Text for a page header: ``&`` doubled (a single one starts a code), kept short."""
    return " ".join(text.split())[:80].replace("&", "&&")


def default_font(profile: Profile) -> Font:
    return Font(name=profile.font, size=profile.font_size, family=2)


CellValue: TypeAlias = str | Cell | None
MAX_ROW_HEIGHT = 409.0
"""Excel's largest row height, in points."""


def lines(text: str, width: float, size: float = 10, bold: bool = False) -> int:
    """How many lines wrapped text takes in a column ``width`` characters wide, measured with
    the font's glyph widths (``ropa.render.xlsx_fit``: one line more rather than one fewer).
    Spreadsheet programs do not all fit row heights to wrapped text on opening (LibreOffice
    keeps the default height), so rows get the height of their tallest cell."""
    return fit.lines(text, width, size, bold)


class _Height(RowDimension):
    """A row height shared by every row that has it; its attributes are worked out once."""

    def __init__(self, ws: WriteOnlyWorksheet, height: float) -> None:
        super().__init__(ws, ht=height)  # type: ignore[arg-type]  # any worksheet will do
        self._attributes = tuple(super().__iter__())

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._attributes)


class _Sheet:
    """A write-only worksheet and the number of its last row, to give rows their height.

    Rows of the same height share one RowDimension: openpyxl reads only its attributes (the
    row number comes from the row itself), and building one per row would cost more than the
    row's cells.
    """

    def __init__(self, ws: WriteOnlyWorksheet, heights: dict[int, _Height], size: float) -> None:
        self.ws = ws
        self.row = 0
        self.heights = heights
        self.size = size
        self.section_ends: list[int] = []
        """Where printed sections end (1-based columns), set by the layout."""

    def append(self, cells: list[CellValue], height_lines: int = 1) -> None:
        self.row += 1
        if height_lines > 1:
            dimension = self.heights.get(height_lines)
            if dimension is None:
                height = min(MAX_ROW_HEIGHT, fit.row_height(height_lines, self.size))
                dimension = self.heights[height_lines] = _Height(self.ws, height)
            self.ws.row_dimensions[self.row] = dimension  # type: ignore[attr-defined]  # not in the stubs
        self.ws.append(cells)


@dataclass
class _Writer:
    """Writes the sheets of one profile for one organisation into a write-only workbook."""

    book: Workbook
    profile: Profile
    ctx: cols.Context
    styles: _Styles | None = None
    heights: dict[int, _Height] = field(default_factory=dict)
    known_lines: dict[tuple[float, bool], dict[str, int]] = field(default_factory=dict)
    """Lines of each paragraph measured, by room and weight, then by text."""

    # cells ------------------------------------------------------------------------------

    def sheet(self, name: str) -> _Sheet:
        ws: WriteOnlyWorksheet = self.book.create_sheet(title=name)
        if self.styles is None:
            self.styles = _Styles.of(ws, self.profile.fills, default_font(self.profile))
        return _Sheet(ws, self.heights, self.profile.font_size)

    def empty(self, key: str) -> str:
        return self.ctx.word(key)

    @property
    def style(self) -> _Styles:
        assert self.styles is not None
        return self.styles

    def styled(self, sheet: _Sheet, text: str, style: StyleArray) -> Cell:
        """A cell of text with a style; guarded text keeps the style and gains the quote prefix."""
        if not text:
            return self.blank(sheet, style)
        if needs_guard(text):
            style = StyleArray(style)
            style.quotePrefix = True
        cell = Cell(sheet.ws, row=1, column=1, value=safe_text(text), style_array=style)
        cell.data_type = "s"
        return cell

    def lines(self, text: str, width: float, *, bold: bool = False, larger: float = 0) -> int:
        """Lines ``text`` takes in a column ``width`` characters wide, in the profile's font
        (``larger`` points larger for a title)."""
        size = self.profile.font_size
        return self.measure(text, fit.limit(width, size, size + larger), bold)

    def measure(self, text: str, room: float, bold: bool = False) -> int:
        """Lines ``text`` takes where ``room`` units fit on a line. Each line of a list is
        measured once: the same names recur from row to row."""
        known = self.known_lines.get((room, bold))
        if known is None:
            known = self.known_lines[room, bold] = {}
        short = room // fit.WIDEST  # characters that fit on a line whatever they are
        total = 0
        for part in text.split("\n") if "\n" in text else (text,):
            if len(part) <= short:
                total += 1
                continue
            found = known.get(part)
            if found is None:
                found = known[part] = fit.paragraph_lines(part, room, bold)
            total += found
        return total

    def blank(self, sheet: _Sheet, style: StyleArray) -> Cell:
        return Cell(sheet.ws, row=1, column=1, style_array=style)

    def body(self, sheet: _Sheet, text: str, width: float) -> tuple[CellValue, int]:
        """A data cell and the lines it takes.

        A plain value (the workbook's default format wraps and top-aligns it), except text a
        spreadsheet would run, which becomes a string cell with the quote prefix.
        """
        if not text:
            return None, 1
        return self.body_in(sheet, text, fit.limit(width, self.profile.font_size))

    def body_in(self, sheet: _Sheet, text: str, room: float) -> tuple[CellValue, int]:
        """``body`` for a non-empty text where ``room`` units fit on a line."""
        if needs_guard(text):
            text = safe_text(text)
            cell = Cell(sheet.ws, row=1, column=1, value=text, style_array=self.style.guard)
            cell.data_type = "s"
            return cell, self.measure(text, room)
        text = safe_text(text)
        return text, self.measure(text, room)

    def groups(self, sheet: _Sheet, columns: Sequence[ColumnSpec]) -> None:
        """The group heading row: each group named above its columns, in one merged cell per
        printed section it spans (so that every printed section names its groups)."""
        cells: list[CellValue] = []
        ends = set(sheet.section_ends)
        spans: list[list[int]] = []
        previous = None
        for index, column in enumerate(columns, 1):
            starts = column.group != previous or (index - 1) in ends
            if column.group and starts:
                cells.append(self.styled(sheet, column.group, self.style.section))
                spans.append([index, index])
            else:
                cells.append(self.blank(sheet, self.style.section))
                if column.group and spans:
                    spans[-1][1] = index
            previous = column.group
        row = sheet.row + 1
        height = 1
        for first, last in spans:
            width = sum(c.width for c in columns[first - 1 : last])
            height = max(height, self.lines(columns[first - 1].group, width, bold=True))
            if last > first:
                sheet.ws.merged_cells.add(  # type: ignore[attr-defined]  # not in the stubs
                    f"{get_column_letter(first)}{row}:{get_column_letter(last)}{row}"
                )
        sheet.append(cells, min(height, 3))

    def headings(self, sheet: _Sheet, columns: Sequence[ColumnSpec | ListSpec]) -> None:
        cells: list[CellValue] = []
        height = 1
        for column in columns:
            required = isinstance(column, ColumnSpec) and column.required
            style = self.style.header_required if required else self.style.header_optional
            cells.append(self.styled(sheet, column.heading, style))
            height = max(height, self.lines(column.heading, column.width, bold=True))
        sheet.append(cells, height)

    # sheet set-up -------------------------------------------------------------------------

    def layout(
        self,
        sheet: _Sheet,
        widths: Sequence[float],
        *,
        header_row: int | None,
        freeze_columns: int = 0,
        repeat_columns: int = 0,
        title_rows: int = 1,
        title: str = "",
    ) -> None:
        """Widths, frozen panes and print set-up: all must precede the first row.

        Printing: A4 landscape at the profile's scale (a legible size, never shrunk to fit);
        a table wider than the page is cut into printed sections at column breaks, each
        repeating the leading ``repeat_columns`` and the heading rows. The page header names
        the organisation, the sheet and the day judged; the footer counts the pages.
        """
        # Worksheet._setup gives write-only sheets these attributes; the stubs omit them.
        ws = sheet.ws
        for index, width in enumerate(widths, 1):
            ws.column_dimensions[get_column_letter(index)].width = width  # type: ignore[attr-defined]  # not in the stubs
        if header_row is not None:
            ws.freeze_panes = f"{get_column_letter(freeze_columns + 1)}{header_row + 1}"
            ws.print_title_rows = f"{header_row - title_rows + 1}:{header_row}"
        ws.page_setup.orientation = "landscape"  # type: ignore[attr-defined]  # not in the stubs
        ws.page_setup.paperSize = PAPER_A4  # type: ignore[attr-defined]  # not in the stubs
        ws.page_setup.scale = self.profile.print_scale  # type: ignore[attr-defined]  # not in the stubs
        ws.sheet_properties.pageSetUpPr.fitToPage = False  # type: ignore[attr-defined]  # not in the stubs
        ws.page_margins.left = ws.page_margins.right = MARGIN_SIDE  # type: ignore[attr-defined]  # not in the stubs
        ws.page_margins.top = ws.page_margins.bottom = 0.7  # type: ignore[attr-defined]  # not in the stubs
        ws.page_margins.header = ws.page_margins.footer = 0.3  # type: ignore[attr-defined]  # not in the stubs
        breaks = print_sections(widths, repeat_columns, self.profile.print_scale)
        sheet.section_ends = breaks
        if len(breaks) > 1 and repeat_columns:
            ws.print_title_cols = f"A:{get_column_letter(repeat_columns)}"
        for end in breaks[:-1]:
            ws.col_breaks.append(Break(id=end))  # type: ignore[attr-defined]  # not in the stubs
        font = f'&"{self.profile.font},Regular"&9'
        bold = f'&"{self.profile.font},Bold"&9'
        header, footer = ws.HeaderFooter.oddHeader, ws.HeaderFooter.oddFooter
        assert header is not None and footer is not None  # HeaderFooter() makes both
        header.left.text = bold + _header_text(self.ctx.organisation.name)
        header.center.text = font + _header_text(title or sheet.ws.title)
        header.right.text = font + _header_text(
            f"{self.ctx.word('recorded_on')} {self.ctx.judged_on.isoformat()}"
        )
        footer.center.text = font + self.ctx.word("page_of")

    def label_line(self, sheet: _Sheet, label: Cell, text: str, widths: Sequence[float]) -> None:
        """A label in column A and its value in column B (never blank)."""
        value, height = self.body(sheet, text or self.empty("not_stated"), widths[1])
        label_height = self.lines(str(label.value or ""), widths[0], bold=True)
        sheet.append([label, value], max(height, label_height))

    # sheet kinds --------------------------------------------------------------------------

    def notes(self, spec: SheetSpec) -> None:
        sheet = self.sheet(spec.name)
        widths = spec.width if len(spec.width) >= 2 else [34, 100]
        self.layout(sheet, widths, header_row=None)
        sheet.append([self.styled(sheet, spec.title, self.style.title)] if spec.title else [])
        sheet.append([])
        if spec.legend is not None:
            for entry, swatch in (
                (spec.legend.required, self.style.header_required),
                (spec.legend.optional, self.style.header_optional),
            ):
                self.label_line(sheet, self.styled(sheet, entry.label, swatch), entry.text, widths)
            sheet.append([])
        for line in spec.lines:
            value = cols.NOTES[line.source](self.ctx) if line.source else line.text
            label = self.styled(sheet, line.label, self.style.label)
            self.label_line(sheet, label, value, widths)
        sheet.ws.close()

    def contact_block(self, sheet: _Sheet, block: ContactBlock, widths: Sequence[float]) -> None:
        """Rows 1-6: a title, the field names, one line per contact; row 7 empty."""
        sheet.append([self.styled(sheet, block.title, self.style.title)] if block.title else [])
        sheet.append([None, *(self.styled(sheet, name, self.style.label) for name in block.fields)])
        for row in block.rows:
            values = cols.CONTACTS[row.source](self.ctx)
            cells: list[CellValue] = [self.styled(sheet, row.label, self.style.label)]
            height = self.lines(row.label, widths[0], bold=True)
            blank = self.empty("not_applicable" if not any(values) else "not_stated")
            for index, value in enumerate(values, 1):
                width = widths[index] if index < len(widths) else 20
                value = value or blank
                cells.append(self.styled(sheet, value, self.style.wrap))
                height = max(height, self.lines(value, width) if value else 1)
            sheet.append(cells, height)
        while sheet.row < HEADER_ROW - 1:
            sheet.append([])

    def table(self, spec: SheetSpec) -> None:
        sheet = self.sheet(spec.name)
        widths = [c.width for c in spec.columns]
        grouped = any(c.group for c in spec.columns)
        header_row = (HEADER_ROW if spec.contact_block is not None else 1) + grouped
        self.layout(
            sheet,
            widths,
            header_row=header_row,
            freeze_columns=spec.freeze_columns,
            repeat_columns=spec.repeat_columns,
            title_rows=1 + grouped,
            title=spec.title or spec.name,
        )
        if spec.contact_block is not None:
            self.contact_block(sheet, spec.contact_block, widths)
        if grouped:
            self.groups(sheet, spec.columns)
        self.headings(sheet, spec.columns)
        size = self.profile.font_size
        columns = [
            (
                _extractor(spec.rows, c.source),
                room,
                room // fit.WIDEST,  # characters that fit on a line whatever they are
                self.empty(c.empty),
                self.known_lines.setdefault((room, False), {}),
            )
            for c in spec.columns
            for room in (fit.limit(c.width, size),)
        ]
        ctx, body_in, append = self.ctx, self.body_in, sheet.append
        paragraph_lines = fit.paragraph_lines
        count = 0
        # The hot loop. A plain text (one line, nothing to escape or guard) is the cell as it
        # is: on one line if short, else measured once per column; any other text goes
        # through body_in.
        for row in cols.ROWS[spec.rows](ctx, None):
            cells: list[CellValue] = []
            height = 1
            for extract, room, short, empty, known in columns:
                text = extract(ctx, row) or empty
                if text.isprintable() and text[0] not in _SPECIAL_START and "_x" not in text:
                    if len(text) <= short:
                        cells.append(text)
                        continue
                    if len(text) <= MAX_CELL:
                        cells.append(text)
                        cell_lines = known.get(text)
                        if cell_lines is None:
                            cell_lines = known[text] = paragraph_lines(text, room)
                        if cell_lines > height:
                            height = cell_lines
                        continue
                cell, cell_lines = body_in(sheet, text, room)
                cells.append(cell)
                if cell_lines > height:
                    height = cell_lines
            append(cells, height)
            count += 1
        last = get_column_letter(len(spec.columns))
        sheet.ws.auto_filter.ref = f"A{header_row}:{last}{header_row + count}"  # type: ignore[attr-defined]  # not in the stubs
        sheet.ws.close()

    def lists(self, spec: SheetSpec) -> None:
        sheet = self.sheet(spec.name)
        self.layout(sheet, [item.width for item in spec.lists], header_row=1)
        self.headings(sheet, spec.lists)
        values = [cols.LISTS[item.source](self.ctx) for item in spec.lists]
        widths = [item.width for item in spec.lists]
        for index in range(max((len(v) for v in values), default=0)):
            cells: list[CellValue] = []
            height = 1
            for column, width in zip(values, widths, strict=True):
                cell, cell_lines = (
                    self.body(sheet, column[index], width) if index < len(column) else (None, 1)
                )
                cells.append(cell)
                height = max(height, cell_lines)
            sheet.append(cells, height)
        sheet.ws.close()

    def fiches(self, spec: SheetSpec) -> None:
        """One sheet per activity: title, then per section its fields and its small table."""
        widths = spec.width if len(spec.width) >= 2 else [40, 58, 30, 38]
        title_of = _extractor("activities", spec.title_source) if spec.title_source else None
        fields = [
            [
                (line, _extractor("activities", line.source) if line.source else None)
                for line in section.fields
            ]
            for section in spec.sections
        ]
        size = self.profile.font_size
        for activity in self.ctx.activities:
            number = str(self.ctx.fiche_numbers[activity.key])
            sheet = self.sheet(spec.name.replace("{number}", number))
            self.layout(sheet, widths, header_row=None)
            title = spec.title.replace("{number}", number)
            heading = title_of(self.ctx, activity) if title_of is not None else ""
            heading_lines = self.lines(heading, widths[1], bold=True, larger=3)
            sheet.append(
                [
                    self.styled(sheet, title, self.style.title) if title else None,
                    self.styled(sheet, heading, self.style.heading) if heading else None,
                ],
                math.ceil(heading_lines * (size + 3) / size),  # lines of the larger font
            )
            for section, section_fields in zip(spec.sections, fields, strict=True):
                sheet.append([])
                self.band(sheet, section.heading, widths)
                for line, extract in section_fields:
                    value = extract(self.ctx, activity) if extract is not None else line.text
                    style = (
                        self.style.header_required if line.required else self.style.header_optional
                    )
                    self.label_line(sheet, self.styled(sheet, line.label, style), value, widths)
                if section.table is not None:
                    self.fiche_table(sheet, section.table, activity, widths)
            sheet.ws.close()

    def band(self, sheet: _Sheet, heading: str, widths: Sequence[float]) -> None:
        """A section's heading across the fiche, as tall as its lines across all columns."""
        band: list[CellValue] = [self.styled(sheet, heading, self.style.section)]
        band += [self.blank(sheet, self.style.section) for _ in widths[1:]]
        row = sheet.row + 1
        last = get_column_letter(len(widths))
        sheet.ws.merged_cells.add(f"A{row}:{last}{row}")  # type: ignore[attr-defined]  # not in the stubs
        sheet.append(band, self.lines(heading, sum(widths), bold=True))

    def fiche_table(
        self,
        sheet: _Sheet,
        table: TableSpec,
        activity: m.Activity,
        widths: Sequence[float],
    ) -> None:
        """A small table inside a fiche; its columns take the fiche's column widths."""
        columns = [
            (_extractor(table.rows, c.source), widths[i] if i < len(widths) else 20)
            for i, c in enumerate(table.columns)
        ]
        self.headings(
            sheet,
            [
                msgspec.structs.replace(c, width=width)
                for c, (_, width) in zip(table.columns, columns, strict=True)
            ],
        )
        empty = [self.empty(c.empty) for c in table.columns]
        count = 0
        for row in cols.ROWS[table.rows](self.ctx, activity):
            cells: list[CellValue] = []
            height = 1
            for (extract, width), blank in zip(columns, empty, strict=True):
                cell, cell_lines = self.body(sheet, extract(self.ctx, row) or blank, width)
                cells.append(cell)
                height = max(height, cell_lines)
            sheet.append(cells, height)
            count += 1
        if not count:
            sheet.append([self.empty("none")])


def _extractor(rows: str, source: str) -> cols.Extractor:
    found = cols.extractor(rows, source)
    if found is None:  # load_profile checks every source; a hand-built Profile may not
        raise ProfileError(f"unknown source {source!r} for rows {rows!r}")
    return found


# --- packing ---------------------------------------------------------------------------------


class _Archive:
    """Stands in for the ZipFile openpyxl writes to: keeps each part for a deterministic pack.

    Small parts stay in memory; worksheets, which openpyxl streams to temporary files and
    deletes once added, are hard-linked (or copied) into a folder of our own first.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.parts: dict[str, bytes | Path] = {}

    def writestr(self, name: str, data: str | bytes) -> None:
        self.parts[name] = data.encode("utf-8") if isinstance(data, str) else bytes(data)

    def write(self, filename: str, arcname: str) -> None:
        kept = self.folder / f"part-{len(self.parts)}.xml"
        try:
            os.link(filename, kept)
        except OSError:
            shutil.copyfile(filename, kept)
        self.parts[arcname] = kept

    def namelist(self) -> list[str]:
        return list(self.parts)

    def close(self) -> None:
        pass


_FIRST_XF = re.compile(rb"(<(?:cellStyleXfs|cellXfs)\b[^>]*>\s*<xf\b[^>]*?)\s*/>")
_TOP_WRAP = rb' applyAlignment="1"><alignment vertical="top" wrapText="1" /></xf>'


def default_format(styles_xml: bytes) -> bytes:
    """The stylesheet with the default cell format (the first cell format and the Normal
    style) wrapping text and aligning it to the top.

    Cells without a style of their own take this format, so data cells need none: openpyxl
    has no setting for it, and building a styled cell per value would double the time.
    """
    patched, count = _FIRST_XF.subn(lambda found: found.group(1) + _TOP_WRAP, styles_xml)
    if count != 2:
        raise WorkbookError("unexpected stylesheet from openpyxl: default format not found")
    return patched


_FIRST_PARTS = (
    "[Content_Types].xml",
    "_rels/.rels",
    "docProps/app.xml",
    "docProps/core.xml",
    "xl/workbook.xml",
    "xl/_rels/workbook.xml.rels",
    "xl/styles.xml",
    "xl/theme/theme1.xml",
)
_NUMBER = re.compile(r"(\d+)")


def _part_order(name: str) -> tuple[int, list[Any]]:
    if name in _FIRST_PARTS:
        return (_FIRST_PARTS.index(name), [])
    natural = [int(p) if p.isdigit() else p for p in _NUMBER.split(name)]
    return (len(_FIRST_PARTS), natural)


def _pack(parts: dict[str, bytes | Path], stamp: dt.date) -> bytes:
    """A zip of the parts in a fixed order, every entry dated ``stamp`` with fixed attributes."""
    year = min(max(stamp.year, 1980), 2107)
    date_time = (year, stamp.month, stamp.day, 0, 0, 0)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(parts, key=_part_order):
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0o644 << 16
            data = parts[name]
            if isinstance(data, bytes):
                archive.writestr(info, data)
                continue
            size = data.stat().st_size
            with (
                data.open("rb") as source,
                archive.open(info, "w", force_zip64=size > 0x7FFF_FFFF) as target,
            ):
                shutil.copyfileobj(source, target, 1 << 20)
    return out.getvalue()


# --- the workbook ---------------------------------------------------------------------------------


def organisation_for(graph: RegistryGraph, key: str | None) -> m.Organisation:
    """The organisation to render: the one named, or the registry's only one."""
    known = ", ".join(sorted(graph.organisations)) or "none"
    if key is None:
        if len(graph.organisations) == 1:
            return next(iter(graph.organisations.values()))
        raise UnknownOrganisation(
            f"the registry holds {len(graph.organisations)} organisations ({known}): name one"
        )
    found = graph.organisations.get(key)
    if found is None:
        raise UnknownOrganisation(f"no organisation {key!r} in the registry (known: {known})")
    return found


def filename(organisation: str, profile: str, judged_on: dt.date) -> str:
    """A file name for the workbook, e.g. ``ropa-sprechwerk-ico-2026-11-22.xlsx``."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", f"{organisation}-{profile}").strip("-.") or "record"
    return f"ropa-{safe}-{judged_on.isoformat()}.xlsx"


def included_sheets(
    profile: Profile, organisation: m.Organisation, processor_records: int = 0
) -> list[SheetSpec]:
    """The profile's sheets this organisation gets: processor sheets whenever it keeps
    processor records, or acts as a processor."""
    acts_as_processor = processor_records > 0 or organisation.role in (
        m.OrganisationRole.PROCESSOR,
        m.OrganisationRole.BOTH,
    )
    return [s for s in profile.sheets if s.when == "always" or acts_as_processor]


def edition_view(profile: Profile, edition: str, regimes: Iterable[str] = ()) -> Profile:
    """The profile as one edition shows it: sheets, columns, lines and lists of the other
    edition left out, and columns of a regime the organisation is not under."""
    if edition not in EDITIONS:
        raise WorkbookError(f"unknown edition {edition!r}; expected one of {', '.join(EDITIONS)}")
    under = set(regimes)

    def keep(item: ColumnSpec | FieldSpec | ListSpec | SheetSpec) -> bool:
        return item.edition in ("both", edition)

    def columns(found: Sequence[ColumnSpec]) -> list[ColumnSpec]:
        return [c for c in found if keep(c) and (not c.regime or c.regime in under)]

    sheets = []
    for sheet in profile.sheets:
        if not keep(sheet):
            continue
        sections = [
            msgspec.structs.replace(
                section,
                fields=[f for f in section.fields if keep(f)],
                table=(
                    msgspec.structs.replace(section.table, columns=columns(section.table.columns))
                    if section.table is not None
                    else None
                ),
            )
            for section in sheet.sections
        ]
        sheets.append(
            msgspec.structs.replace(
                sheet,
                columns=columns(sheet.columns),
                lines=[line for line in sheet.lines if keep(line)],
                lists=[item for item in sheet.lists if keep(item)],
                sections=sections,
            )
        )
    return msgspec.structs.replace(profile, sheets=sheets)


def workbook(
    facts: Facts,
    findings: Iterable[Finding],
    *,
    profile: str | Profile = "ico",
    organisation: str | None = None,
    revision: int | None = None,
    edition: str = "regulator",
) -> bytes:
    """One organisation's Article 30 record as xlsx bytes, laid out by ``profile``.

    ``edition`` is ``regulator`` (the default: names, no keys, findings or waivers) or
    ``internal`` (the DPO's review copy, with them).

    ``profile`` is a profile name (see ``profiles()``) or a loaded ``Profile``; ``organisation``
    may be left out when the registry holds one. ``findings`` are the rule engine's (other
    organisations' are ignored); ``revision`` is the registry revision shown on the notes sheet;
    the facts' day is the day the registry was judged on, and dates the file.

    Raises UnknownProfile, UnknownOrganisation or ProfileError (all WorkbookError, a ValueError).
    """
    with bulk():  # see "Fast." in the module's docstring
        return _workbook(facts, findings, profile, organisation, revision, edition)


def _workbook(
    facts: Facts,
    findings: Iterable[Finding],
    profile: str | Profile,
    organisation: str | None,
    revision: int | None,
    edition: str,
) -> bytes:
    if isinstance(profile, Profile):
        spec = profile
        problems = list(_problems(spec))
        if problems:
            raise ProfileError(f"profile {spec.name!r}: " + "; ".join(problems))
    else:
        spec = load_profile(profile)
    org = organisation_for(facts.graph, organisation)
    judged_on = facts.on
    ctx = context_for(facts, findings, spec, org, revision=revision, edition=edition)
    spec = edition_view(spec, edition, facts.regimes(org.key))
    sheets = included_sheets(spec, org, len(ctx.processor_records))
    for sheet in sheets:
        if sheet.kind == "fiche":
            for number, activity in enumerate(ctx.activities, 1):
                ctx.fiche_numbers[activity.key] = number
                ctx.fiche_names[activity.key] = sheet.name.replace("{number}", str(number))
            break
    ctx.sheet_names = _sheet_names(sheets, len(ctx.activities))

    stamp = dt.datetime.combine(judged_on, dt.time())
    book = Workbook(write_only=True)
    # The Normal style's font: named, sized.
    book._fonts = IndexedList([default_font(spec)])  # type: ignore[attr-defined]  # private, not in the stubs
    book.properties = DocumentProperties(
        creator="ropa",
        title=_NOT_IN_XML.sub("\ufffd", " ".join(f"{spec.title}: {org.name}".split()))[:250],
        subject="Record of processing activities (Article 30 GDPR)",
        language=spec.language,
        created=stamp,
        modified=stamp,
    )
    writer = _Writer(book, spec, ctx)
    for sheet in sheets:
        if sheet.kind == "notes":
            writer.notes(sheet)
        elif sheet.kind == "table":
            writer.table(sheet)
        elif sheet.kind == "lists":
            writer.lists(sheet)
        else:
            writer.fiches(sheet)
    if not book.worksheets:
        raise ProfileError(f"profile {spec.name!r} gives this organisation no sheet")

    with tempfile.TemporaryDirectory(prefix="ropa-xlsx-") as folder:
        archive = _Archive(Path(folder))
        ExcelWriter(book, archive).save()  # type: ignore[arg-type]  # uses only what _Archive has
        styles = archive.parts["xl/styles.xml"]
        assert isinstance(styles, bytes)
        archive.parts["xl/styles.xml"] = default_format(styles)
        return _pack(archive.parts, judged_on)


def context_for(
    facts: Facts,
    findings: Iterable[Finding],
    spec: Profile,
    org: m.Organisation,
    *,
    revision: int | None = None,
    edition: str = "regulator",
) -> cols.Context:
    """What the extractors read for one organisation, profile and edition (the PDF's too)."""
    if edition not in EDITIONS:
        raise WorkbookError(f"unknown edition {edition!r}; expected one of {', '.join(EDITIONS)}")
    return cols.Context.build(
        facts,
        org,
        findings if edition == "internal" else (),
        revision=revision,
        words=dict(spec.words),
        profile_title=spec.title,
        tr=i18n.translator(spec.language),
        edition=edition,
    )


def _sheet_names(sheets: Sequence[SheetSpec], activities: int) -> list[str]:
    names = []
    for sheet in sheets:
        if sheet.kind != "fiche":
            names.append(sheet.name)
        elif activities:
            first = sheet.name.replace("{number}", "1")
            last = sheet.name.replace("{number}", str(activities))
            names.append(first if activities == 1 else f"{first} - {last}")
    return names
