"""The record's two editions, in every profile, as a workbook and as a PDF.

The regulator edition (the default) names things and never shows a key, a rule id or a
finding; the internal edition shows them for the DPO's own review. The French and German
profiles show no English vocabulary value, and every vocabulary label has a translation in
their catalogues. The same registry revision and day always give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pdfplumber
import pytest
from babel.messages.pofile import read_po
from python_calamine import CalamineWorkbook

from ropa.domain import model as m
from ropa.domain.vocabulary import builtin
from ropa.facts import Facts, derive
from ropa.graph import build_graph
from ropa.input.document import parse_document
from ropa.render import i18n, pdf, xlsx
from ropa.rules import Finding, evaluate

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "softphone-provider.yaml"
ON = dt.date(2026, 11, 22)
PROFILES = ["ico", "cnil", "de"]


def _document() -> m.RegistryDocument:
    document = parse_document(EXAMPLE.read_bytes(), "yaml")
    # a processor record too, so that the processor sheets are in every workbook
    document.processor_records = [
        m.ProcessorRecord(
            key="hosted-pbx-for-nordlicht",
            organisation="sprechwerk",
            controller=m.Contact(name="Nordlicht Versicherung AG", email="dpo@nordlicht.example"),
            processing_categories=["Hosting of the customer's PBX"],
            data_categories=["call_recordings"],
            sub_processors=["helpdesk"],
            transfers=[m.Transfer(destination_country="US", mechanism="scc_2021", scc_module=3)],
            security_measures=["Recordings encrypted per customer"],
        )
    ]
    return document


@pytest.fixture(scope="module")
def document() -> m.RegistryDocument:
    return _document()


@pytest.fixture(scope="module")
def judged(document: m.RegistryDocument) -> tuple[Facts, list[Finding]]:
    facts = derive(build_graph(document, builtin()), ON)
    return facts, evaluate(facts)


def cells(data: bytes) -> Iterator[tuple[str, str]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    for name in book.sheet_names:
        for row in book.get_sheet_by_name(name).to_python():
            for value in row:
                if isinstance(value, str) and value:
                    yield name, value


def pdf_text(data: bytes) -> list[str]:
    with pdfplumber.open(io.BytesIO(data)) as document:
        return [page.extract_text() or "" for page in document.pages]


def keys_of(document: m.RegistryDocument) -> set[str]:
    """Every entity key, less those the keeper's own prose mentions (the record shows that
    prose as written, e.g. "stored in customer-db table consent_log")."""
    found: set[str] = set()
    for name in ("organisations", "parties", "systems", "activities", "flows", "waivers"):
        found |= {entity.key for entity in getattr(document, name)}
    found |= {record.key for record in document.processor_records}
    prose = {text for text in _recorded(document) if " " in text}
    mentioned = {token for text in prose for token in TOKEN.findall(text)}
    return found - mentioned


TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9]")


def leaks(text: str, keys: set[str], rules: set[str]) -> list[str]:
    """Keys and rule ids in a text: a compound key (push-relay) anywhere as a token, a
    one-word key only as a whole line, a rule id anywhere, a finding id (RULE@...)."""
    found = []
    tokens = set(TOKEN.findall(text))
    lines = {line.strip() for line in text.splitlines()}
    for key in keys:
        compound = any(c in key for c in "-_.")
        if (compound and key in tokens) or key in lines:
            found.append(key)
    found += [rule for rule in rules if rule in tokens]
    found += re.findall(r"[A-Z0-9-]{6,}@\w+:", text)
    return found


@pytest.mark.parametrize("profile", PROFILES)
def test_regulator_workbook_holds_no_key_rule_or_finding(
    profile: str, judged: tuple[Facts, list[Finding]], document: m.RegistryDocument
) -> None:
    facts, findings = judged
    assert findings, "the example has findings: the test would prove nothing without"
    rules = {f.rule for f in findings}
    keys = keys_of(document)
    data = xlsx.workbook(facts, findings, profile=profile)  # the default edition
    assert data == xlsx.workbook(facts, findings, profile=profile, edition="regulator")
    checked = 0
    for sheet, text in cells(data):
        assert not leaks(text, keys, rules), (sheet, text[:120])
        checked += 1
    assert checked > 200
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    assert not {"Findings", "Lists"} & set(book.sheet_names) or "Findings" not in book.sheet_names


@pytest.mark.parametrize("profile", PROFILES)
def test_regulator_pdf_holds_no_key_rule_or_finding(
    profile: str, judged: tuple[Facts, list[Finding]], document: m.RegistryDocument
) -> None:
    facts, findings = judged
    rules = {f.rule for f in findings}
    keys = keys_of(document)
    pages = pdf_text(pdf.record_pdf(facts, findings, profile=profile))
    assert len(pages) > 3
    for number, text in enumerate(pages, 1):
        assert not leaks(text, keys, rules), (number, leaks(text, keys, rules))


@pytest.mark.parametrize("profile", PROFILES)
def test_internal_edition_carries_keys_and_findings(
    profile: str, judged: tuple[Facts, list[Finding]]
) -> None:
    facts, findings = judged
    data = xlsx.workbook(facts, findings, profile=profile, edition="internal")
    texts = [text for _, text in cells(data)]
    assert any("push-notifications" in text for text in texts)
    if profile == "ico":
        open_ids = [f.id for f in findings if not f.waived]
        assert any(open_ids[0] == text for text in texts)
    pages = "\n".join(
        pdf_text(pdf.record_pdf(facts, findings, profile=profile, edition="internal"))
    )
    assert "push-notifications" in pages


def test_unknown_edition_is_refused(judged: tuple[Facts, list[Finding]]) -> None:
    facts, findings = judged
    with pytest.raises(xlsx.WorkbookError):
        xlsx.workbook(facts, findings, edition="draft")
    with pytest.raises(xlsx.WorkbookError):
        pdf.record_pdf(facts, findings, edition="draft")


ICO_CONTROLLER = [
    "Business function",
    "Purpose of processing",
    "Name and contact details of joint controller (if applicable)",
    "Categories of individuals",
    "Categories of personal data",
    "Categories of recipients",
    "Link to contract with processor",
    "Names of third countries or international organisations that personal data are "
    "transferred to (if applicable)",
    "Safeguards for exceptional transfers of personal data to third countries or "
    "international organisations (if applicable)",
    "Retention schedule (if possible)",
    "General description of technical and organisational security measures (if possible)",
    "Article 6 lawful basis for processing personal data",
    "Article 9 condition for processing special category data",
    "Legitimate interests for the processing (if applicable)",
    "Link to record of legitimate interests assessment (if applicable)",
    "Rights available to individuals",
    "Existence of automated decision-making, including profiling (if applicable)",
    "The source of the personal data (if applicable)",
    "Link to record of consent",
    "Location of personal data",
    "Data Protection Impact Assessment required?",
    "Data Protection Impact Assessment progress",
    "Link to Data Protection Impact Assessment",
    "Has a personal data breach occurred?",
    "Link to record of personal data breach",
]
ICO_SCHEDULE_1 = [
    "Data Protection Act 2018 Schedule 1 Condition for processing",
    "GDPR Article 6 lawful basis for processing",
    "Link to retention and erasure policy document",
    "Is personal data retained and erased in accordance with the policy document?",
    "Reasons for not adhering to policy document (if applicable)",
]


def _headings_row(data: bytes, sheet: str) -> list[Any]:
    table = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name(sheet).to_python()
    return next(row for row in table if row and row[0] == "Business function")


@pytest.mark.parametrize("edition", xlsx.EDITIONS)
def test_every_ico_heading_first_and_in_order(
    edition: str, judged: tuple[Facts, list[Finding]], document: m.RegistryDocument
) -> None:
    facts, findings = judged
    eu = _headings_row(xlsx.workbook(facts, findings, edition=edition), "Controller record")
    assert eu[: len(ICO_CONTROLLER)] == ICO_CONTROLLER  # the ICO's first, extras after
    assert not set(ICO_SCHEDULE_1) & set(eu)
    uk_document = msgspec.structs.replace(
        document,
        organisations=[
            msgspec.structs.replace(o, regimes=[m.Regime.UK_GDPR]) for o in document.organisations
        ],
    )
    uk_facts = derive(build_graph(uk_document, builtin()), ON)
    uk = _headings_row(
        xlsx.workbook(uk_facts, evaluate(uk_facts), edition=edition), "Controller record"
    )
    assert uk[: len(ICO_CONTROLLER) + 5] == ICO_CONTROLLER + ICO_SCHEDULE_1


def _label_column_text(data: bytes) -> str:
    """The words of the PDF's label column (left of the first value), in reading order."""
    words: list[str] = []
    with pdfplumber.open(io.BytesIO(data)) as document:
        page_words = [page.extract_words() for page in document.pages]
        on_page = next(found for found in page_words if any(w["text"] == "Business" for w in found))
        first = next(w for w in on_page if w["text"] == "Business")
        value = min(  # the first value, on the heading's line, right of the label column
            w["x0"]
            for w in on_page
            if abs(w["top"] - first["top"]) < 2 and w["x0"] > first["x0"] + 120
        )
        for found in page_words:
            words += [w["text"] for w in found if first["x0"] - 1 <= w["x0"] < value - 1]
    return " ".join(words)


