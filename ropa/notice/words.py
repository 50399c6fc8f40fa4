"""The notice's sentences in each language, and the words its checker matches.

Sentences are templates with named fields (``{name}``), English here and translated in gettext
catalogues read with Babel: ``exports/locale/<language>/LC_MESSAGES/notice.po``, one ``msgctxt`` per
sentence key, edited with any PO editor beside the record's ``record.po``. Vocabulary labels
(lawful bases, data categories, roles, mechanisms) come from the record's catalogue
(``ropa.render.i18n``), country names from CLDR. ``template()`` lists what a catalogue must hold;
a test fails when one lacks a sentence.

The checker's synonyms, number words and period units per language are data too:
``ropa/notice/data/terms.yaml``; what it reports is ``ropa/notice/data/checks.yaml``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
import yaml
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from ropa.render import i18n
from ropa.rules.engine import RuleMeta
from ropa.rules.engine import catalogue as rule_catalogue

LANGUAGES = ("en", "de", "fr")
DOMAIN = "notice"
DATA = Path(__file__).resolve().parent / "data"

SENTENCES: dict[str, str] = {
    "title": "Privacy notice of {organisation}",
    "intro": "This notice explains how {organisation} processes your personal data "
    "(Articles 13 and 14 GDPR). It is drawn from the record of processing activities as at {day}.",
    "h_controller": "Who is responsible for your data",
    "controller": "The controller is {name}.",
    "controller_contact": "Contact: {contact}.",
    "representative": "Our representative ({regime}) is {name}: {contact}.",
    "representative_missing": "We have no representative recorded ({regime}).",
    "dpo": "You can reach our data protection officer, {name}, at {contact}.",
    "dpo_missing": "No data protection officer is recorded.",
    "h_purposes": "Why we process your data, and on what legal basis",
    "purposes": "Purposes: {purposes}",
    "categories": "Personal data: {categories}.",
    "subjects": "Whose data: {subjects}.",
    "basis": "Legal basis: {basis} ({article}).",
    "basis_law": "Legal basis: {basis} ({article}), under {law}.",
    "basis_interest": "Legal basis: {basis} ({article}); our legitimate interest: {interest}",
    "basis_consent": "Legal basis: {basis} ({article}). You can withdraw your consent at any "
    "time: {how}.",
    "basis_missing": "The legal basis for this purpose is not recorded.",
    "special": "Special categories of personal data: {condition} ({article}).",
    "h_recipients": "Who receives your data",
    "recipient": "{name} ({details}) receives personal data for: {activities}.",
    "recipient_category": "{label} ({details}) receive personal data for: {activities}.",
    "recipients_none": "Nobody outside {organisation} receives your personal data.",
    "h_transfers": "Transfers outside the European Economic Area",
    "transfer": "{importer} ({country}): {mechanism} ({article}).",
    "transfer_missing": "{importer} ({country}): no safeguard is recorded for this transfer.",
    "transfer_copy": "You can obtain a copy of the safeguards under Article 46 or 47 from "
    "{contact}.",
    "transfers_none": "Your personal data is not transferred outside the European Economic Area.",
    "h_retention": "How long we keep your data",
    "retention_period": "{category}: {period}, counted from {trigger}.",
    "retention_period_plain": "{category}: {period}.",
    "retention_criteria": "{category}: {criteria}",
    "retention_missing": "No retention period is recorded for this purpose.",
    "all_data": "All data of this purpose",
    "h_sources": "Where your data comes from",
    "sources": "{activity}: {sources}.",
    "h_automated": "Automated decisions",
    "automated": "{activity}: {description}",
    "automated_none": "We make no decisions based solely on automated processing, including "
    "profiling, that have legal or similarly significant effects on you.",
    "h_rights": "Your rights",
    "right_access": "You have the right of access to your personal data (Art 15).",
    "right_rectification": "You have the right to rectification of inaccurate data (Art 16).",
    "right_erasure": "You have the right to erasure of your data (Art 17).",
    "right_restriction": "You have the right to restriction of processing (Art 18).",
    "right_portability": "You have the right to data portability for data you gave us on the "
    "basis of consent or a contract (Art 20).",
    "right_objection": "You have the right to object to processing based on legitimate "
    "interests or a task in the public interest (Art 21).",
    "right_withdraw_consent": "You can withdraw your consent at any time; this does not affect "
    "the processing before the withdrawal (Art 7(3)).",
    "right_complaint": "You have the right to lodge a complaint with a supervisory authority, in "
    "particular in the Member State of your habitual residence, place of work or of the alleged "
    "infringement (Art 77).",
    "rights_contact": "To exercise your rights, contact {contact}.",
    "h_gaps": "Other gaps in the record",
    "gap": "Gap in the record: {title}",
    "h_references": "References to the record",
}
"""Every sentence of the notice, by key, in English."""

RIGHTS = (
    "access",
    "rectification",
    "erasure",
    "restriction",
    "portability",
    "objection",
    "withdraw_consent",
    "complaint",
)


def catalogue_path(language: str) -> Path:
    return i18n.locale_dir() / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def finding_titles() -> list[str]:
    """The titles of the registry's findings, which mark the notice's gaps."""
    return sorted({meta.title for meta in rule_catalogue().values()})


def template() -> list[tuple[str, str]]:
    """Every (context, English text) a notice catalogue must translate: the sentences, and
    the findings' titles (context ``finding``)."""
    return [*SENTENCES.items(), *(("finding", title) for title in finding_titles())]


