"""The Article 30 record as a PDF, laid out by the same profile as the workbook.

For authorities that ask for a document rather than a spreadsheet. ``record_pdf`` reads the
profile (``exports/profiles/<name>.yaml``), the same extractors and the same edition as
``ropa.render.xlsx.workbook``, so the two never disagree; only the layout differs: A4
landscape, each row of a table (an activity, a transfer, a recipient) as a block of its
headings and values, a fiche as its sections, a header naming the organisation, the record
and the day, and "page x of y" at the foot of every page.

Made with ReportLab (platypus): pure Python wheels, no system libraries, works offline. The
document, its fonts and its deterministic canvas come from `ropa.render.pdf_document`, shared
with the privacy notice: the same registry gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    KeepTogether,
    PageBreak,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from ropa.domain import model as m
from ropa.facts import Facts
from ropa.render import xlsx
from ropa.render import xlsx_columns as cols
from ropa.render.pdf_document import FONT, FONT_BOLD, Decorate, build_pdf, register_fonts
from ropa.rules.engine import Finding

__all__ = ["MEDIA_TYPE", "filename", "record_pdf"]

MEDIA_TYPE = "application/pdf"
BODY_SIZE = 9
"""Points: the smallest text in the document, headers and footers included."""
PAGE = landscape(A4)
MARGIN = 14 * mm


def filename(organisation: str, profile: str, judged_on: dt.date) -> str:
    return xlsx.filename(organisation, profile, judged_on).removesuffix(".xlsx") + ".pdf"


class _Styles:
    def __init__(self, fills: xlsx.Fills) -> None:
        self.body = ParagraphStyle("body", fontName=FONT, fontSize=BODY_SIZE, leading=11.5)
        self.label = ParagraphStyle("label", parent=self.body, fontName=FONT_BOLD)
        self.title = ParagraphStyle(
            "title", parent=self.body, fontName=FONT_BOLD, fontSize=15, leading=19, spaceAfter=6
        )
        self.heading = ParagraphStyle(
            "heading",
            parent=self.body,
            fontName=FONT_BOLD,
            fontSize=12,
            leading=15,
            spaceBefore=8,
            spaceAfter=4,
        )
        self.required = colors.HexColor(f"#{fills.required}")
        self.optional = colors.HexColor(f"#{fills.optional}")
        self.section = colors.HexColor(f"#{fills.section}")


def _text(value: str) -> str:
    """Paragraph markup for plain text: escaped, line breaks kept."""
    return escape(value).replace("\n", "<br/>")


class _Builder:
    def __init__(self, ctx: cols.Context, profile: xlsx.Profile) -> None:
        self.ctx = ctx
        self.profile = profile
        self.style = _Styles(profile.fills)
        self.story: list[Any] = []
        self.width = PAGE[0] - 2 * MARGIN

    def p(self, text: str, style: ParagraphStyle | None = None) -> Paragraph:
        return Paragraph(_text(text), style or self.style.body)

    def pairs(self, rows: Sequence[tuple[str, str, bool]], label_width: float = 0.32) -> Table:
        """Label/value lines: the label shaded green when Art 30 requires it, else blue."""
        data = [[self.p(label, self.style.label), self.p(value)] for label, value, _ in rows]
        table = Table(
            data,
            colWidths=[self.width * label_width, self.width * (1 - label_width)],
            repeatRows=0,
        )
        commands: list[tuple[Any, ...]] = [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#808080")),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ]
        for index, (_, _, required) in enumerate(rows):
            fill = self.style.required if required else self.style.optional
            commands.append(("BACKGROUND", (0, index), (0, index), fill))
        table.setStyle(TableStyle(commands))
        return table

    def grid(self, headings: Sequence[tuple[str, bool]], rows: Sequence[Sequence[str]]) -> Table:
        """A small table with its heading row repeated on every page it spans."""
        count = max(1, len(headings))
        data = [[self.p(h, self.style.label) for h, _ in headings]]
        data += [[self.p(value) for value in row] for row in rows]
        table = Table(data, colWidths=[self.width / count] * count, repeatRows=1)
        commands: list[tuple[Any, ...]] = [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#808080")),
        ]
        for index, (_, required) in enumerate(headings):
            fill = self.style.required if required else self.style.optional
            commands.append(("BACKGROUND", (index, 0), (index, 0), fill))
        table.setStyle(TableStyle(commands))
        return table

    # sheet kinds ------------------------------------------------------------------------------

    def notes(self, spec: xlsx.SheetSpec) -> None:
        self.story.append(self.p(spec.title or spec.name, self.style.title))
        rows: list[tuple[str, str, bool]] = []
        if spec.legend is not None:
            rows.append((spec.legend.required.label, spec.legend.required.text, True))
            rows.append((spec.legend.optional.label, spec.legend.optional.text, False))
        for line in spec.lines:
            if line.source == "sheet_list":
                continue  # names the workbook's sheets: not this document's
            value = cols.NOTES[line.source](self.ctx) if line.source else line.text
            rows.append((line.label, value or self.ctx.word("not_stated"), line.required))
        self.story.append(self.pairs(rows))
        self.story.append(PageBreak())

    def contact_block(self, block: xlsx.ContactBlock) -> None:
        self.story.append(self.p(block.title, self.style.heading))
        headings = [("", False), *((name, False) for name in block.fields)]
        rows = []
        for row in block.rows:
            values = cols.CONTACTS[row.source](self.ctx)
            blank = self.ctx.word("not_applicable" if not any(values) else "not_stated")
            rows.append([row.label, *(value or blank for value in values)])
        self.story.append(self.grid(headings, rows))
        self.story.append(Spacer(1, 6))

    def table(self, spec: xlsx.SheetSpec) -> None:
        self.story.append(self.p(spec.title or spec.name, self.style.title))
        if spec.contact_block is not None:
            self.contact_block(spec.contact_block)
        extract = [
            (c, xlsx._extractor(spec.rows, c.source), self.ctx.word(c.empty)) for c in spec.columns
        ]
        # A block's title: the activity's name where the table has it, else its leading columns.
        named = [i for i, c in enumerate(spec.columns) if c.source == "activity_name"][:1]
        titles = named or list(range(max(1, spec.repeat_columns)))
        count = 0
        for row in cols.ROWS[spec.rows](self.ctx, None):
            values = [(c, fn(self.ctx, row) or empty) for c, fn, empty in extract]
            title = " - ".join(values[i][1].replace("\n", ", ") for i in titles)
            rest = [
                (c.heading, v, c.required) for i, (c, v) in enumerate(values) if i not in titles
            ]
            block = [self.p(title, self.style.heading), self.pairs(rest)]
            self.story.append(CondPageBreak(60 * mm))
            self.story.extend(block)
            count += 1
        if not count:
            self.story.append(self.p(self.ctx.word("none")))
        self.story.append(PageBreak())

    def fiches(self, spec: xlsx.SheetSpec) -> None:
        title_of = xlsx._extractor("activities", spec.title_source) if spec.title_source else None
        for activity in self.ctx.activities:
            number = str(self.ctx.fiche_numbers.get(activity.key, ""))
            title = spec.title.replace("{number}", number)
            heading = title_of(self.ctx, activity) if title_of is not None else ""
            self.story.append(self.p(f"{title}: {heading}" if heading else title, self.style.title))
            for section in spec.sections:
                parts: list[Any] = [self.p(section.heading, self.style.heading)]
                rows = []
                for line in section.fields:
                    fn = xlsx._extractor("activities", line.source) if line.source else None
                    value = fn(self.ctx, activity) if fn is not None else line.text
                    rows.append((line.label, value or self.ctx.word("not_stated"), line.required))
                if rows:
                    parts.append(self.pairs(rows))
                if section.table is not None:
                    table = section.table
                    fns = [
                        (xlsx._extractor(table.rows, c.source), self.ctx.word(c.empty))
                        for c in table.columns
                    ]
                    found = [
                        [fn(self.ctx, row) or empty for fn, empty in fns]
                        for row in cols.ROWS[table.rows](self.ctx, activity)
                    ]
                    parts.append(Spacer(1, 3))
                    if found:
                        parts.append(
                            self.grid([(c.heading, c.required) for c in table.columns], found)
                        )
                    else:
                        parts.append(self.p(self.ctx.word("none")))
                self.story.append(KeepTogether(parts) if len(rows) < 12 else parts[0])
                if len(rows) >= 12:
                    self.story.extend(parts[1:])
            self.story.append(PageBreak())


def _decorator(header: tuple[str, str, str], page_of: str) -> Decorate:
    """Each page's header (organisation, record, day) and its "page x of y" footer."""

    def decorate(canvas: Canvas, number: int, total: int) -> None:
        width, height = PAGE
        canvas.saveState()
        canvas.setFont(FONT_BOLD, 8)
        canvas.drawString(MARGIN, height - 9 * mm, header[0][:90])
        canvas.setFont(FONT, 8)
        canvas.drawCentredString(width / 2, height - 9 * mm, header[1][:90])
        canvas.drawRightString(width - MARGIN, height - 9 * mm, header[2])
        footer = page_of.replace("&P", str(number)).replace("&N", str(total))
        canvas.drawCentredString(width / 2, 7 * mm, footer)
        canvas.restoreState()

    return decorate


