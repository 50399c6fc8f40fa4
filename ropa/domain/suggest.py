""" "Did you mean" for a mistyped key, and the allowed values of a closed list, in plain words."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

MAX_LISTED = 12
"""A list of allowed values longer than this is named, not printed."""


def close_matches(word: str, choices: Iterable[str], limit: int = 3) -> list[str]:
    """Choices that ``word`` was probably meant to be, best first.

    Case is ignored; a choice that starts with the word (``SCC`` for ``scc_2021``) counts as
    close even where the similarity ratio alone would not.
    """
    options = sorted(set(choices))
    if not word or not options:
        return []
    folded = word.casefold().replace("-", "_")
    by_fold: dict[str, list[str]] = {}
    for option in options:
        by_fold.setdefault(option.casefold().replace("-", "_"), []).append(option)
    if folded in by_fold:
        return by_fold[folded][:limit]
    prefixed = [o for o in options if o.casefold().replace("-", "_").startswith(folded)]
    if prefixed and len(folded) >= 2:
        prefixed.sort(key=lambda o: -difflib.SequenceMatcher(None, folded, o.casefold()).ratio())
        return prefixed[:limit]
    found = difflib.get_close_matches(folded, list(by_fold), n=limit, cutoff=0.6)
    return [by_fold[f][0] for f in found]


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` did you mean `x`?`` (or ``x` or `y``), or an empty string when nothing is close."""
    matches = close_matches(word, choices)
    if not matches:
        return ""
    return "did you mean " + " or ".join(f"`{m}`" for m in matches) + "?"


def allowed(choices: Iterable[str], where: str = "") -> str:
    """``allowed: `a`, `b`, `c``` for a short list; for a long one, where to find it."""
    options = sorted(set(choices))
    if len(options) <= MAX_LISTED:
        return "allowed: " + ", ".join(f"`{o}`" for o in options)
    return f"{len(options)} values are allowed" + (f"; see {where}" if where else "")


def hint(word: str, choices: Iterable[str]) -> str:
    """The best help for a value not in ``choices``: a close match, else the allowed values
    when they are few, else nothing."""
    options = list(choices)
    guess = did_you_mean(word, options)
    if guess or len(set(options)) > MAX_LISTED:
        return guess
    return allowed(options)
