"""Matching record text against the curated phrase lists (``schema/vocabulary/*_phrases.yaml``).

The lists are data, English first and extensible by language: every language's phrases are tried.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from ropa.domain.vocabulary import normalise, wording


@dataclass(frozen=True, slots=True)
class _Matcher:
    phrases: tuple[str, ...]
    """Normalised phrases, longest first."""
    pattern: re.Pattern[str] | None
    filler: frozenset[str]
    meaningful_words: int


def _alternation(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    if not phrases:
        return None
    return re.compile("|".join(rf"(?<!\S){re.escape(p)}(?!\S)" for p in phrases))


@functools.lru_cache(maxsize=16)
def _matcher(name: str) -> _Matcher:
    vague = wording().vague
    found = vague.lists[name]
    phrases = {normalise(p) for language in found.phrases.values() for p in language}
    ordered = tuple(sorted(phrases - {""}, key=lambda p: (-len(p), p)))
    filler = {
        normalise(w)
        for source in (vague.filler, found.filler)
        for language in source.values()
        for w in language
    }
    return _Matcher(ordered, _alternation(ordered), frozenset(filler), found.meaningful_words)


@functools.lru_cache(maxsize=16384)
def vague_phrases(kind: str, text: str) -> tuple[str, ...]:
    """The vague phrases of list ``kind`` that ``text`` consists essentially of; empty when it
    says more (``meaningful_words`` words besides the vague phrases and filler words).

    ``kind`` is ``purposes``, ``recipients``, ``data_categories`` or ``security``.
    """
    matcher = _matcher(kind)
    if matcher.pattern is None:
        return ()
    words = normalise(text)
    found = tuple(sorted(set(matcher.pattern.findall(words)), key=matcher.phrases.index))
    if not found:
        return ()
    rest = matcher.pattern.sub(" ", words)
    meaningful = [word for word in rest.split() if word not in matcher.filler]
    return found if len(meaningful) < matcher.meaningful_words else ()


def without_name(text: str, name: str) -> str:
    """``text`` with the organisation's name taken out, wherever it stands as whole words."""
    name = name.strip()
    if not name:
        return text
    return re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", " ", text, flags=re.IGNORECASE)


def contains(text: str, phrase: str) -> bool:
    """Whether normalised ``text`` holds normalised ``phrase`` as whole words."""
    return re.search(rf"(?<!\S){re.escape(normalise(phrase))}(?!\S)", normalise(text)) is not None


def qualified(text: str) -> bool:
    """A statement with an exception ("except our service providers") is not a flat denial."""
    exceptions = wording().statements.exceptions
    return any(contains(text, word) for language in exceptions.values() for word in language)


SENTENCE_END = re.compile(r"(?<=[.;!?])\s+")


def sentences(text: str) -> list[str]:
    """The sentences of a statement: an exception qualifies the sentence it stands in, not a
    flat denial in the next one ("... except when necessary ... We do not share ...")."""
    return [s for s in SENTENCE_END.split(text) if s.strip()]


def sharing_denial(text: str) -> str | None:
    """The scope a flat sharing denial covers (``anyone`` or ``third_parties``), or None.

    Each sentence is judged on its own; where sentences deny with different scopes, the wider
    ``anyone`` wins, since the statement makes that denial.
    """
    scopes = {_sentence_sharing_denial(s) for s in sentences(text)} - {None}
    if not scopes:
        return None
    return "anyone" if "anyone" in scopes else "third_parties"


def _sentence_sharing_denial(text: str) -> str | None:
    """Where phrases of both scopes match ("we do not share your data with third parties"), the
    narrower ``third_parties`` wins: Art 4(10) leaves processors out of "third party"."""
    if not text.strip() or qualified(text):
        return None
    scopes = {
        denial.scope
        for language in wording().statements.sharing_denials.values()
        for denial in language
        if contains(text, denial.phrase)
    }
    if "third_parties" in scopes and _denies(text):
        return "third_parties"
    return "anyone" if "anyone" in scopes else None


def _denies(text: str) -> bool:
    words = f" {normalise(text)} "
    return any(f" {w} " in words for w in ("not", "never", "no", "dont", "doesnt", "wont"))


def transfer_denial(text: str) -> str | None:
    """The phrase by which a statement flatly denies transfers outside the EEA, or None; each
    sentence is judged on its own."""
    for sentence in sentences(text):
        found = _sentence_transfer_denial(sentence)
        if found is not None:
            return found
    return None


def admits_transfers_without_safeguard(text: str) -> bool:
    """Whether a statement speaks of data going abroad without denying it, and names no Art 45,
    46 or 49 ground ("your data may be processed or transferred across borders")."""
    if not text.strip() or transfer_denial(text) is not None:
        return False
    phrases = wording().statements
    if not any(
        contains(text, word) for language in phrases.transfer_places.values() for word in language
    ):
        return False
    return not any(
        contains(text, phrase)
        for language in phrases.transfer_safeguards.values()
        for phrase in language
    )


def _sentence_transfer_denial(text: str) -> str | None:
    if not text.strip() or qualified(text):
        return None
    places = wording().statements.transfer_places
    if not any(contains(text, word) for language in places.values() for word in language):
        return None
    for language in wording().statements.transfer_denials.values():
        for phrase in language:
            if contains(text, phrase):
                return phrase
    return None


def legal_entity_name(name: str) -> bool:
    """Whether a name carries a legal form (Ltd, GmbH, Inc, SAS, B.V., ...) as a whole word."""
    words = normalise(name.replace(".", ""))
    padded = f" {words} "
    return any(f" {form} " in padded for form in wording().legal_forms)
