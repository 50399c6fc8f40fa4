"""Deterministic PDF documents with ReportLab, for the record (`ropa.render.pdf`) and the
notice (`ropa.notice.render`).

The same registry gives the same bytes: ReportLab's invariant mode fixes the document id, the
creation date is the day the registry was judged (not now), and the bundled Bitstream Vera
fonts are embedded, so the file looks the same everywhere. Pages are held back until the count
is known, so each can say "page x of y".
"""

from __future__ import annotations

import calendar
import datetime as dt
import io
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import reportlab
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate

FONT = "RecordSans"
FONT_BOLD = "RecordSans-Bold"
AUTHOR = "ropa"

Decorate = Callable[[Canvas, int, int], None]
"""Draws a page's header and footer on the canvas, given the page's number and the count."""


def register_fonts() -> None:
    """Register `FONT` and `FONT_BOLD` (ReportLab's bundled Vera) once per process."""
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    folder = Path(reportlab.__file__).parent / "fonts"
    pdfmetrics.registerFont(TTFont(FONT, str(folder / "Vera.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(folder / "VeraBd.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD)


def canvas_maker(*, day: dt.date, decorate: Decorate) -> type[Canvas]:
    """A canvas class in invariant mode, dated ``day``, that calls ``decorate`` on each page
    once the page count is known. (Title, subject and the like are the document template's:
    it sets them on the canvas when it builds, over anything set here.)"""

    class DeterministicCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs["invariant"] = 1
            super().__init__(*args, **kwargs)
            stamp = self._doc._timeStamp  # type: ignore[attr-defined]  # private, not in the stubs
            stamp.t = calendar.timegm(day.timetuple())
            stamp.lt = tuple(dt.datetime.combine(day, dt.time()).timetuple())
            stamp.YMDhms = tuple(stamp.lt)[:6]
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()  # type: ignore[attr-defined]  # private, not in the stubs

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, 1):
                self.__dict__.update(state)
                decorate(self, number, total)
                Canvas.showPage(self)
            Canvas.save(self)

    return DeterministicCanvas


def build_pdf(
    story: Sequence[Flowable],
    *,
    page: tuple[float, float],
    margin: float,
    title: str,
    subject: str,
    day: dt.date,
    decorate: Decorate,
    lang: str | None = None,
) -> bytes:
    """``story`` laid out in one frame per page inside ``margin``, as deterministic PDF bytes."""
    register_fonts()
    out = io.BytesIO()
    doc = BaseDocTemplate(
        out,
        pagesize=page,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=margin,
        title=title,
        subject=subject,
        author=AUTHOR,
        creator=AUTHOR,
        invariant=1,
        lang=lang,
    )
    frame = Frame(margin, margin, page[0] - 2 * margin, page[1] - 2 * margin, id="body")
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    doc.build(
        list(story),
        canvasmaker=canvas_maker(day=day, decorate=decorate),
    )
    return out.getvalue()
