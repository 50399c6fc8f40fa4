"""Spreadsheet import: refusals, text to model, layouts, the fixture sheets and their reports."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook
from python_calamine import CalamineWorkbook

from ropa.domain.vocabulary import builtin
from ropa.render.document import dump_document
from ropa.services.documents import document_problems
from ropa.services.judgement import judge
from ropa.sheets import (
    SheetError,
    SheetTooLarge,
    UnsupportedSheet,
    kind_of,
    parse_layout,
    read_sheet,
)
from ropa.sheets import text as t
from ropa.sheets.reader import MAX_BYTES, read_grids

VOCAB = builtin()
FIXTURES = Path(__file__).parents[1] / "fixtures" / "sheets"


def _xlsx(fill: dict[str, object], title: str = "Sheet") -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    for ref, value in fill.items():
        sheet[ref] = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


def _ods(content: str) -> bytes:
    return _zip(
        {
            "mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
            "META-INF/manifest.xml": b"<manifest/>",
            "content.xml": content.encode(),
        }
    )


ODS_FORMULA = (
    '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"><office:body>'
    '<office:spreadsheet><table:table table:name="Register">'
    "<table:table-row><table:table-cell/><table:table-cell/></table:table-row>"
    '<table:table-row table:number-rows-repeated="2"><table:table-cell/></table:table-row>'
    '<table:table-row><table:table-cell table:number-columns-repeated="2"/>'
    '<table:table-cell table:formula="of:=[.A1]*2"/></table:table-row>'
    "</table:table></office:spreadsheet></office:body></office:document-content>"
)


# --- refusals -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "kind", "error", "words"),
    [
        (b"", "xlsx", SheetError, "empty"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096), "xlsx", SheetError, "encrypted"),
        (b"not a zip at all", "xlsx", SheetError, "not a readable xlsx"),
        (_xlsx({}), "xlsx", SheetError, "no cell"),
        (b"\n\n;;\n", "csv", SheetError, "no cell"),
        (
            _xlsx({"B2": "Purpose", "C3": '=B2&"x"'}, "Register"),
            "xlsx",
            SheetError,
            "sheet 'Register', cell C3: holds a formula",
        ),
        (_ods(ODS_FORMULA), "ods", SheetError, "sheet 'Register', cell C4: holds a formula"),
        (
            _zip(
                {
                    "[Content_Types].xml": b"<Types/>",
                    "xl/workbook.xml": b"<workbook/>",
                    "xl/vbaProject.bin": b"macro",
                }
            ),
            "xlsx",
            SheetError,
            "macro-enabled",
        ),
        (
            _zip(
                {
                    "[Content_Types].xml": b"<Types/>",
                    "xl/workbook.xml": b"<workbook/>",
                    "xl/worksheets/sheet1.xml": bytes(20 * 1024 * 1024),
                }
            ),
            "xlsx",
            SheetTooLarge,
            "zip bomb",
        ),
        (b"x" * (MAX_BYTES + 1), "csv", SheetTooLarge, "at most 52,428,800"),
    ],
    ids=[
        "empty-file",
        "encrypted",
        "not-zip",
        "no-cells",
        "blank-csv",
        "xlsx-formula",
        "ods-formula",
        "macros",
        "zip-bomb",
        "too-large",
    ],
)
def test_refused_files_say_what_and_where(raw: bytes, kind: str, error: type, words: str) -> None:
    with pytest.raises(error) as raised:
        read_grids(raw, kind)  # type: ignore[arg-type]
    assert words in str(raised.value)
    assert 400 <= raised.value.status < 500


def test_kind_from_name_or_media_type() -> None:
    assert kind_of("record.XLSX") == "xlsx"
    assert kind_of("text/csv; charset=utf-8") == "csv"
    assert kind_of("application/vnd.oasis.opendocument.spreadsheet") == "ods"
    with pytest.raises(SheetError, match="macro-enabled"):
        kind_of("record.xlsm")
    with pytest.raises(UnsupportedSheet):
        kind_of("record.pdf")


def test_quote_prefixed_text_is_no_formula() -> None:
    """ropa writes text such as "=cost" with the quote prefix: it reads back as text."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["A1"] = "=cost centre"
    sheet["A1"].data_type = "s"
    sheet["A1"].quotePrefix = True  # type: ignore[attr-defined]
    out = io.BytesIO()
    book.save(out)
    assert read_grids(out.getvalue(), "xlsx")[0].rows == [["=cost centre"]]


