"""The privacy notice written from the registry: three languages, three formats, every
statement traced to its registry entry, every open finding marked, accessible HTML."""

from __future__ import annotations

import datetime as dt
import itertools
from html.parser import HTMLParser
from pathlib import Path

import pdfplumber
import pytest
from babel.messages.pofile import read_po

from ropa.domain.vocabulary import builtin
from ropa.input.document import parse_document
from ropa.notice import build, render, words
from ropa.notice.model import Notice
from ropa.services.judgement import Judged, judge

ON = dt.date(2026, 11, 22)
ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "softphone-provider.yaml"


@pytest.fixture(scope="module")
def example() -> Judged:
    return judge(parse_document(EXAMPLE.read_bytes(), "yaml"), builtin(), ON)


def _notice(judged: Judged, language: str = "en") -> Notice:
    return build.build_notice(judged.facts, judged.findings, "sprechwerk", language)


class _Structure(HTMLParser):
    """What an accessibility check looks at: language, title, landmarks, headings, references."""

    def __init__(self) -> None:
        super().__init__()
        self.lang = ""
        self.title = ""
        self.headings: list[tuple[int, str]] = []
        self.ids: set[str] = set()
        self.labelled_by: list[str] = []
        self.main = 0
        self.refs: list[str] = []
        self.findings: list[str] = []
        self._in: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "html":
            self.lang = found.get("lang") or ""
        if tag == "main":
            self.main += 1
        if found.get("id"):
            self.ids.add(found["id"] or "")
        if found.get("aria-labelledby"):
            self.labelled_by.append(found["aria-labelledby"] or "")
        if "data-ref" in found:
            self.refs.append(found["data-ref"] or "")
        if "data-finding" in found:
            self.findings.append(found["data-finding"] or "")
        if tag in ("title", "h1", "h2", "h3", "h4", "h5", "h6"):
            self._in, self._text = tag, []

    def handle_data(self, data: str) -> None:
        if self._in:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in:
            text = "".join(self._text).strip()
            if tag == "title":
                self.title = text
            else:
                self.headings.append((int(tag[1]), text))
            self._in = None


@pytest.mark.parametrize("language", words.LANGUAGES)
def test_html_passes_the_accessibility_checks(example: Judged, language: str) -> None:
    page = _Structure()
    page.feed(render.html(_notice(example, language)))
    assert page.lang == language
    assert page.title and page.main == 1
    levels = [level for level, _ in page.headings]
    assert levels.count(1) == 1 and levels[0] == 1
    assert all(b <= a + 1 for a, b in itertools.pairwise(levels)), levels
    assert all(text for _, text in page.headings)
    assert set(page.labelled_by) <= page.ids
    assert all(page.refs)


def test_every_statement_names_its_registry_entry(example: Judged) -> None:
    notice = _notice(example)
    refs = {s.ref for s in notice.statements()}
    assert {
        "organisation:sprechwerk#dpo",
        "activity:payments-subscriptions#basis/legitimate_interests",
        "party:google-fcm",
        "flow:push-to-fcm",
        "activity:push-notifications#retention/phone_number",
        "activity:smart-contacts#sources",
        "organisation:sprechwerk#rights/complaint",
    } <= refs
    graph = example.graph
    for ref in refs:
        kind, _, key = ref.partition("#")[0].partition(":")
        assert key in getattr(
            graph,
            {
                "organisation": "organisations",
                "activity": "activities",
                "party": "parties",
                "flow": "flows",
            }[kind],
        ), ref
    page = _Structure()
    page.feed(render.html(notice))
    assert set(page.refs) >= refs - {notice.intro.ref}
    markdown = render.markdown(notice)
    assert "[^1]: `organisation:sprechwerk`" in markdown
    assert "`activity:push-notifications#retention/phone_number`" in markdown


def test_every_open_finding_is_marked_never_papered_over(example: Judged) -> None:
    notice = _notice(example)
    open_ids = {f.id for f in example.findings if f.organisation == "sprechwerk" and not f.waived}
    marked = {gap.finding for s in notice.statements() for gap in s.gaps}
    assert marked == open_ids
    by_finding = {gap.finding: s.ref for s in notice.statements() for gap in s.gaps}
    # each gap sits at the statement it leaves incomplete
    assert by_finding["TRANSFER-MISSING-MECHANISM@flow:analytics-ios"] == "flow:analytics-ios"
    assert by_finding["RETENTION-VAGUE@activity:support-debug-logs/all"] == (
        "activity:support-debug-logs#retention/all"
    )
    assert by_finding["LI-WITHOUT-LIA@activity:smart-contacts"] == (
        "activity:smart-contacts#basis/legitimate_interests"
    )
    assert by_finding["PROCESSOR-WITHOUT-DPA@party:apple-apns"] == "party:apple-apns"
    html = render.html(notice)
    assert 'data-finding="TRANSFER-MISSING-MECHANISM@flow:analytics-ios"' in html
    assert "no safeguard is recorded for this transfer" in html


