"""A notice as Markdown, HTML or PDF: the same statements, references and gap markers in each.

- Markdown: a footnote per registry entry (``[^3]: activity:push-notifications#purposes``) and
  per marked finding, numbered in order of first use.
- HTML: rendered from ``templates/notice.html.j2`` with Jinja2 (autoescaped); every statement
  carries ``data-ref``, every gap marker ``data-finding``; ``lang`` on the root, one ``h1``,
  headings in order, a ``main`` landmark.
- PDF: ReportLab, through the same deterministic document as the record's PDF
  (``ropa.render.pdf_document``): bundled fonts embedded, invariant mode, the creation date the
  day judged, so the same registry gives the same bytes.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import jinja2
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, Spacer

from ropa.notice.model import Notice, Section, Statement
from ropa.render.pdf_document import FONT, FONT_BOLD, Decorate, build_pdf, register_fonts

FORMATS = {"md": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8"}
FORMATS["pdf"] = "application/pdf"
TEMPLATES = Path(__file__).resolve().parent / "templates"
GAP_SIGN = "\u26a0"


class UnknownFormat(ValueError):
    """A notice format other than md, html or pdf."""


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise UnknownFormat(f"unknown notice format {fmt!r}; expected one of {', '.join(FORMATS)}")
    return fmt


def render(notice: Notice, fmt: str) -> bytes:
    check_format(fmt)
    if fmt == "md":
        return markdown(notice).encode()
    if fmt == "html":
        return html(notice).encode()
    return pdf(notice)


def filename(notice: Notice, fmt: str) -> str:
    revision = f"-r{notice.revision}" if notice.revision else ""
    return f"notice-{notice.organisation}-{notice.language}{revision}.{fmt}"


# --- blocks: paragraphs, and runs of list items -------------------------------------------------


@dataclass(frozen=True, slots=True)
class Block:
    items: tuple[Statement, ...]
    listed: bool


def blocks(section: Section) -> list[Block]:
    found: list[Block] = []
    for statement in section.statements:
        if statement.item and found and found[-1].listed:
            found[-1] = Block((*found[-1].items, statement), True)
        else:
            found.append(Block((statement,), statement.item))
    return found


# --- Markdown ----------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|])")


def _md(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


class _Footnotes:
    def __init__(self) -> None:
        self.numbers: dict[str, int] = {}

    def __call__(self, reference: str) -> str:
        number = self.numbers.setdefault(reference, len(self.numbers) + 1)
        return f"[^{number}]"


def _md_statement(statement: Statement, note: _Footnotes) -> str:
    text = _md(statement.text) + note(statement.ref)
    for gap in statement.gaps:
        text += f" {GAP_SIGN} *{_md(gap.text)}*{note(gap.finding)}"
    return text


def markdown(notice: Notice) -> str:
    note = _Footnotes()
    lines = [f"# {_md(notice.title)}", "", _md_statement(notice.intro, note), ""]
    for section in notice.sections:
        lines += [f"{'#' * section.level} {_md(section.heading)}", ""]
        for block in blocks(section):
            if block.listed:
                lines += [f"- {_md_statement(s, note)}" for s in block.items]
            else:
                lines.append(_md_statement(block.items[0], note))
            lines.append("")
    lines += [f"## {_md(notice.references_heading)}", ""]
    lines += [f"[^{n}]: `{reference}`" for reference, n in note.numbers.items()]
    return "\n".join(lines) + "\n"


# --- HTML --------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def html(notice: Notice) -> str:
    template = _environment().get_template("notice.html.j2")
    sections = [(section, blocks(section)) for section in notice.sections]
    return template.render(notice=notice, sections=sections, gap_sign=GAP_SIGN)


# --- PDF ---------------------------------------------------------------------------------------

PAGE = A4
MARGIN = 18 * mm


def _footer(page_of: str) -> Decorate:
    """Each page's "page x of y" footer, in the notice's language."""

    def decorate(canvas: Canvas, number: int, total: int) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 8)
        footer = page_of.replace("&P", str(number)).replace("&N", str(total))
        canvas.drawCentredString(PAGE[0] / 2, 8 * mm, footer)
        canvas.restoreState()

    return decorate


def pdf(notice: Notice) -> bytes:
    from ropa.render.i18n import translator

    register_fonts()
    body = ParagraphStyle("body", fontName=FONT, fontSize=10, leading=13, spaceAfter=4)
    item = ParagraphStyle("item", parent=body, leftIndent=12, bulletIndent=2)
    gap = ParagraphStyle("gap", parent=body, textColor=colors.HexColor("#9c2a00"))
    headings = {
        1: ParagraphStyle("h1", parent=body, fontName=FONT_BOLD, fontSize=17, leading=21),
        2: ParagraphStyle(
            "h2", parent=body, fontName=FONT_BOLD, fontSize=13, leading=16, spaceBefore=8
        ),
        3: ParagraphStyle(
            "h3", parent=body, fontName=FONT_BOLD, fontSize=11, leading=14, spaceBefore=4
        ),
    }

    def paragraph(statement: Statement, listed: bool) -> list[Any]:
        style = item if listed else body
        found: list[Any] = [
            Paragraph(escape(statement.text), style, bulletText="•" if listed else None)
        ]
        for marker in statement.gaps:
            text = f"{GAP_SIGN} {escape(marker.text)} [{escape(marker.finding)}]"
            found.append(
                Paragraph(text, ParagraphStyle("g", parent=gap, leftIndent=style.leftIndent))
            )
        return found

    story: list[Any] = [Paragraph(escape(notice.title), headings[1]), Spacer(1, 4)]
    story += paragraph(notice.intro, False)
    for section in notice.sections:
        story.append(Paragraph(escape(section.heading), headings[min(section.level, 3)]))
        for block in blocks(section):
            for statement in block.items:
                story += paragraph(statement, block.listed)
    page_of = translator(notice.language).word("page_of")
    return build_pdf(
        story,
        page=PAGE,
        margin=MARGIN,
        title=notice.title,
        subject="Privacy notice (Articles 13 and 14 GDPR)",
        day=notice.day,
        decorate=_footer(page_of),
        lang=notice.language,
    )
