"""Built-in vocabularies, read from ``schema/vocabulary/*.yaml``.

Legal facts that change over time (transfer mechanisms struck down, adequacy decisions adopted
or lapsing) are dated data here, never code.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import msgspec
import yaml


class Term(msgspec.Struct, kw_only=True, frozen=True):
    key: str


class Country(msgspec.Struct, kw_only=True, frozen=True):
    code: str
    name: str
    eu: bool = False
    eea: bool = False
    part_of: str | None = None
    """The member state a territory with its own code belongs to (e.g. GF is part of FR)."""


class LawfulBasisTerm(Term, frozen=True):
    article: str
    title: str
    description: str = ""
    requires: list[str] = []


class Art9Condition(Term, frozen=True):
    article: str
    title: str
    requires_law: bool = False
    alternative: str = ""
    """What the condition may rest on instead of a law (Art 9(2)(b): a collective agreement;
    Art 9(2)(h) with 9(3): a contract with a health professional bound by secrecy)."""


class Period(msgspec.Struct, kw_only=True, frozen=True):
    """When a tool may be relied on: from ``valid_from``, until the day before ``valid_until``."""

    valid_from: dt.date | None = None
    valid_until: dt.date | None = None

    def covers(self, day: dt.date) -> bool:
        if self.valid_from is not None and day < self.valid_from:
            return False
        return self.valid_until is None or day < self.valid_until


EU_GDPR = "eu_gdpr"
UK_GDPR = "uk_gdpr"


class TransferMechanism(Term, frozen=True):
    title: str
    article: str
    family: str
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    requires_tia: bool = False
    has_scc_modules: bool = False
    repetitive_allowed: bool = True
    note: str = ""
    regimes: list[str] = msgspec.field(default_factory=lambda: [EU_GDPR])
    """The regimes whose exports may rely on the tool (``eu_gdpr``, ``uk_gdpr``)."""
    periods: dict[str, Period] = {}
    """The tool's dates under a regime where they differ from ``valid_from``/``valid_until``
    (old EU SCCs served UK exports until 2024-03-21)."""

    def period(self, regime: str = EU_GDPR) -> Period:
        return self.periods.get(regime) or Period(
            valid_from=self.valid_from, valid_until=self.valid_until
        )

    def valid_on(self, day: dt.date, regime: str = EU_GDPR) -> bool:
        return regime in self.regimes and self.period(regime).covers(day)


class AdequacyDecision(Term, frozen=True):
    country: str | None = None
    organisation: str | None = None
    decision: str | None = None
    adopted: dt.date | None = None
    valid_until: dt.date | None = None
    scope: str = "full"
    requires_certification: bool = False
    scope_note: str = ""
    regime: str = EU_GDPR
    """The regime whose adequacy finding this is: the Commission's (``eu_gdpr``) or the UK's
    adequacy regulations (``uk_gdpr``)."""
    eea: bool = False
    """The decision covers every EEA country (the UK's finding for the EEA)."""
    framework: str | None = None
    """The transfer mechanism this decision is (``eu_us_dpf``): the two stand or fall together."""
    verified: bool = True
    """False where the entry could not be checked against the legal text."""

    def in_force_on(self, day: dt.date) -> bool:
        if self.adopted is not None and day < self.adopted:
            return False
        return self.valid_until is None or day < self.valid_until


class DataCategory(Term, frozen=True):
    label: str
    group: str = "other"
    special: bool = False
    criminal: bool = False
    tags: list[str] = []
    description: str = ""


class DataSubjectCategory(Term, frozen=True):
    label: str
    vulnerable: bool = False
    description: str = ""


class DpiaCriterion(Term, frozen=True):
    title: str
    wp248: int
    art35_3: str | None = None
    description: str = ""


class BillingWindow(Term, frozen=True):
    """How long a provider may keep traffic data for billing (ePrivacy Art 6(2)), per country.

    The Directive sets no number: national law does. ``key`` is the ISO country code, or
    ``default`` for the fallback used where no national entry applies.
    """

    period: str
    source: str
    verified: bool = False
    note: str = ""


class NationalDpiaCase(Term, frozen=True):
    """One case of a supervisory authority's Art 35(4) list, with what triggers it in the model.

    The case matches an activity when any ``any_*`` item is present (tags of its data categories,
    its purpose kinds, risk indicators or data subjects, special or criminal data) and every
    ``all_risk_indicators`` item and, with ``provider_only``, the organisation provides a public
    electronic communications service.
    """

    country: str
    authority: str
    case: str
    source: str
    verified: bool = False
    any_tags: list[str] = []
    any_purpose_kinds: list[str] = []
    any_risk_indicators: list[str] = []
    any_data_subjects: list[str] = []
    any_special: bool = False
    all_risk_indicators: list[str] = []
    provider_only: bool = False
    note: str = ""


class Vocabularies(msgspec.Struct, frozen=True):
    countries: dict[str, Country]
    lawful_bases: dict[str, LawfulBasisTerm]
    art9_conditions: dict[str, Art9Condition]
    transfer_mechanisms: dict[str, TransferMechanism]
    adequacy_decisions: dict[str, AdequacyDecision]
    data_categories: dict[str, DataCategory]
    data_subject_categories: dict[str, DataSubjectCategory]
    dpia_criteria: dict[str, DpiaCriterion]
    eprivacy_billing: dict[str, BillingWindow]
    dpia_lists: dict[str, NationalDpiaCase]

    def entries(self, vocabulary: str) -> Mapping[str, Term | Country]:
        """A vocabulary named as a reference target (see ``ropa.domain.kinds.Ref``), by key."""
        entries: Mapping[str, Term | Country] = getattr(self, VOCABULARY_TARGETS[vocabulary])
        return entries

    def is_eea(self, country: str | None) -> bool:
        found = self.countries.get(country or "")
        return bool(found and found.eea)


# Reference targets that are vocabularies, mapped to their attribute on Vocabularies.
VOCABULARY_TARGETS: dict[str, str] = {
    "country": "countries",
    "lawful_basis": "lawful_bases",
    "art9_condition": "art9_conditions",
    "transfer_mechanism": "transfer_mechanisms",
    "data_category": "data_categories",
    "data_subject_category": "data_subject_categories",
    "dpia_criterion": "dpia_criteria",
}
EXTENSIBLE = ("data_category", "data_subject_category")
"""Vocabularies that registry keepers may extend with terms of their own."""


def schema_dir() -> Path:
    """The ``schema/`` folder: the source tree's, or the copy packaged inside the wheel."""
    override = os.environ.get("ROPA_SCHEMA_DIR")
    if override:
        return Path(override)
    package = Path(__file__).resolve().parents[1]
    for candidate in (package.parent / "schema", package / "_data" / "schema"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("schema/ folder not found; set ROPA_SCHEMA_DIR")


_ENTRY_TYPES: dict[str, tuple[str, type[Any]]] = {
    "countries": ("code", Country),
    "lawful_bases": ("key", LawfulBasisTerm),
    "art9_conditions": ("key", Art9Condition),
    "transfer_mechanisms": ("key", TransferMechanism),
    "adequacy_decisions": ("key", AdequacyDecision),
    "data_categories": ("key", DataCategory),
    "data_subject_categories": ("key", DataSubjectCategory),
    "dpia_criteria": ("key", DpiaCriterion),
    "eprivacy_billing": ("key", BillingWindow),
    "dpia_lists": ("key", NationalDpiaCase),
}
_FILES = {
    "countries": "countries.yaml",
    "lawful_bases": "lawful_bases.yaml",
    "art9_conditions": "art9_conditions.yaml",
    "transfer_mechanisms": "transfer_mechanisms.yaml",
    "adequacy_decisions": "adequacy.yaml",
    "data_categories": "data_categories.yaml",
    "data_subject_categories": "data_subject_categories.yaml",
    "dpia_criteria": "dpia_criteria.yaml",
    "eprivacy_billing": "eprivacy_billing.yaml",
    "dpia_lists": "dpia_lists.yaml",
}


def load_vocabularies(folder: Path | None = None) -> Vocabularies:
    folder = folder or schema_dir() / "vocabulary"
    loaded: dict[str, dict[str, Any]] = {}
    for name, filename in _FILES.items():
        raw = yaml.safe_load((folder / filename).read_text(encoding="utf-8"))
        id_field, entry_type = _ENTRY_TYPES[name]
        entries = msgspec.convert(raw[name], list[entry_type], strict=False)  # type: ignore[valid-type]
        by_key: dict[str, Any] = {}
        for entry in entries:
            entry_id = getattr(entry, id_field)
            if entry_id in by_key:
                raise ValueError(f"{filename}: duplicate key {entry_id!r}")
            by_key[entry_id] = entry
        loaded[name] = by_key
    return Vocabularies(**loaded)


@functools.lru_cache(maxsize=1)
def builtin() -> Vocabularies:
    return load_vocabularies()


# --- wording: phrase lists the rules match record text against -------------------------------


def normalise(text: str) -> str:
    """Lower case, punctuation and apostrophes removed, single spaces: how phrases are matched."""
    return " ".join(
        re.sub(r"[^\w\s]|_", " ", text.lower().replace("'", "").replace("\u2019", "")).split()
    )


class PhraseList(msgspec.Struct, kw_only=True, frozen=True):
    """Phrases that are vague on their own, with the words that do not count as saying more."""

    meaningful_words: int = 1
    filler: dict[str, list[str]] = {}
    phrases: dict[str, list[str]] = {}


class VaguePhrases(msgspec.Struct, kw_only=True, frozen=True):
    filler: dict[str, list[str]] = {}
    lists: dict[str, PhraseList] = {}


class SharingDenial(msgspec.Struct, kw_only=True, frozen=True):
    phrase: str
    scope: str = "anyone"
    """``anyone`` (processors included) or ``third_parties`` (Art 4(10): not processors)."""


class StatementPhrases(msgspec.Struct, kw_only=True, frozen=True):
    sharing_denials: dict[str, list[SharingDenial]] = {}
    transfer_denials: dict[str, list[str]] = {}
    transfer_places: dict[str, list[str]] = {}
    transfer_safeguards: dict[str, list[str]] = {}
    exceptions: dict[str, list[str]] = {}


class NationalDpoRule(msgspec.Struct, kw_only=True, frozen=True):
    """A Member State's addition to Art 37(1) (Art 37(4)), e.g. BDSG § 38(1)."""

    country: str
    law: str
    staff_threshold: int | None = None
    dpia_processing: bool = False


class Wording(msgspec.Struct, kw_only=True, frozen=True):
    """The curated phrase lists and national lists the wording and organisation rules read."""

    vague: VaguePhrases
    statements: StatementPhrases
    legal_forms: frozenset[str]
    dpo_national: dict[str, NationalDpoRule]


def load_wording(folder: Path | None = None) -> Wording:
    folder = folder or schema_dir() / "vocabulary"

    def read(name: str) -> Any:
        return yaml.safe_load((folder / name).read_text(encoding="utf-8"))

    national = msgspec.convert(read("dpo_national.yaml")["dpo_national"], list[NationalDpoRule])
    return Wording(
        vague=msgspec.convert(read("vague_phrases.yaml"), VaguePhrases),
        statements=msgspec.convert(read("statement_phrases.yaml"), StatementPhrases),
        legal_forms=frozenset(normalise(str(f)) for f in read("legal_forms.yaml")["legal_forms"]),
        dpo_national={rule.country: rule for rule in national},
    )


@functools.lru_cache(maxsize=1)
def wording() -> Wording:
    return load_wording()