def record_pdf(
    facts: Facts,
    findings: Iterable[Finding],
    *,
    profile: str | xlsx.Profile = "ico",
    organisation: str | None = None,
    revision: int | None = None,
    edition: str = "regulator",
) -> bytes:
    """One organisation's Article 30 record as PDF bytes, laid out from ``profile``; the
    arguments and errors are those of ``ropa.render.xlsx.workbook``."""
    register_fonts()
    spec = profile if isinstance(profile, xlsx.Profile) else xlsx.load_profile(profile)
    org: m.Organisation = xlsx.organisation_for(facts.graph, organisation)
    ctx = xlsx.context_for(facts, findings, spec, org, revision=revision, edition=edition)
    spec = xlsx.edition_view(spec, edition, facts.regimes(org.key))
    sheets = xlsx.included_sheets(spec, org, len(ctx.processor_records))
    for sheet in sheets:
        if sheet.kind == "fiche":
            for number, activity in enumerate(ctx.activities, 1):
                ctx.fiche_numbers[activity.key] = number
                ctx.fiche_names[activity.key] = sheet.name.replace("{number}", str(number))
            break
    builder = _Builder(ctx, spec)
    # The notes first (what the record is), then the record, supporting tables after it.
    for sheet in sorted(sheets, key=lambda s: s.kind != "notes"):
        if sheet.kind == "notes":
            builder.notes(sheet)
        elif sheet.kind == "table":
            builder.table(sheet)
        elif sheet.kind == "fiche":
            builder.fiches(sheet)
    if builder.story and isinstance(builder.story[-1], PageBreak):
        builder.story.pop()
    title = f"{spec.title}: {org.name}"
    day = facts.on
    header = (org.name, spec.title, f"{ctx.word('recorded_on')} {day.isoformat()}")
    return build_pdf(
        builder.story,
        page=PAGE,
        margin=MARGIN,
        title=title,
        subject="Record of processing activities (Article 30 GDPR)",
        day=day,
        decorate=_decorator(header, ctx.word("page_of")),
    )
