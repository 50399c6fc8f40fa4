"""Translations of the record's vocabulary: gettext catalogues read with Babel, CLDR country names.

The labels a record shows from ropa's own vocabularies (lawful bases, Art 9 conditions, transfer
mechanisms, data and data-subject categories, party roles, statuses, retention triggers and the
few words extractors add) are English in ``schema/vocabulary``. A profile in another language
shows them through a catalogue per language, ``exports/locale/<language>/LC_MESSAGES/record.po``:
plain gettext files a translator edits with any PO editor (Poedit, Weblate, a text editor), one
``msgctxt`` per vocabulary so that one English word may be translated differently in two of them.
Babel reads them at run time, so a corrected catalogue needs no build step. Country names come
from the Unicode CLDR data Babel ships, so the 249 countries need no translator.

``template(vocab)`` lists every message a catalogue must hold; the tests fail when a catalogue
lacks one, so a missing translation is found by a test, not by a regulator.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from ropa.domain import model as m
from ropa.domain.vocabulary import Vocabularies

__all__ = [
    "DOMAIN",
    "FIXED",
    "Translator",
    "catalogue_path",
    "locale_dir",
    "template",
    "translator",
]

DOMAIN = "record"

ROLE_LABELS: dict[str, str] = {
    m.PartyRole.PROCESSOR: "processor",
    m.PartyRole.SUB_PROCESSOR: "sub-processor",
    m.PartyRole.INDEPENDENT_CONTROLLER: "independent controller",
    m.PartyRole.JOINT_CONTROLLER: "joint controller",
    m.PartyRole.AUTHORITY: "public authority",
}
SCC_MODULES: dict[int, str] = {
    1: "Module 1 (controller to controller)",
    2: "Module 2 (controller to processor)",
    3: "Module 3 (processor to processor)",
    4: "Module 4 (processor to controller)",
}
WORDS: dict[str, str] = {
    "yes": "Yes",
    "no": "No",
    "none": "None",
    "not_recorded": "Not stated",
    "not_stated": "Not stated",
    "not_applicable": "Not applicable",
    "all_categories": "All data of the activity",
    "indefinite": "Indefinite",
    "from": "from",
    "year": "year",
    "years": "years",
    "month": "month",
    "months": "months",
    "week": "week",
    "weeks": "weeks",
    "day": "day",
    "days": "days",
    "hour": "hour",
    "hours": "hours",
    "minute": "minute",
    "minutes": "minutes",
    "second": "second",
    "seconds": "seconds",
    "operated_by": "operated by",
    "own_system": "own system",
    "certified": "certified",
    "not_certified": "not certified",
    "art22_effect": "Legal or similarly significant effect (Art 22)",
    "art22_ground": "Art 22(2) ground",
    "withdrawal": "Withdrawal",
    "page_of": "Page &P of &N",
    "policy_document": "Policy document",
    "breach_none": "No personal data breach recorded",
    "recorded_on": "as at",
    "not_valid_from": "not valid from",
    "edition_regulator": "Edition for the supervisory authority",
    "edition_internal": "Internal edition (findings, waivers and keys)",
}
"""The words extractors and the writer add of their own, by key."""


_DURATION = re.compile(
    r"P(?:(?P<year>\d+)Y)?(?:(?P<month>\d+)M)?(?:(?P<week>\d+)W)?(?:(?P<day>\d+)D)?"
    r"(?:T(?:(?P<hour>\d+)H)?(?:(?P<minute>\d+)M)?(?:(?P<second>\d+)S)?)?"
)


def _enum_label(value: str) -> str:
    return value.replace("_", " ")


FIXED: dict[str, list[str]] = {
    "word": list(dict.fromkeys(WORDS.values())),
    "party_role": list(ROLE_LABELS.values()),
    "scc_module": list(SCC_MODULES.values()),
    "activity_status": [_enum_label(v) for v in m.ActivityStatus],
    "dpia_status": [_enum_label(v) for v in m.DpiaStatus],
    "frequency": [_enum_label(v) for v in m.TransferFrequency],
    "organisation_role": [_enum_label(v) for v in m.OrganisationRole],
    "art22_ground": [_enum_label(v) for v in m.Art22Ground],
}
"""Messages from ropa's own code, by catalogue context."""