def test_csv_in_windows_encoding_with_semicolons() -> None:
    raw = "Activité;Finalité\nPaie;Établir la paie\n".encode("cp1252")
    assert read_grids(raw, "csv")[0].rows == [["Activité", "Finalité"], ["Paie", "Établir la paie"]]


# --- text to model --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "basis"),
    [
        ("Consent", "consent"),
        ("Consent (opt-in tick box)", "consent"),
        ("consentement", "consent"),
        ("Einwilligung", "consent"),
        ("Performance of contract", "contract"),
        ("Exécution du contrat", "contract"),
        ("Art. 6 Abs. 1 lit. b DSGVO", "contract"),
        ("Legal obligation - HMRC reporting", "legal_obligation"),
        ("Obligation légale (Code du travail)", "legal_obligation"),
        ("Legitimate interests (Art 6(1)(f))", "legitimate_interests"),
        ("Intérêt légitime", "legitimate_interests"),
        ("berechtigtes Interesse", "legitimate_interests"),
        ("Public task", "public_task"),
        ("Vital interests", "vital_interests"),
    ],
)
def test_lawful_basis_phrases(text: str, basis: str) -> None:
    found = t.lawful_basis(text, VOCAB)
    assert found is not None and found.value == basis


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("USA", "US"),
        ("United States", "US"),
        ("Etats-Unis", "US"),
        ("Vereinigte Staaten", "US"),
        ("UK", "GB"),
        ("Royaume-Uni", "GB"),
        ("Inde", "IN"),
        ("germany", "DE"),
        ("CH", "CH"),
    ],
)
def test_country_names_and_codes(text: str, code: str) -> None:
    found = t.country(text, VOCAB)
    assert found is not None and found.value == code


def test_no_country_in_other_words() -> None:
    assert t.country("our own servers", VOCAB) is None


@pytest.mark.parametrize(
    ("text", "mechanism"),
    [
        ("SCCs", "scc_2021"),
        ("Standard Contractual Clauses", "scc_2021"),
        ("Clauses contractuelles types", "scc_2021"),
        ("Privacy Shield", "privacy_shield"),
        ("EU-US Data Privacy Framework", "eu_us_dpf"),
        ("Binding corporate rules", "bcr"),
        (
            "Standard contractual clauses (Decision 2021/914), Module 2 (controller to processor)",
            "scc_2021",
        ),
    ],
)
def test_transfer_mechanisms(text: str, mechanism: str) -> None:
    found = t.mechanism(text, VOCAB)
    assert found is not None and found.value == mechanism


@pytest.mark.parametrize(
    ("text", "period", "trigger", "rest"),
    [
        ("6 years after the end of the contract", "P6Y", "end of the contract", ""),
        ("30 days", "P30D", "", ""),
        ("six months from collection", "P6M", "collection", ""),
        ("5 ans à compter de la fin du contrat de travail", "P5Y", "fin du contrat de travail", ""),
        ("12 Monate nach Vertragsende", "P12M", "Vertragsende", ""),
        (
            "6 years (P6Y) from end of contract. Then deleted.",
            "P6Y",
            "end of contract",
            "Then deleted.",
        ),
        ("1 hour (PT1H) from request received", "PT1H", "request received", ""),
    ],
)
def test_retention_phrases(text: str, period: str, trigger: str, rest: str) -> None:
    found = t.retention(text)
    assert found is not None
    assert (found.period, found.trigger, found.rest) == (period, trigger, rest)


@pytest.mark.parametrize("text", ["As long as necessary", "Until no longer needed", ""])
def test_retention_without_a_period_is_none(text: str) -> None:
    assert t.retention(text) is None


# --- the fixture sheets ---------------------------------------------------------------------