def test_a_registry_with_gaps_still_gives_a_notice_saying_so() -> None:
    seed = ROOT / "tests" / "fixtures" / "seeds" / "innovat.yaml"
    judged = judge(parse_document(seed.read_bytes(), "yaml"), builtin(), ON)
    notice = build.build_notice(judged.facts, judged.findings, "innovat", "en")
    markdown = render.markdown(notice)
    assert "The legal basis for this purpose is not recorded." in markdown
    assert "Google LLC (Firebase Cloud Messaging) (United States): no safeguard" in markdown
    assert markdown.count("Gap in the record") == len(
        [f for f in judged.findings if f.organisation == "innovat" and not f.waived]
    )


@pytest.mark.parametrize("language", ["de", "fr"])
def test_sentences_come_from_the_catalogue(example: Judged, language: str) -> None:
    path = words.catalogue_path(language)
    with path.open("rb") as handle:
        catalogue = read_po(handle, domain=words.DOMAIN)
    for key, english in words.template():
        message = catalogue.get(english, context=key)
        assert message is not None and message.string and not message.fuzzy, (language, key)
        assert words.fields_of(str(message.string)) == words.fields_of(english), key
    markdown = render.markdown(_notice(example, language))
    say = words.sentences(language)
    assert say("h_rights") in markdown and say("right_complaint") in markdown
    assert "Privacy notice" not in markdown
    label = {"de": "Telefonnummer", "fr": "Numéro de téléphone"}[language]
    assert label in markdown  # vocabulary labels from the record's catalogue
    marked = [f for f in example.findings if f.organisation == "sprechwerk" and not f.waived]
    assert marked
    for finding in marked:  # each gap marked under its title in the notice's language
        assert say("gap", title=say.finding(finding.title)) in markdown
        assert finding.title not in markdown, finding.rule


def test_the_pot_template_lists_every_sentence() -> None:
    from ropa.render.i18n import locale_dir

    with (locale_dir() / "notice.pot").open("rb") as handle:
        template = read_po(handle)
    assert {(m.context, m.id) for m in template if m.id} == set(words.template())


@pytest.mark.parametrize("fmt", sorted(render.FORMATS))
def test_same_registry_same_bytes(example: Judged, fmt: str) -> None:
    again = judge(parse_document(EXAMPLE.read_bytes(), "yaml"), builtin(), ON)
    assert render.render(_notice(example, "fr"), fmt) == render.render(_notice(again, "fr"), fmt)


def test_pdf_holds_the_notice(example: Judged, tmp_path: Path) -> None:
    path = tmp_path / "notice.pdf"
    path.write_bytes(render.pdf(_notice(example, "de")))
    with pdfplumber.open(path) as pdf:
        text = "\n".join(page.extract_text() or "" for page in pdf.pages)
        pages = len(pdf.pages)
        assert pdf.metadata["Title"] == "Datenschutzhinweise der Sprechwerk Telefonie GmbH"
        assert pdf.metadata["Subject"] == "Privacy notice (Articles 13 and 14 GDPR)"
    assert "dpo@sprechwerk.example" in text
    assert "Lücke im Verzeichnis" in text
    assert f"Seite 1 von {pages}" in text and f"Seite {pages} von {pages}" in text


def test_unknown_language_format_or_organisation_are_refused(example: Judged) -> None:
    with pytest.raises(words.UnknownLanguage):
        build.build_notice(example.facts, example.findings, "sprechwerk", "es")
    with pytest.raises(render.UnknownFormat):
        render.render(_notice(example), "docx")
    with pytest.raises(build.UnknownOrganisation):
        build.build_notice(example.facts, example.findings, "nobody", "en")


@pytest.mark.parametrize(
    ("language", "period", "said"),
    [
        ("en", "P1Y6M", "1 year 6 months"),
        ("de", "P6M", "6 Monate"),
        ("fr", "PT1M", "1 minute"),
        ("en", "P1DT2H", "1 day 2 hours"),
        ("de", "six months", "six months"),  # not a duration: kept as written
        ("en", "P", "P"),
    ],
)
def test_periods_read_in_words_of_the_language(language: str, period: str, said: str) -> None:
    from ropa.render.i18n import translator

    assert translator(language).duration(period) == said
