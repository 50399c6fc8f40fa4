"""Row heights of the workbook: lines of wrapped text counted from the font's glyph widths."""

from __future__ import annotations

from hypothesis import assume, given, settings
from hypothesis import strategies as st
from reportlab.lib.utils import simpleSplit

from ropa.render import xlsx_fit as fit

WORDS = st.text(alphabet="aeilmnorstuvwxyzIMW0123456789(),.-\u2019é", min_size=1, max_size=14)


def points(width: float, size: float = 10) -> float:
    return fit.limit(width, size) * size / fit.UNITS_PER_EM


@settings(max_examples=300, deadline=None)
@given(words=st.lists(WORDS, min_size=1, max_size=60), width=st.integers(14, 80))
def test_never_fewer_lines_than_the_glyph_widths_need(words: list[str], width: int) -> None:
    """Against ReportLab's own line filling with the same metrics: never a line fewer (a row
    too short cuts text off), and no more than the rounding of glyph widths can add."""
    assume(
        all(fit.text_width(word) * 10 / fit.UNITS_PER_EM < points(width) * 0.97 for word in words)
    )
    text = " ".join(words)  # words that fit: ReportLab does not break a word
    counted = fit.lines(text, width)
    assert counted >= len(simpleSplit(text, "Helvetica", 10, points(width)))
    assert counted <= len(simpleSplit(text, "Helvetica", 10, points(width) * 0.97))


def test_narrow_letters_take_fewer_lines_than_wide_ones() -> None:
    """Characters are not all a zero wide: the old count by length gave both the same."""
    narrow, wide = " ".join(["illicit"] * 12), " ".join(["MAXIMUM"] * 12)
    assert len(narrow) == len(wide)
    assert fit.lines(narrow, 20) < fit.lines(wide, 20)
    assert fit.lines(wide, 20, bold=True) >= fit.lines(wide, 20)


def test_line_breaks_and_long_words() -> None:
    assert fit.lines("Germany", 20) == 1
    assert fit.lines("Germany\nFrance\nItaly", 20) == 3
    assert fit.lines("Germany\n\nItaly", 20) == 3  # an empty line still takes its height
    word = "x" * 200  # wider than the column: broken across lines, as the programs do
    assert fit.lines(word, 20) == -(-fit.text_width(word) // int(fit.limit(20)))
    assert fit.lines(f"a {word}", 20) == fit.lines(word, 20) + 1


def test_characters_the_font_lacks_count_as_the_widest() -> None:
    assert fit.text_width("漢字") == 2 * fit.WIDEST
    assert fit.text_width("€\u2019é") < 3 * fit.WIDEST  # Windows-1252 has these


def test_widths_count_zeros_of_the_default_font() -> None:
    """A column is as many zeros wide as its width (7 pixels each in 10-point Arial): a larger
    default font widens it too, while a heading set larger than the default fills it sooner."""
    assert fit.digit_pixels(10) == 7
    assert fit.digit_pixels(12) == 9
    text = " ".join(["retention"] * 20)
    assert fit.count_lines(text, fit.limit(30, 10, 13)) > fit.lines(text, 30)


def test_row_heights_grow_with_lines_and_hold_excel_lines() -> None:
    """Excel sets 10-point Arial 12.75 points a line; LibreOffice closer, so both show all."""
    assert fit.row_height(1) == 12.75
    assert fit.row_height(4) == 51.0
    assert fit.row_height(2, size=12) > fit.row_height(2)