@pytest.mark.parametrize("edition", xlsx.EDITIONS)
def test_every_ico_heading_in_order_in_the_pdf(
    edition: str, judged: tuple[Facts, list[Finding]]
) -> None:
    """Each activity of the PDF is a block of the ICO's headings and their values: the
    headings of the first block are the template's, in its order."""
    facts, findings = judged
    labels = _label_column_text(pdf.record_pdf(facts, findings, profile="ico", edition=edition))
    start = labels.index("Business function")
    block = labels[start : labels.index("Business function", start + 1)]
    position = 0
    for heading in ICO_CONTROLLER:
        found = block.find(heading, position)
        assert found >= position, heading
        position = found + len(heading)


MIN_PDF_TEXT = 7.0
"""Points: the smallest text the PDF may hold (the workbook's printed minimum too)."""


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("edition", xlsx.EDITIONS)
def test_every_pdf_page_is_legible_a4_landscape(
    profile: str, edition: str, judged: tuple[Facts, list[Finding]]
) -> None:
    facts, findings = judged
    data = pdf.record_pdf(facts, findings, profile=profile, edition=edition)
    organisation = facts.graph.organisations["sprechwerk"].name
    with pdfplumber.open(io.BytesIO(data)) as document:
        pages = document.pages
        assert len(pages) >= 2
        for number, page in enumerate(pages, 1):
            assert (round(page.width), round(page.height)) == (842, 595), number
            sizes = [char["size"] for char in page.chars if char["text"].strip()]
            assert sizes and min(sizes) >= MIN_PDF_TEXT, (number, min(sizes, default=0))
            text = page.extract_text() or ""
            assert organisation in text.splitlines()[0], number  # the header names it
            assert str(len(pages)) in text.splitlines()[-1], number  # page x of y