def _non_empty_cells(path: Path) -> int:
    if path.suffix == ".csv":
        with path.open(encoding="utf-8", newline="") as handle:
            return sum(1 for row in csv.reader(handle) for cell in row if cell.strip())
    book = CalamineWorkbook.from_path(str(path))
    return sum(
        1
        for name in book.sheet_names
        for row in book.get_sheet_by_name(name).to_python()
        for cell in row
        if str(cell).strip()
    )


@pytest.mark.parametrize("name", ["ico-messy.xlsx", "cnil-registre.ods", "itnet-seed.csv"])
def test_the_report_accounts_for_every_non_empty_cell(name: str) -> None:
    path = FIXTURES / name
    found = read_sheet(path.read_bytes(), kind_of(name), VOCAB)
    report = found.report
    assert report.cells == _non_empty_cells(path)
    assert sum(report.outcomes.values()) == report.cells
    reported = sum(
        report.outcomes.get(k, 0) for k in ("low_confidence", "kept_in_notes", "not_mapped")
    )
    assert len(report.notes) == reported
    for note in report.notes:
        assert note.sheet and note.cell and note.text.strip() and note.action


def _by_name(document):  # type: ignore[no-untyped-def]
    return {a.name: a for a in document.activities}


def test_hand_filled_ico_sheet() -> None:
    found = read_sheet(
        (FIXTURES / "ico-messy.xlsx").read_bytes(),
        "xlsx",
        VOCAB,
        organisation_name="Acme Widgets Ltd",
    )
    document = found.document
    assert document_problems(document, VOCAB) == []
    assert document.organisations[0].name == "Acme Widgets Ltd"
    activities = _by_name(document)
    # Several activities on one sheet, under notes and a merged group heading, past blank rows.
    assert sorted(activities) == [
        "CCTV at the warehouse for crime prevention",
        "Email newsletter to customers and prospects",
        "Online orders and payments",
        "Payroll and pension administration",
    ]
    payroll = activities["Payroll and pension administration"]
    assert [b.basis for b in payroll.lawful_bases] == ["legal_obligation", "contract"]
    assert payroll.art9_condition == "employment_social_security"
    assert payroll.data_subjects == ["employees", "former-employees"]
    assert "bank_details" in payroll.data_categories
    assert [(r.period, r.trigger) for r in payroll.retention] == [("P6Y", "employment ends")]
    assert payroll.security_measures == ["role-based access", "encrypted laptops"]
    parties = {p.key: p for p in document.parties}
    assert [parties[k].name for k in payroll.recipients or []] == [
        "HMRC",
        "Pension provider (Aviva)",
        "ADP payroll bureau",
    ]
    assert parties[payroll.recipients[2]].role == "processor"  # type: ignore[index]
    assert "Priority: High" in payroll.notes  # a column of no known heading, kept
    transfers = {
        (f.activity, f.transfer.destination_country, f.transfer.mechanism)
        for f in document.flows
        if f.transfer is not None
    }
    assert transfers == {
        ("email-newsletter-to-customers-and-prospects", "US", "scc_2021"),
        ("online-orders-and-payments", "US", "privacy_shield"),
    }
    assert "Record of Processing (DRAFT" in document.organisations[0].notes
    notes = {note.cell: note for note in found.report.notes}
    assert notes["P11"].outcome == "not_mapped"  # a note with no activity in its row
    assert notes["O5"].text == "Priority"


def test_french_cnil_register() -> None:
    document = read_sheet((FIXTURES / "cnil-registre.ods").read_bytes(), "ods", VOCAB).document
    assert document_problems(document, VOCAB) == []
    org = document.organisations[0]
    assert org.name == "Boulangerie Dupont SARL"
    assert org.dpo is not None and org.dpo.email == "dpo@dupont.example"
    activities = _by_name(document)
    paie = activities["Gestion de la paie"]
    assert [b.basis for b in paie.lawful_bases] == ["legal_obligation"]
    assert paie.created_on == dt.date(2019, 3, 12) and paie.last_reviewed == dt.date(2024, 2, 1)
    assert [(r.period, r.trigger) for r in paie.retention] == [("P5Y", "fin du contrat de travail")]
    assert paie.data_subjects == ["employees"]
    assert [b.basis for b in activities["Vidéosurveillance"].lawful_bases] == [
        "legitimate_interests"
    ]
    assert [b.basis for b in activities["Fichier clients - fidélité"].lawful_bases] == ["consent"]
    parties = {p.name: p for p in document.parties}
    assert parties["SecurCam"].role == "processor"
    assert parties["Stripe"].country == "US"
    mechanisms = {f.transfer.mechanism for f in document.flows if f.transfer is not None}
    assert mechanisms == {"scc_2021", "eu_us_dpf"}


