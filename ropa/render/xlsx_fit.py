"""How many lines wrapped text takes in a spreadsheet column, from the font's glyph widths.

Spreadsheet programs do not fit a row's height to its wrapped text when they open a file
(LibreOffice keeps the default height, so the rest of a long cell is cut off), so the workbook
gives every row the height its tallest cell needs. Counting characters against the column
width overestimates: a column's width is counted in zeros, and most letters are narrower. Here
each word is measured with the glyph widths of Helvetica, whose widths Arial and Liberation Sans
(the fonts the profiles name, and LibreOffice's stand-in for Arial) share exactly, as ReportLab
ships them; lines are filled word by word as both programs do, and a word longer than the
column is broken.

The estimate errs towards one line more, never fewer, in both Excel and LibreOffice:

- the width available is Excel's, the narrower of the two (7 pixels a character at 96 dpi, 5 of
  them padding; LibreOffice makes a column as wide as its zeros, a little wider);
- a line break is taken at spaces only (both programs may also break after a hyphen);
- a character outside Windows-1252 counts as the widest glyph.

Widths are worked out on bytes: text is encoded to Windows-1252 and translated to each glyph's
width in units of 1/200 em (rounded up). A short cell is settled by two counts of glyph classes
(an upper bound of its width); a longer one by running sums and bisection, never a Python loop
over its characters, fast enough for the 700,000 cells of a 10,000-activity workbook.
Deterministic: no font file of the machine is read.
"""

from __future__ import annotations

import functools
import math
from bisect import bisect_right
from itertools import accumulate

from reportlab.pdfbase.pdfmetrics import getFont

UNITS_PER_EM = 200
"""Width units: a glyph's width (in 1/1000 em) rounded up to 1/200 em fits in a byte."""
WIDEST = math.ceil(1015 * UNITS_PER_EM / 1000)
"""The widest glyph of Helvetica (``@``, 1015/1000 em), given to characters it lacks."""
SPACE = ord(" ")
LINE_PITCH_EM = 1.275
"""Height of a line of wrapped text: Excel's, 17 pixels for 10-point Arial at 96 dpi (12.75
points). LibreOffice sets lines closer (11.2 points), so a row sized for Excel shows every line
in both."""


@functools.cache
def _widths(bold: bool) -> bytes:
    """A ``bytes.translate`` table: Windows-1252 code to glyph width in units."""
    font = getFont("Helvetica-Bold" if bold else "Helvetica")
    table = [math.ceil(width * UNITS_PER_EM / 1000) for width in font.widths]
    table[ord("?")] = WIDEST  # what encoding puts for a character Windows-1252 lacks
    return bytes(min(width, 255) for width in table)


CLASSES = (67, 123, WIDEST)
"""Upper widths of three classes of glyphs (narrow: i, l, t, r, space; middling: most lower
case and digits; wide), to bound a text's width with two counts instead of a sum."""


@functools.cache
def _classes(bold: bool) -> bytes:
    """A ``bytes.translate`` table: Windows-1252 code to the class of its glyph (0, 1, 2)."""
    return bytes(
        next(index for index, bound in enumerate(CLASSES) if width <= bound)
        for width in _widths(bold)
    )


def _encoded(text: str) -> bytes:
    return text.encode("latin-1") if text.isascii() else text.encode("cp1252", "replace")


def digit_pixels(size: float) -> int:
    """Pixels (at 96 dpi) of a zero, the unit of column widths: 7 for 10-point Arial."""
    return round(0.556 * size * 96 / 72)


def limit(width: float, size: float = 10, text_size: float | None = None) -> float:
    """The width available to text in a column ``width`` characters wide, in units of the text
    (``text_size`` points, the default font's ``size`` unless a heading is larger)."""
    points = max(1.0, width * digit_pixels(size) - 5) * 0.75
    return points / (text_size or size) * UNITS_PER_EM


def text_width(text: str, bold: bool = False) -> int:
    """Width of one line of ``text`` in units (multiply by size / 200 for points)."""
    return sum(_encoded(text).translate(_widths(bold)))


def count_lines(text: str, room: float, bold: bool = False) -> int:
    """Lines ``text`` takes where ``room`` units fit on a line (see ``limit``)."""
    if "\n" not in text:
        return paragraph_lines(text, room, bold)
    return sum(paragraph_lines(part, room, bold) for part in text.split("\n"))


def paragraph_lines(text: str, room: float, bold: bool = False) -> int:
    """Lines of one paragraph (text without a line break).

    Most cells are short: their width is bounded from two counts of glyph classes, and only a
    text that may not fit is measured glyph by glyph and filled word by word.
    """
    encoded = _encoded(text)
    classes = encoded.translate(_classes(bold))
    narrow, wide = classes.count(0), classes.count(2)
    bound = narrow * CLASSES[0] + (len(classes) - narrow - wide) * CLASSES[1] + wide * WIDEST
    if bound <= room:
        return 1
    return _wrapped(encoded, room, _widths(bold))


def _wrapped(encoded: bytes, room: float, table: bytes) -> int:
    """Lines of one paragraph, filled word by word: each line ends at the last space before
    the line is full (found by bisecting the running widths), or, in a word longer than the
    line, where the line is full."""
    ends = list(accumulate(encoded.translate(table), initial=0))  # ends[i]: width of [:i]
    size = len(encoded)
    count, start = 0, 0
    while True:
        count += 1
        while start < size and encoded[start] == SPACE:  # a line does not start with spaces
            start += 1
        full = bisect_right(ends, ends[start] + room) - 1  # [start:full] fits
        if full >= size:
            return count
        cut = encoded.rfind(b" ", start, full + 1)
        start = cut if cut > start else max(full, start + 1)


def lines(text: str, width: float, size: float = 10, bold: bool = False) -> int:
    """Lines ``text`` takes, wrapped in a column ``width`` characters wide."""
    return count_lines(text, limit(width, size), bold)


def row_height(line_count: int, size: float = 10) -> float:
    """Points a row needs for ``line_count`` lines of ``size``-point text."""
    return round(line_count * LINE_PITCH_EM * size, 2)


__all__ = [
    "LINE_PITCH_EM",
    "WIDEST",
    "count_lines",
    "digit_pixels",
    "limit",
    "lines",
    "paragraph_lines",
    "row_height",
    "text_width",
]