@functools.lru_cache(maxsize=8)
def _catalogue(path: str, mtime_ns: int) -> Catalog:
    with Path(path).open("rb") as handle:
        return read_po(handle, domain=DOMAIN)


class UnknownLanguage(ValueError):
    """A notice language without a catalogue."""


@dataclass
class Sentences:
    """The notice's sentences in one language, with the record's vocabulary translator."""

    language: str
    catalogue: Catalog | None
    vocabulary: i18n.Translator

    def __call__(self, key: str, **fields: str) -> str:
        text = self._translated(key, SENTENCES[key])
        return text.format(**fields) if fields else text

    def finding(self, title: str) -> str:
        """A finding's title in the notice's language (English where none is translated)."""
        return self._translated("finding", title)

    def _translated(self, context: str, english: str) -> str:
        if self.catalogue is not None:
            message = self.catalogue.get(english, context=context)
            if message is not None and message.string and not message.fuzzy:
                found = message.string
                return found if isinstance(found, str) else found[0]
        return english


def sentences(language: str) -> Sentences:
    if language not in LANGUAGES:
        raise UnknownLanguage(
            f"unknown language {language!r}; expected one of {', '.join(LANGUAGES)}"
        )
    vocabulary = i18n.translator(language)
    if language == "en":
        return Sentences(language, None, vocabulary)
    path = catalogue_path(language)
    return Sentences(language, _catalogue(str(path), path.stat().st_mtime_ns), vocabulary)


# --- the checker's words ----------------------------------------------------------------------

ByLanguage = dict[str, list[str]]


class Denial(msgspec.Struct, frozen=True):
    phrase: str
    scope: str = "anyone"


class Terms(msgspec.Struct, frozen=True, kw_only=True):
    lawful_bases: dict[str, ByLanguage]
    mechanism_families: dict[str, ByLanguage]
    mechanisms: dict[str, ByLanguage]
    countries: dict[str, ByLanguage]
    transfer_words: ByLanguage
    retention_words: ByLanguage
    numbers: dict[str, dict[str, int]]
    units: dict[str, ByLanguage]
    rights: dict[str, ByLanguage]
    automated_decisions: ByLanguage
    sharing_denials: dict[str, list[Denial]]
    transfer_denials: ByLanguage
    exceptions: ByLanguage
    stopwords: ByLanguage
    data_categories: dict[str, ByLanguage]
    transfer_statements: ByLanguage


@functools.lru_cache(maxsize=1)
def terms() -> Terms:
    raw: Any = yaml.safe_load((DATA / "terms.yaml").read_text(encoding="utf-8"))
    return msgspec.convert(raw, Terms)


def every(by_language: ByLanguage) -> list[str]:
    """The phrases of every language, in order, each once."""
    return list(dict.fromkeys(p for phrases in by_language.values() for p in phrases))


class _Checks(msgspec.Struct, frozen=True):
    checks: list[dict[str, str]]


@functools.lru_cache(maxsize=1)
def checks() -> dict[str, RuleMeta]:
    """What the checker reports, as rule metadata (theme ``notice``)."""
    raw: Any = yaml.safe_load((DATA / "checks.yaml").read_text(encoding="utf-8"))
    found = msgspec.convert(raw, _Checks).checks
    return {entry["id"]: msgspec.convert({**entry, "theme": "notice"}, RuleMeta) for entry in found}


_FIELD = re.compile(r"\{(\w+)\}")


def fields_of(text: str) -> set[str]:
    """The named fields of a sentence template."""
    return set(_FIELD.findall(text))
