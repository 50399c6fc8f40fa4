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

Widths are summed as bytes: text is encoded to Windows-1252 and translated to each glyph's width
in units of 1/200 em (rounded up), so a line's width is one ``sum`` over bytes, fast enough for
the 300,000 cells of a 10,000-activity workbook. Deterministic: no font file of the machine is
read.
"""

from __future__ import annotations

import functools
import math

from reportlab.pdfbase.pdfmetrics import getFont

UNITS_PER_EM = 200
"""Width units: a glyph's width (in 1/1000 em) rounded up to 1/200 em fits in a byte."""
WIDEST = math.ceil(1015 * UNITS_PER_EM / 1000)
"""The widest glyph of Helvetica (``@``, 1015/1000 em), given to characters it lacks."""
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


def _encoded(text: str) -> bytes:
    return text.encode("cp1252", "replace")


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
    table = _widths(bold)
    total = 0
    for part in text.split("\n"):
        if sum(_encoded(part).translate(table)) <= room:
            total += 1
        else:
            total += _wrapped(part, room, table)
    return total


def _wrapped(part: str, room: float, table: bytes) -> int:
    """Lines of one paragraph, filled word by word."""
    space = table[ord(" ")]
    count = 1
    used: float = -space  # nothing on the line yet: the first word needs no space before it
    for word in part.split(" "):
        width = sum(_encoded(word).translate(table))
        if used + space + width <= room:
            used += space + width
            continue
        if used >= 0:  # the line holds words: this one starts the next
            count += 1
        if width > room:  # broken across lines, the rest starting the last of them
            broken = math.ceil(width / room) - 1
            count += broken
            used = width - broken * room
        else:
            used = width
    return count


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
    "row_height",
    "text_width",
]