def test_sheet_drawn_from_the_itnet_policy_has_the_findings_its_text_implies() -> None:
    document = read_sheet(
        (FIXTURES / "itnet-seed.csv").read_bytes(),
        "csv",
        VOCAB,
        organisation="itnet",
        organisation_name="iTNet Solutions",
    ).document
    assert document_problems(document, VOCAB) == []
    found = {f.id for f in judge(document, VOCAB, dt.date(2026, 6, 1)).findings}
    activities = {a.key for a in document.activities}
    assert len(activities) == 7
    # The policy names no lawful basis anywhere (L24-L29 list rights only) and no review date.
    for key in activities:
        assert f"LAWFUL-BASIS-MISSING@activity:{key}" in found
        assert f"RECORD-STALE@activity:{key}" in found
    # No disclosure section: recipients are not stated, except where the sheet names FCM or
    # says "None" (contacts stay on the device).
    for key in activities - {"push-notifications", "local-contacts"}:
        assert f"ART30-1D-RECIPIENTS-MISSING@activity:{key}" in found
    assert "ART30-1D-RECIPIENTS-MISSING@activity:local-contacts" not in found
    # FCM is named as a technology only: its role is not stated.
    assert "PARTY-ROLE-UNDETERMINED@party:google-llc-firebase-cloud-messaging" in found
    # "iTNet Solutions" has no legal form: which entity is the controller?
    assert "ART30-1A-CONTROLLER-IDENTITY@organisation:itnet/name" in found
    # Call recordings are communications content: a DPIA is to be considered.
    assert "DPIA-CONSIDER@activity:call-recording" in found
    # Account data is deleted 30 days after termination (L23): that is a retention period.
    provisioning = _by_name(document)["Enterprise account provisioning"]
    assert [(r.period, r.trigger) for r in provisioning.retention] == [
        ("P30D", "account termination")
    ]
    assert not any(f.startswith("RETENTION-MISSING@activity:enterprise-account") for f in found)


def test_a_mapping_file_reads_any_other_sheet() -> None:
    raw = _xlsx(
        {
            "A1": "Traitement interne",
            "B1": "Pourquoi",
            "C1": "Qui est concerné",
            "A2": "Badges",
            "B2": "Contrôle d'accès",
            "C2": "Salariés",
        }
    )
    without = read_sheet(raw, "xlsx", VOCAB)
    assert without.document.activities == []
    assert without.report.outcomes == {"not_mapped": 6}
    mapping = parse_layout(
        "name: badges\ntables:\n- rows: activities\n  columns:\n"
        "    name: [Traitement interne]\n    purposes: [Pourquoi]\n"
        "    data_subjects: [Qui est concerné]\n"
    )
    found = read_sheet(raw, "xlsx", VOCAB, mapping=mapping, organisation="acme")
    [activity] = found.document.activities
    assert (activity.name, activity.purposes, activity.data_subjects) == (
        "Badges",
        ["Contrôle d'accès"],
        ["employees"],
    )
    assert activity.organisation == "acme"


def test_a_bad_mapping_file_names_the_field() -> None:
    with pytest.raises(SheetError, match="rows of activities have no field colour"):
        parse_layout("name: x\ntables:\n- rows: activities\n  columns:\n    colour: [Colour]\n")


def test_same_sheet_same_document() -> None:
    raw = (FIXTURES / "ico-messy.xlsx").read_bytes()
    first = dump_document(read_sheet(raw, "xlsx", VOCAB).document, "yaml")
    assert dump_document(read_sheet(raw, "xlsx", VOCAB).document, "yaml") == first