def locale_dir() -> Path:
    """``exports/locale`` of the source tree (or ROPA_LOCALE_DIR)."""
    override = os.environ.get("ROPA_LOCALE_DIR")
    if override:
        return Path(override)
    package = Path(__file__).resolve().parents[1]
    for candidate in (package.parent / "exports" / "locale", package / "_data" / "locale"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("exports/locale folder not found; set ROPA_LOCALE_DIR")


def catalogue_path(language: str) -> Path:
    return locale_dir() / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def template(vocab: Vocabularies, triggers: Iterable[str] = ()) -> list[tuple[str, str]]:
    """Every (context, English text) a catalogue must translate: the built-in vocabularies'
    labels, ropa's fixed words, and the retention ``triggers`` given (those of the examples)."""
    found: dict[tuple[str, str], None] = {}
    for entry in vocab.lawful_bases.values():
        found["lawful_basis", entry.title] = None
    for condition in vocab.art9_conditions.values():
        found["art9_condition", condition.title] = None
    for mechanism in vocab.transfer_mechanisms.values():
        found["transfer_mechanism", mechanism.title] = None
    for category in vocab.data_categories.values():
        found["data_category", category.label] = None
    for subject in vocab.data_subject_categories.values():
        found["data_subject", subject.label] = None
    for context, texts in FIXED.items():
        for text in texts:
            found[context, text] = None
    for trigger in triggers:
        found["trigger", trigger] = None
    return list(found)


_ARTICLE = re.compile(r"^(\d+)((?:\(\w+\))*)(.*)$")


@dataclass
class Translator:
    """Translations for one language; English (or a language without a catalogue) is identity."""

    language: str
    catalogue: Catalog | None = None
    missing: set[tuple[str, str]] = field(default_factory=set)
    _countries: dict[str, str] = field(default_factory=dict)
    _found: dict[tuple[str, str], str] = field(default_factory=dict)
    """Each label looked up, translated: a workbook asks for the same few thousands of times."""

    def __call__(self, context: str, text: str) -> str:
        if not text or self.catalogue is None:
            return text
        key = (context, text)
        found = self._found.get(key)
        if found is None:
            found = self._found[key] = self._look_up(context, text)
        return found

    def _look_up(self, context: str, text: str) -> str:
        assert self.catalogue is not None
        message = self.catalogue.get(text, context=context)
        if message is None or not message.string or message.fuzzy:
            self.missing.add((context, text))
            return text
        string = message.string
        return string if isinstance(string, str) else string[0]

    def word(self, key: str) -> str:
        return self("word", WORDS.get(key, key))

    def duration(self, period: str) -> str:
        """An ISO 8601 duration in words (``P6M``: "6 months", "6 Monate"); other text as is."""
        found = _DURATION.fullmatch(period)
        if not found:
            return period
        parts = []
        for unit, amount in found.groupdict().items():
            if amount is not None:
                n = int(amount)
                parts.append(f"{n} {self.word(unit if n == 1 else unit + 's')}")
        return " ".join(parts) or period

    def country(self, code: str, english: str) -> str:
        """The country's name in this language from CLDR, else the vocabulary's English name."""
        if self.catalogue is None:
            return english
        if not self._countries:
            self._countries.update(Locale.parse(self.language).territories)
        return self._countries.get(code, english)

    def article(self, reference: str) -> str:
        """A GDPR article reference as this language cites it: ``6(1)(a)`` is "Art 6(1)(a)",
        "art. 6.1.a" in French, "Art. 6 Abs. 1 lit. a" in German."""
        found = _ARTICLE.match(reference.strip())
        if found is None or self.language == "en":
            return f"Art {reference}"
        number, parts, rest = found.groups()
        pieces = re.findall(r"\((\w+)\)", parts)
        if self.language == "fr":
            return "art. " + ".".join([number, *pieces]) + rest
        if self.language == "de":
            text = f"Art. {number}"
            for piece in pieces:
                text += f" Abs. {piece}" if piece.isdigit() else f" lit. {piece}"
            return text + rest
        return f"Art {reference}"


@functools.lru_cache(maxsize=8)
def _catalogue(path: str, mtime_ns: int) -> Catalog:
    with Path(path).open("rb") as handle:
        return read_po(handle, domain=DOMAIN)


def translator(language: str) -> Translator:
    """The translator for a profile's language (a fresh one, so that ``missing`` is its own)."""
    if language == "en":
        return Translator("en")
    try:
        path = catalogue_path(language)
    except FileNotFoundError:
        return Translator(language)
    if not path.is_file():  # a profile in a language without a catalogue: English labels
        return Translator(language)
    return Translator(language, _catalogue(str(path), path.stat().st_mtime_ns))


def example_triggers(paths: Iterable[Path]) -> Iterator[str]:
    """Retention triggers recorded in registry documents (the examples a catalogue covers)."""
    from ropa.input.document import parse_document

    for path in paths:
        document = parse_document(path.read_bytes(), "json" if path.suffix == ".json" else "yaml")
        for activity in document.activities:
            for rule in activity.retention:
                if rule.trigger:
                    yield rule.trigger