def test_processor_sheet_whenever_processor_records_exist(
    judged: tuple[Facts, list[Finding]],
) -> None:
    facts, findings = judged
    assert facts.graph.organisations["sprechwerk"].role == m.OrganisationRole.CONTROLLER
    names = CalamineWorkbook.from_filelike(io.BytesIO(xlsx.workbook(facts, findings))).sheet_names
    assert "Processor record" in names


@pytest.mark.parametrize("profile", PROFILES)
def test_no_empty_cell_in_the_record(profile: str, judged: tuple[Facts, list[Finding]]) -> None:
    """Every column under a heading has a value on every row: "None", "Not applicable" or
    "Not stated" (in the profile's language) where the record holds nothing."""
    facts, findings = judged
    data = xlsx.workbook(facts, findings, profile=profile)
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    spec = xlsx.load_profile(profile)
    for sheet in spec.sheets:
        if sheet.kind != "table" or sheet.name not in book.sheet_names:
            continue
        table = book.get_sheet_by_name(sheet.name).to_python()
        first = sheet.columns[0].heading
        head = next(i for i, row in enumerate(table) if row and row[0] == first)
        width = len([c for c in table[head] if c != ""])
        for row in table[head + 1 :]:
            assert all(value != "" for value in row[:width]), (sheet.name, row[:3])


