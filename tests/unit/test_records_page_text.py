"""The records page's words: every language the page speaks says everything, for every profile.

A missing word would show as English (or as its key) to a French or German regulator: the test
finds it first.
"""

from __future__ import annotations

import json
import re

import pytest

from ropa.render import xlsx
from ropa.web import STATIC_DIR

TEXTS = json.loads((STATIC_DIR / "records-text.json").read_text(encoding="utf-8"))
PAGE = (STATIC_DIR / "records.html").read_text(encoding="utf-8")
SCRIPT = (STATIC_DIR / "js" / "records.js").read_text(encoding="utf-8")
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def test_english_holds_every_word_the_page_and_its_script_use() -> None:
    english = TEXTS["en"]
    used = set(re.findall(r'data-text="(\w+)"', PAGE))
    used |= set(re.findall(r'say\("(\w+)"', SCRIPT))
    used |= {f"edition_{edition}" for edition in xlsx.EDITIONS}
    used |= {f"edition_{edition}_note" for edition in xlsx.EDITIONS}
    assert used and used <= set(english)
    assert set(english["profiles"]) >= set(xlsx.profiles())


@pytest.mark.parametrize("language", sorted(set(TEXTS) - {"en"}))
def test_every_language_says_everything(language: str) -> None:
    english, translated = TEXTS["en"], TEXTS[language]
    assert set(translated) == set(english)
    for key, text in english.items():
        if key == "profiles":
            continue
        assert translated[key].strip(), key
        assert set(PLACEHOLDER.findall(translated[key])) == set(PLACEHOLDER.findall(text)), key
    for profile in xlsx.profiles():
        name, note = translated["profiles"][profile]
        assert name.strip() and note.strip(), profile


def test_languages_are_those_the_script_offers() -> None:
    offered = re.search(r"const LANGUAGES = \[([^\]]*)\]", SCRIPT)
    assert offered is not None
    assert set(re.findall(r'"(\w+)"', offered.group(1))) == set(TEXTS)
