"""Reading a cell's text as model values: lawful bases, countries, transfer mechanisms,
retention periods, dates, yes/no, and what a cell says when it says nothing.

Each reader answers with what it found and how sure it is (0-100), so the importer can report
the doubtful ones. Phrases live in ``schema/sheet-layouts/_phrases.yaml``; vocabulary titles and
their French and German translations (the record's catalogues, CLDR country names) count too.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from typing import Any

import yaml
from babel import Locale
from rapidfuzz import fuzz, process

from ropa.domain.vocabulary import Vocabularies
from ropa.render import i18n
from ropa.sheets.layouts import layouts_dir, norm

LANGUAGES = ("en", "fr", "de")
SURE = 100.0


@dataclass(frozen=True, slots=True)
class Found:
    value: str
    confidence: float


@functools.cache
def phrases() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((layouts_dir() / "_phrases.yaml").read_text("utf-8"))
    return loaded


def _reverse(table: dict[Any, list[str]]) -> dict[str, str]:
    return {norm(str(p)): str(key) for key, words in table.items() for p in words}


# --- nothing, yes/no, dates ---------------------------------------------------------------


@functools.cache
def _nothing() -> dict[str, str]:
    found = _reverse(phrases()["nothing"])
    for language in LANGUAGES:
        tr = i18n.translator(language)
        for key in ("none", "not_stated", "not_recorded", "not_applicable"):
            found[norm(tr.word(key))] = "not_stated" if key == "not_recorded" else key
    return found


def nothing(text: str) -> str | None:
    """``none``, ``not_stated`` or ``not_applicable`` when the cell says only that; else None."""
    if not text.strip():
        return "not_stated"
    return _nothing().get(norm(text)) if norm(text) or text.strip() in "-?" else None


@functools.cache
def words(key: str) -> frozenset[str]:
    """One of ropa's own words (``yes``, ``none``, ``indefinite``...) in every language, as
    ``norm`` gives them."""
    return frozenset(norm(i18n.translator(lang).word(key)) for lang in LANGUAGES)


@functools.cache
def _yes_no() -> dict[str, bool]:
    table = {norm(w): answer == "yes" for answer, ws in phrases()["yes_no"].items() for w in ws}
    table.update(dict.fromkeys(words("yes"), True))
    table.update(dict.fromkeys(words("no"), False))
    return table


def yes_no(text: str) -> bool | None:
    return _yes_no().get(norm(text))


_DMY = re.compile(r"^(\d{1,2})[./-](\d{1,2})[./-](\d{4})$")


def date(text: str) -> dt.date | None:
    """ISO dates (2024-03-01) and day-first dates (01/03/2024, 1.3.2024)."""
    text = text.strip()[:32]
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        pass
    found = _DMY.match(text)
    if found:
        day, month, year = map(int, found.groups())
        try:
            return dt.date(year, month, day)
        except ValueError:
            return None
    return None


# --- splitting ------------------------------------------------------------------------------

_BULLET = re.compile(r"^\s*(?:[-*•·▪◦]|\d+[.)])\s+")


def items(text: str, mode: str) -> list[str]:
    """The values of a cell: one per line (``lines``), or also split on ``;`` and bullets."""
    parts = text.split("\n")
    if mode != "lines":
        parts = [p for part in parts for p in part.split(";")]
        parts = [_BULLET.sub("", p) for p in parts]
    return [p.strip() for p in parts if p.strip()]


def comma_items(text: str) -> list[str]:
    """A short list written on one line with commas, "and" or "et" between values."""
    return [p.strip() for p in re.split(r",|\band\b|\bet\b|\bund\b|/", text) if p.strip()]


# --- vocabularies ---------------------------------------------------------------------------


def best(text: str, table: dict[str, str], cutoff: float | None = 86.0) -> Found | None:
    """The table's entry for the text: exactly (once normalised), else the nearest spelling
    scoring ``cutoff`` or more (None: exactly only)."""
    key = norm(text)
    if not key:
        return None
    if key in table:
        return Found(table[key], SURE)
    if cutoff is None:
        return None
    hit = process.extractOne(key, list(table), scorer=fuzz.ratio, score_cutoff=cutoff)
    return Found(table[hit[0]], float(hit[1])) if hit else None


_TABLES: dict[tuple[int, str], tuple[Vocabularies, dict[str, str]]] = {}


def _cached(vocab: Vocabularies, kind: str) -> dict[str, str]:
    """A lookup table per vocabulary object (vocabularies are unhashable structs)."""
    found = _TABLES.get((id(vocab), kind))
    if found is None or found[0] is not vocab:
        table = _countries(vocab) if kind == "countries" else _titles(vocab, kind)
        found = _TABLES[(id(vocab), kind)] = (vocab, table)
    return found[1]


def _countries(vocab: Vocabularies) -> dict[str, str]:
    table: dict[str, str] = {}
    for language in LANGUAGES:
        for code, name in Locale.parse(language).territories.items():
            if len(code) == 2 and code.isalpha() and code in vocab.countries:
                table.setdefault(norm(name), code)
    for code, country in vocab.countries.items():
        table[norm(country.name)] = code
        table[norm(code)] = code
    table.update({k: v for k, v in _reverse(phrases()["countries"]).items()})
    return table


def country(text: str, vocab: Vocabularies) -> Found | None:
    """An ISO 3166-1 code for a country name (English, French, German) or code."""
    stripped = text.strip()
    if re.fullmatch(r"[A-Za-z]{2}", stripped) and stripped.upper() in vocab.countries:
        return Found(stripped.upper(), SURE)
    return best(stripped, _cached(vocab, "countries"))


def _articles(reference: str) -> list[str]:
    """How an article reference reads once normalised: "6 1 a", "art 6 1 a", "6 1a"."""
    parts = re.findall(r"\w+", reference)
    return [" ".join(parts), "art " + " ".join(parts), " ".join(parts[:-1]) + parts[-1]]


def _titles(vocab: Vocabularies, kind: str) -> dict[str, str]:
    entries: dict[str, Any] = getattr(vocab, kind)
    context = {"lawful_bases": "lawful_basis", "art9_conditions": "art9_condition"}.get(
        kind, "transfer_mechanism"
    )
    table: dict[str, str] = {}
    for key, entry in entries.items():
        for language in LANGUAGES:
            table[norm(i18n.translator(language)(context, entry.title))] = key
        table[norm(key)] = key
        for reference in (
            _articles(getattr(entry, "article", "")) if kind != "transfer_mechanisms" else []
        ):
            table[reference] = key
    return table


def _contained(text: str, table: dict[str, str]) -> Found | None:
    """The longest phrase of the table found as whole words in the text."""
    key = f" {norm(text)} "
    hits = sorted((p for p in table if p and f" {p} " in key), key=len, reverse=True)
    if not hits:
        return None
    if hits[0] == norm(text):
        return Found(table[hits[0]], 95.0)
    return Found(table[hits[0]], 90.0 if len(hits[0]) >= 6 else 80.0)


def lawful_basis(text: str, vocab: Vocabularies) -> Found | None:
    """An Art 6(1) basis from its title, article or a common wording (en, fr, de)."""
    titles = _cached(vocab, "lawful_bases")
    head = re.split(r"\):|:\s", text, maxsplit=1)[0]
    return (
        best(head, titles, 90.0)
        or best(re.sub(r"\(.*?\)", "", head), titles, 90.0)
        or _contained(text, titles)
        or _contained(text, _reverse(phrases()["lawful_bases"]))
    )


def art9_condition(text: str, vocab: Vocabularies) -> Found | None:
    titles = _cached(vocab, "art9_conditions")
    head = re.split(r"\):|:\s", text, maxsplit=1)[0]
    return (
        best(head, titles, 90.0)
        or best(re.sub(r"\(.*?\)", "", head), titles, 90.0)
        or _contained(text, titles)
    )


def mechanism(text: str, vocab: Vocabularies) -> Found | None:
    """A transfer mechanism from its title or a common name ("SCCs", "Privacy Shield")."""
    titles = _cached(vocab, "transfer_mechanisms")
    head = text.split(", Module")[0]
    return (
        best(head, titles, 92.0)
        or _contained(text, _reverse(phrases()["mechanisms"]))
        or _contained(text, titles)
    )


def scc_module(text: str) -> int | None:
    found = re.search(r"\b(?:module|modul)\s*([1-4])\b", text, re.IGNORECASE)
    return int(found.group(1)) if found else None


@functools.cache
def _roles() -> dict[str, str]:
    table = _reverse(phrases()["roles"])
    for language in LANGUAGES:
        tr = i18n.translator(language)
        for role, label in i18n.ROLE_LABELS.items():
            table[norm(tr("party_role", label))] = str(role)
    return table


def party_role(text: str) -> Found | None:
    return best(text, _roles(), 90.0) or _contained(text, _roles())


# --- retention -----------------------------------------------------------------------------

_ISO = re.compile(r"\((P(?!\))[0-9YMWDTHS]+)\)")


@dataclass(frozen=True, slots=True)
class Period:
    period: str | None
    trigger: str
    rest: str
    """What the text says besides the period and its trigger (criteria, kept verbatim)."""
    confidence: float


@functools.cache
def _units() -> dict[str, str]:
    return _reverse(phrases()["retention_units"])


@functools.cache
def _numbers() -> dict[str, int]:
    return {norm(w): int(n) for n, words in phrases()["number_words"].items() for w in words}


def retention(text: str) -> Period | None:
    """ "6 years after the end of the contract" -> P6Y from "end of the contract"; "30 days" ->
    P30D; "6 years (P6Y) from end of contract" as ropa writes it. None when no period is
    stated (then the text is deletion criteria)."""
    iso = _ISO.search(text)
    if iso:
        after = text[iso.end() :]
        trigger, rest = _trigger(after)
        return Period(iso.group(1), trigger, rest, SURE)
    words = norm(text).split()
    for i, word in enumerate(words[:-1]):
        number = int(word) if word.isdigit() else _numbers().get(word)
        unit = _units().get(words[i + 1])
        if number is None or unit is None or number > 999:
            continue
        period = f"PT{number}H" if unit == "H" else f"P{number}{unit}"
        # what follows the unit word in the original text
        tail = re.split(rf"\b{re.escape(words[i + 1])}\b", text, maxsplit=1, flags=re.IGNORECASE)[
            -1
        ]
        trigger, rest = _trigger(tail)
        confident = 95.0 if i <= 2 else 75.0
        return Period(period, trigger, rest, confident)
    return None


def _trigger(tail: str) -> tuple[str, str]:
    """The event a period counts from ("after the end of the contract") and what follows."""
    sentence, _, rest = tail.strip().partition(". ")
    key = norm(sentence)
    for word in sorted(phrases()["retention_triggers"], key=len, reverse=True):
        w = norm(word)
        if key == w or key.startswith(w + " "):
            cut = len(sentence) - len(sentence.lstrip())
            words_in = len(w.split())
            trigger = " ".join(sentence.strip().split()[words_in:]).rstrip(".")
            trigger = re.sub(r"^(the|la|le|l'|les|der|die|dem|des)\s+", "", trigger, flags=re.I)
            del cut
            return trigger, rest.strip()
    return "", tail.strip().rstrip(".") if tail.strip() not in (".", "") else ""
