"""The deterministic PDF document shared by the record and the notice: same story, same bytes,
dated the day judged, every page decorated once the page count is known."""

from __future__ import annotations

import datetime as dt
import io

import pdfplumber
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import PageBreak, Paragraph

from ropa.render.pdf_document import FONT, build_pdf, register_fonts

DAY = dt.date(2026, 11, 22)


def _pdf(seen: list[tuple[int, int]]) -> bytes:
    register_fonts()
    style = ParagraphStyle("body", fontName=FONT, fontSize=10)
    story = [Paragraph("one", style), PageBreak(), Paragraph("two", style), PageBreak()]
    story.append(Paragraph("three", style))

    def decorate(canvas: Canvas, number: int, total: int) -> None:
        seen.append((number, total))
        canvas.setFont(FONT, 8)
        canvas.drawCentredString(A4[0] / 2, 8 * mm, f"page {number} of {total}")

    return build_pdf(
        story,
        page=A4,
        margin=18 * mm,
        title="A title",
        subject="A subject",
        day=DAY,
        decorate=decorate,
        lang="de",
    )


def test_same_story_same_bytes_dated_the_day_judged() -> None:
    first, again = _pdf([]), _pdf([])
    assert first == again and first.startswith(b"%PDF-")
    with pdfplumber.open(io.BytesIO(first)) as document:
        meta = document.metadata
        texts = [page.extract_text() or "" for page in document.pages]
    assert meta["CreationDate"].startswith("D:20261122000000")
    assert (meta["Title"], meta["Subject"], meta["Author"]) == ("A title", "A subject", "ropa")
    assert meta["Creator"] == "ropa"
    assert b"/Lang (de)" in first
    assert [t.splitlines()[-1] for t in texts] == ["page 1 of 3", "page 2 of 3", "page 3 of 3"]


def test_every_page_is_decorated_once_with_the_count() -> None:
    seen: list[tuple[int, int]] = []
    _pdf(seen)
    assert seen == [(1, 3), (2, 3), (3, 3)]