# --- translations ----------------------------------------------------------------------------


def _triggers() -> list[str]:
    return list(i18n.example_triggers([EXAMPLE]))


@pytest.mark.parametrize("language", ["fr", "de"])
def test_catalogue_translates_every_vocabulary_label(language: str) -> None:
    with i18n.catalogue_path(language).open("rb") as handle:
        catalogue = read_po(handle)
    missing = []
    for context, text in i18n.template(builtin(), _triggers()):
        message = catalogue.get(text, context=context)
        if message is None or not message.string or message.fuzzy:
            missing.append(f"{context}: {text}")
    assert not missing, f"{language}: {len(missing)} untranslated, e.g. {missing[:5]}"


def _english_values(language: str) -> set[str]:
    """English vocabulary values whose translation differs from them."""
    vocab = builtin()
    tr = i18n.translator(language)
    found = {
        text for context, text in i18n.template(vocab, _triggers()) if tr(context, text) != text
    }
    found |= {c.name for code, c in vocab.countries.items() if tr.country(code, c.name) != c.name}
    return {text for text in found if len(text) > 3}


def _recorded(document: m.RegistryDocument) -> set[str]:
    """Pieces of the keeper's own text, shown as recorded in any language."""
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, str):
            found.add(value)
            found.update(_pieces(value))
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)
        elif isinstance(value, msgspec.Struct):
            for name in value.__struct_fields__:
                walk(getattr(value, name))

    walk(document)
    return found


def _pieces(text: str) -> set[str]:
    pieces = set()
    for line in text.splitlines():
        pieces.add(line.strip())
        pieces.update(p.strip() for p in re.split(r" \(|\)|, |: ", line) if p.strip())
    return pieces


@pytest.mark.parametrize("profile", ["cnil", "de"])
def test_no_english_value_in_the_french_and_german_records(
    profile: str, judged: tuple[Facts, list[Finding]], document: m.RegistryDocument
) -> None:
    facts, findings = judged
    english = _english_values(xlsx.load_profile(profile).language)
    assert {"Consent", "United States", "None", "processor"} <= english
    recorded = _recorded(document)
    for edition in xlsx.EDITIONS:
        data = xlsx.workbook(facts, findings, profile=profile, edition=edition)
        for sheet, text in cells(data):
            wrong = (_pieces(text) & english) - recorded
            assert not wrong, (profile, edition, sheet, wrong, text[:100])


# --- the same bytes --------------------------------------------------------------------------


@pytest.mark.parametrize("profile", PROFILES)
def test_same_revision_and_day_same_bytes(
    profile: str, judged: tuple[Facts, list[Finding]], document: m.RegistryDocument
) -> None:
    facts, findings = judged
    again = derive(build_graph(_document(), builtin()), ON)
    for edition in xlsx.EDITIONS:
        first = xlsx.workbook(facts, findings, profile=profile, edition=edition, revision=7)
        second = xlsx.workbook(again, evaluate(again), profile=profile, edition=edition, revision=7)
        assert first == second
        first_pdf = pdf.record_pdf(facts, findings, profile=profile, edition=edition, revision=7)
        second_pdf = pdf.record_pdf(
            again, evaluate(again), profile=profile, edition=edition, revision=7
        )
        assert first_pdf == second_pdf
        assert first_pdf.startswith(b"%PDF-")
