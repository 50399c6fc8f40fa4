"""A published notice read into passages: plain text, Markdown or HTML.

A *block* is the smallest passage a notice states something in: a paragraph, a list item, a
table cell, a heading (a line, for plain text). A *section* is what follows a heading up to the
next one. The checker looks for a fact in a block (a recipient's name next to its country) or
in a section (a purpose and its lawful basis). Markdown is parsed with markdown-it-py, HTML
with the standard library's parser; each block keeps the line it starts on.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser

from markdown_it import MarkdownIt

from ropa.notice.matching import normalise

FORMATS = ("text", "md", "html")
MAX_PASSAGES = 2_000
"""More passages than a notice has (the longest published ones hold a few hundred): the check
compares every passage with every fact of the record, so its time grows with both."""
MAX_CHARACTERS = 200_000
"""The text of the passages (markup, scripts and styles not counted), about 30,000 words."""


class UnreadableNotice(ValueError):
    """A notice that is not UTF-8 text, is empty, or is longer than any notice."""


@dataclass(frozen=True, slots=True)
class Block:
    text: str
    line: int
    section: int
    """The index of the section it stands in (0: before the first heading)."""
    heading: bool = False

    @property
    def norm(self) -> str:
        return normalise(self.text)


@dataclass(frozen=True, slots=True)
class Read:
    blocks: tuple[Block, ...]

    def section(self, index: int) -> tuple[Block, ...]:
        return tuple(b for b in self.blocks if b.section == index)

    @property
    def text(self) -> str:
        return "\n".join(b.text for b in self.blocks)


def format_of(name: str, raw: str) -> str:
    """``html``, ``md`` or ``text``, by the file's name, else by what it holds."""
    lower = name.lower()
    if lower.endswith((".html", ".htm", ".xhtml")):
        return "html"
    if lower.endswith((".md", ".markdown")):
        return "md"
    if lower.endswith(".txt"):
        return "text"
    head = raw.lstrip()[:200].lower()
    if head.startswith(("<!doctype html", "<html")) or "<body" in raw[:2000].lower():
        return "html"
    if re.search(r"^#{1,6} \S", raw, re.MULTILINE):
        return "md"
    return "text"


# --- plain text -------------------------------------------------------------------------------

_BULLET = re.compile(r"^\s*([-*•·‣◦]|\d+[.)]\s+\S.*[.:;,]$)")


def _is_heading(line: str) -> bool:
    stripped = line.strip()
    if not stripped or len(stripped) > 70 or _BULLET.match(stripped):
        return False
    return not stripped.endswith((".", ",", ";", ":", "!", "?", ")", "\u201d", '"'))


def _text(raw: str) -> Read:
    blocks: list[Block] = []
    section = 0
    for number, line in enumerate(raw.splitlines(), 1):
        if not line.strip():
            continue
        heading = _is_heading(line)
        if heading:
            section += 1
        blocks.append(Block(line.strip(), number, section, heading))
    return Read(tuple(blocks))


# --- Markdown ---------------------------------------------------------------------------------

_FOOTNOTE_DEFINITION = re.compile(r"^\[\^[^\]]+\]:.*$", re.MULTILINE)
_FOOTNOTE_MARK = re.compile(r"\[\^[^\]]+\]")


def _markdown(raw: str) -> Read:
    # Footnotes (a common extension) go before parsing: CommonMark would read their definitions
    # as link references. Blanking keeps every line where it was.
    raw = _FOOTNOTE_MARK.sub("", _FOOTNOTE_DEFINITION.sub("", raw))
    tokens = MarkdownIt("commonmark").parse(raw)
    blocks: list[Block] = []
    section = 0
    heading = False
    line = 1
    for token in tokens:
        if token.type == "heading_open":
            section += 1
            heading = True
        elif token.type == "heading_close":
            heading = False
        if token.map is not None:
            line = token.map[0] + 1
        if token.type != "inline":
            continue
        text = "".join(
            child.content if child.type in ("text", "code_inline") else " "
            for child in token.children or ()
            if child.type in ("text", "code_inline", "softbreak", "hardbreak")
        )
        text = " ".join(text.split())
        if text:
            blocks.append(Block(text, line, section, heading))
    return Read(tuple(blocks))


# --- HTML -------------------------------------------------------------------------------------

_BLOCK_TAGS = frozenset(
    {
        "p",
        "li",
        "td",
        "th",
        "dd",
        "dt",
        "div",
        "section",
        "article",
        "main",
        "blockquote",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "ul",
        "ol",
        "table",
        "tr",
        "body",
        "header",
        "footer",
        "address",
        "pre",
        "figcaption",
        "caption",
        "summary",
        "details",
        "br",
    }
)
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_SKIP = frozenset({"script", "style", "head", "template", "noscript", "svg"})


class _HtmlBlocks(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self.parts: list[str] = []
        self.start = 1
        self.section = 0
        self.heading = False
        self.skipping = 0

    def flush(self) -> None:
        text = " ".join("".join(self.parts).split())
        if text:
            self.blocks.append(Block(text, self.start, self.section, self.heading))
        self.parts = []
        self.start = self.getpos()[0]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skipping += 1
        elif tag in _BLOCK_TAGS:
            self.flush()
            if tag in _HEADINGS:
                self.section += 1
                self.heading = True

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCK_TAGS:
            self.flush()
            if tag in _HEADINGS:
                self.heading = False

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        if not self.parts or not "".join(self.parts).strip():
            self.start = self.getpos()[0]
        self.parts.append(data)


def _html(raw: str) -> Read:
    parser = _HtmlBlocks()
    parser.feed(raw)
    parser.close()
    parser.flush()
    return Read(tuple(parser.blocks))


def read_published(raw: bytes, fmt: str | None = None, name: str = "") -> Read:
    """A published notice as sent or saved: UTF-8 bytes, in ``fmt`` or else in the format its
    name (``name``) or its content shows; raises ``UnreadableNotice``."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UnreadableNotice(f"not UTF-8 text ({error.reason} at byte {error.start})") from error
    return read_notice(text, fmt or format_of(name, text))


def _is_json(text: str) -> bool:
    """Whether the whole text is one JSON value (a report, a data file or a bare ``null`` sent
    by mistake): no published notice is."""
    stripped = text.strip()
    if not stripped:
        return False
    try:
        json.loads(stripped)
    except ValueError:
        return False
    return True


def read_notice(raw: bytes | str, fmt: str) -> Read:
    """The notice's blocks; ``fmt`` is ``text``, ``md`` or ``html``."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise UnreadableNotice(
                f"not UTF-8 text ({error.reason} at byte {error.start})"
            ) from error
    if fmt not in FORMATS:
        raise UnreadableNotice(f"unknown notice format {fmt!r}; expected one of text, md, html")
    if _is_json(raw):
        raise UnreadableNotice(
            "this is JSON data, not a published notice: send the notice's text, Markdown or HTML"
        )
    read = {"text": _text, "md": _markdown, "html": _html}[fmt](raw)
    if not read.blocks:
        raise UnreadableNotice("the notice holds no text")
    if len(read.blocks) > MAX_PASSAGES:
        raise UnreadableNotice(
            f"the notice holds {len(read.blocks):,} passages (paragraphs, list items, lines); "
            f"a notice to check may hold {MAX_PASSAGES:,}"
        )
    characters = sum(len(b.text) for b in read.blocks)
    if characters > MAX_CHARACTERS:
        raise UnreadableNotice(
            f"the notice's text is {characters:,} characters long; "
            f"a notice to check may be {MAX_CHARACTERS:,}"
        )
    return read
