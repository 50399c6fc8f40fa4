"""Deterministic matching of registry facts against notice text: phrases as whole words, names
with their aliases, words of a purpose, and retention periods parsed from numbers and units."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from ropa.domain.vocabulary import normalise as _normalise
from ropa.domain.vocabulary import wording
from ropa.notice.words import every, terms

UNIT_DAYS = {
    "Y": 365.25,
    "M": 30.44,
    "W": 7.0,
    "D": 1.0,
    "h": 1 / 24,
    "m": 1 / 1440,
    "s": 1 / 86400,
}
TOLERANCE = 0.01
_ELISION = re.compile(r"\b(qu|[cdjlmnst])['\u2019]", re.IGNORECASE)


def normalise(text: str) -> str:
    """As the rules normalise phrases, but French elisions kept apart ("l'effacement" is "l
    effacement"), so that a word after one still matches on its own."""
    return _normalise(_ELISION.sub(r"\1 ", text))


@dataclass(frozen=True)
class Phrases:
    """Normalised phrases, matched as whole words in normalised text."""

    phrases: tuple[str, ...]
    pattern: re.Pattern[str] | None

    def found(self, norm: str) -> bool:
        return self.pattern is not None and self.pattern.search(norm) is not None

    def __bool__(self) -> bool:
        return self.pattern is not None


@functools.lru_cache(maxsize=4096)
def _compiled(phrases: tuple[str, ...]) -> Phrases:
    ordered = tuple(sorted(set(phrases) - {""}, key=lambda p: (-len(p), p)))
    if not ordered:
        return Phrases((), None)
    alternation = "|".join(re.escape(p) for p in ordered)
    return Phrases(ordered, re.compile(rf"(?<!\S)(?:{alternation})(?!\S)"))


def phrases(values: Iterable[str]) -> Phrases:
    return _compiled(tuple(normalise(v) for v in values))


# --- names --------------------------------------------------------------------------------------

_BRACKETS = re.compile(r"\(([^)]*)\)")


def _without_legal_form(norm: str) -> str:
    words = norm.split()
    forms = wording().legal_forms
    while len(words) > 1 and words[-1] in forms:
        words.pop()
    return " ".join(words)


def aliases(name: str) -> list[str]:
    """How a notice may name a party or organisation: the full name, the name without the part
    in brackets, the part in brackets, each also without a trailing legal form ("Inc", "GmbH")."""
    found: dict[str, None] = {}
    inside = [part.strip() for part in _BRACKETS.findall(name)]
    outside = _BRACKETS.sub(" ", name)
    for variant in (name, outside, *inside):
        norm = normalise(variant)
        for candidate in (norm, _without_legal_form(norm)):
            if len(candidate) >= 3 and not candidate.isdigit():
                found[candidate] = None
    return list(found)


# --- words --------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    return frozenset(normalise(w) for w in every(terms().stopwords))


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


def content_words(text: str) -> frozenset[str]:
    stop = _stopwords()
    return frozenset(_stem(w) for w in normalise(text).split() if w not in stop and len(w) > 1)


def overlap(wanted: frozenset[str], text_words: frozenset[str]) -> float:
    """The share of ``wanted`` words found."""
    return len(wanted & text_words) / len(wanted) if wanted else 0.0


# --- periods ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Period:
    low: float
    high: float
    """In days; equal for a single figure, apart for a range ("3 to 6 days")."""
    text: str

    def covers(self, days: float) -> bool:
        return self.low * (1 - TOLERANCE) <= days <= self.high * (1 + TOLERANCE)


@functools.lru_cache(maxsize=1)
def _period_pattern() -> tuple[re.Pattern[str], dict[str, int], dict[str, str]]:
    found = terms()
    numbers = {normalise(w): n for language in found.numbers.values() for w, n in language.items()}
    units = {
        normalise(word): unit
        for unit, by_language in found.units.items()
        for word in every(by_language)
    }
    number = "|".join([r"\d+", *(re.escape(w) for w in sorted(numbers, key=len, reverse=True))])
    unit = "|".join(re.escape(w) for w in sorted(units, key=len, reverse=True))
    link = r"(?:to|bis|à|a|and|und|et|or|oder|ou)"
    pattern = re.compile(
        rf"(?<!\S)(?P<low>{number})(?:\s+(?:{link}\s+)?(?P<high>{number}))?\s+(?P<unit>{unit})(?!\S)"
    )
    return pattern, numbers, units


def periods(norm: str) -> list[Period]:
    """Every period a normalised text states: "30 days", "sechs Monate", "3-6 days", "1 year
    6 months" (figures next to each other add up)."""
    pattern, numbers, units = _period_pattern()

    def value(text: str) -> int:
        return int(text) if text.isdigit() else numbers[text]

    found: list[Period] = []
    end = -1
    for match in pattern.finditer(norm):
        days = UNIT_DAYS[units[match["unit"]]]
        low = value(match["low"]) * days
        high = value(match["high"]) * days if match["high"] else low
        between = norm[end : match.start()].strip() if end >= 0 else None
        if found and between in ("", "and", "und", "et") and found[-1].low == found[-1].high:
            last = found.pop()
            low, high = last.low + low, last.high + high
            text = f"{last.text} {match.group(0)}"
        else:
            text = match.group(0)
        found.append(Period(low, high, text))
        end = match.end()
    return found
