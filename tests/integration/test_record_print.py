"""The workbook as a regulator prints it: LibreOffice renders every sheet to PDF.

Checks, with a PDF reader (pdfplumber): A4 landscape pages, text never smaller than a legible
size, page headers and "page x of y", every word of every cell printed (a row too short for its
text would cut the rest off: LibreOffice prints none of it), and a bounded page count. The first
pages of each profile are kept as PNG screenshots under tests/artifacts/ for a person to look at.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import openpyxl
import pdfplumber
import pytest
from openpyxl.utils import get_column_letter

from ropa.domain.vocabulary import builtin
from ropa.facts import derive
from ropa.graph import build_graph
from ropa.input.document import parse_document
from ropa.render import xlsx, xlsx_fit
from ropa.rules import evaluate

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "softphone-provider.yaml"
ARTIFACTS = ROOT / "tests" / "artifacts"
ON = dt.date(2026, 11, 22)
MIN_TEXT = 7.0
"""Points: the smallest printed text allowed (10-point text at the 85 % print scale is 8.5)."""
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
WORD = re.compile(r"[^\W_]+")

pytestmark = pytest.mark.skipif(
    SOFFICE is None and os.environ.get("CI") != "true",
    reason="LibreOffice is not installed (scripts/setup.sh --dev installs it)",
)


def printed(data: bytes, folder: Path) -> bytes:
    source = folder / "record.xlsx"
    source.write_bytes(data)
    profile = folder / "lo-profile"
    subprocess.run(
        [
            SOFFICE or "soffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=240,
    )
    return (folder / "record.pdf").read_bytes()


def cell_words(data: bytes) -> Counter[str]:
    """The words of the workbook's cells (a word wider than its column, or its merged
    columns, is broken by the program, so it is left out)."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    words: Counter[str] = Counter()
    for sheet in book.worksheets:
        widths = {letter: dim.width for letter, dim in sheet.column_dimensions.items()}
        merged = {
            merge.start_cell.coordinate: sum(
                widths.get(get_column_letter(column)) or 13
                for column in range(merge.min_col, merge.max_col + 1)
            )
            for merge in sheet.merged_cells.ranges
        }
        for row in sheet.iter_rows():
            for cell in row:
                if not isinstance(cell.value, str):
                    continue
                width = merged.get(cell.coordinate) or widths.get(cell.column_letter) or 13
                room = xlsx_fit.limit(width)
                for word in cell.value.split():
                    if xlsx_fit.text_width(word, bold=True) <= room:
                        words.update(WORD.findall(word))
    return words


@pytest.fixture(scope="module")
def judged():  # type: ignore[no-untyped-def]
    document = parse_document(EXAMPLE.read_bytes(), "yaml")
    facts = derive(build_graph(document, builtin()), ON)
    return facts, evaluate(facts)


@pytest.mark.parametrize(
    ("profile", "edition", "most_pages"),
    [
        ("ico", "regulator", 56),
        ("ico", "internal", 66),
        ("cnil", "regulator", 34),
        ("cnil", "internal", 38),
        ("de", "regulator", 37),
        ("de", "internal", 41),
    ],
)
def test_every_printed_page_is_legible_a4_landscape(
    profile: str,
    edition: str,
    most_pages: int,
    judged,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    facts, findings = judged
    data = xlsx.workbook(facts, findings, profile=profile, revision=1, edition=edition)
    document = printed(data, tmp_path)
    organisation = facts.graph.organisations["sprechwerk"].name
    with pdfplumber.open(io.BytesIO(document)) as pdf:
        pages = pdf.pages
        assert 3 <= len(pages) <= most_pages, len(pages)
        printed_words: Counter[str] = Counter()
        for page in pages:
            for word in page.extract_words(x_tolerance=1):
                printed_words.update(WORD.findall(word["text"]))
        cut_off = cell_words(data) - printed_words
        assert not cut_off, f"not printed (rows too short?): {sorted(cut_off)[:20]}"
        for number, page in enumerate(pages, 1):
            assert round(page.width) == 842 and round(page.height) == 595, number  # A4 landscape
            sizes = [char["size"] for char in page.chars if char["text"].strip()]
            assert sizes, f"page {number} is empty"
            assert min(sizes) >= MIN_TEXT, (number, min(sizes))
            text = page.extract_text() or ""
            assert organisation in text, number  # the page header names the organisation
            assert f" {len(pages)}" in text.splitlines()[-1], number  # "page x of y"
        ARTIFACTS.mkdir(exist_ok=True)
        for index in range(min(3, len(pages))):
            image = pages[index].to_image(resolution=70)
            image.save(ARTIFACTS / f"printed-{profile}-{edition}-page{index + 1}.png")


def test_wide_sheet_prints_in_sections_that_repeat_the_leading_columns(
    judged,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    """The controller record is wider than a page: each printed section starts with the ICO's
    business function and purpose, and every heading is printed somewhere."""
    facts, findings = judged
    spec = xlsx.load_profile("ico")
    sheet = next(s for s in spec.sheets if s.name == "Controller record")
    only = xlsx.Profile(name="print", title=spec.title, sheets=[sheet], fills=spec.fills)
    document = printed(xlsx.workbook(facts, findings, profile=only), tmp_path)
    with pdfplumber.open(io.BytesIO(document)) as pdf:
        texts = [" ".join((page.extract_text() or "").split()) for page in pdf.pages]
    sections = [t for t in texts if "Purpose of processing" in t]
    ends = xlsx.print_sections([c.width for c in sheet.columns], 2, spec.print_scale)
    assert len(ends) > 3
    assert len(sections) >= len(ends) - 1
    assert all("Business function" in t for t in sections)
    words = set(" ".join(texts).split())
    for column in sheet.columns:
        if not column.regime and column.edition != "internal":
            assert set(column.heading.split()) <= words, column.heading
