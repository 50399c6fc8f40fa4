"""DOT text, written safely and deterministically, and its rendering through Graphviz's ``dot``.

Safety rules, one for each way text reaches the DOT:

- Registry text (names, trust boundaries, category labels, ...) appears only inside HTML-like
  labels (``label=<...>``), through `html_text`: control characters become U+FFFD,
  ``& < > " '`` become entities, and a backslash is doubled because Graphviz expands ``\\N``,
  ``\\G`` and the like even inside HTML labels (measured on 2.43). Nothing a registry keeper
  writes can close a label, add an attribute or pull in an ``<IMG>``.
- Node and cluster ids are synthetic (``n1``, ``cluster_1``), never taken from the registry.
- Tooltips carry entity keys, filtered by `key_text` to a small alphabet without quotes or
  backslashes, and names, filtered by `name_text` to letters and digits of any script and the
  same punctuation: Graphviz unescapes tooltip strings more than once, so nothing that could
  start an escape or an entity (quotes, backslashes, ``&``, ``<``) reaches it.
- Every other attribute value is one of our constants, quoted by `_quote`, which refuses
  anything unexpected rather than escaping it.
"""

from __future__ import annotations

import functools
import html
import re
import shutil
import subprocess
import textwrap
from dataclasses import dataclass, field

FORMATS: tuple[str, ...] = ("svg", "png", "pdf", "dot")
"""Output formats of `render`; ``dot`` is the laid-out DOT (with positions) from the binary."""

DEFAULT_TIMEOUT = 120.0


class DiagramError(Exception):
    """Base of every diagram error, so that a face can catch them in one place."""


class UnknownFormat(DiagramError, ValueError):
    """The output format is not one of `FORMATS` (a client error)."""


class RendererUnavailable(DiagramError):
    """Graphviz's ``dot`` binary is not installed or cannot be started (a server error)."""


class RenderFailed(DiagramError):
    """``dot`` ran but failed; the message carries the start of its error output."""


class RenderTimeout(RenderFailed):
    """``dot`` did not finish in time (for big registries, try a collapsed detail level)."""


# --- escaping --------------------------------------------------------------------------------

_BREAKS = re.compile("\r\n|[\n\r\x0b\x0c\x85\u2028\u2029]")
# C0 and C1 controls, DEL, lone surrogates and XML non-characters: none may reach Graphviz's
# XML parser for HTML labels, nor the SVG it writes.
_UNSAFE = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_KEY_UNSAFE = re.compile(r"[^A-Za-z0-9._:@/ ,+()-]")
_NAME_UNSAFE = re.compile(r"[^\w.:@/ ,+()-]")


def clean(text: str) -> str:
    """Text with every line break as ``\\n``, tabs as spaces and other controls as U+FFFD."""
    return _UNSAFE.sub("\ufffd", _BREAKS.sub("\n", str(text)).replace("\t", " "))


def display_lines(text: str, *, width: int = 36, max_chars: int = 160) -> list[str]:
    """How a piece of registry text is shown: line breaks kept, long lines wrapped at spaces
    (long words split), the whole cut after ``max_chars`` characters with an ellipsis.

    A name may be 500 characters (or, built outside the document parser, any length); a node
    as wide as that would make the diagram useless, so the cut is deliberate.
    """
    return list(_display_lines(text, width, max_chars))


@functools.lru_cache(maxsize=8192)
def _display_lines(text: str, width: int, max_chars: int) -> tuple[str, ...]:
    """`display_lines`, remembered: a diagram shows the same labels (categories, mechanisms,
    countries) on thousands of edges."""
    text = clean(text).strip()
    if len(text) > max_chars:
        text = text[:max_chars].rstrip() + "\u2026"
    lines: list[str] = []
    for paragraph in text.split("\n"):
        wrapped = textwrap.wrap(
            paragraph, width=width, break_long_words=True, break_on_hyphens=False
        )
        lines.extend(wrapped or [""])
    return tuple(lines)


def html_text(text: str) -> str:
    """One line of text, safe inside an HTML-like label."""
    return html.escape(clean(text).replace("\n", " "), quote=True).replace("\\", "\\\\")


@functools.lru_cache(maxsize=8192)
def html_lines(text: str, *, width: int = 36, max_chars: int = 160) -> str:
    """Registry text as label markup: wrapped and cut by `display_lines`, lines joined by BR."""
    return "<BR/>".join(
        html_text(line) for line in display_lines(text, width=width, max_chars=max_chars)
    )


def key_text(text: str, *, max_chars: int = 400) -> str:
    """Keys for a tooltip: anything outside the key alphabet becomes ``?``."""
    text = _KEY_UNSAFE.sub("?", str(text))
    return text if len(text) <= max_chars else text[: max_chars - 1] + "\u2026"


def name_text(text: str, *, max_chars: int = 400) -> str:
    """Names for a tooltip: letters and digits of any script kept, spaces and the key
    punctuation kept, anything else (quotes, backslashes, ``&``, controls, direction marks)
    becomes ``?``."""
    text = _NAME_UNSAFE.sub("?", " ".join(str(text).split()))
    return text if len(text) <= max_chars else text[: max_chars - 1] + "\u2026"


@dataclass(frozen=True, slots=True)
class Html:
    """An HTML-like label whose text parts have already gone through `html_text`."""

    markup: str


_SAFE_VALUE = re.compile(r"[\w #.,:;=/()@?+\u2026-]*")
"""Constants, keys and tooltip names: letters and digits of any script, no quote or backslash."""


def _quote(value: str) -> str:
    if not _SAFE_VALUE.fullmatch(value):
        raise ValueError(f"attribute value {value!r} is not one of the diagram's constants")
    return f'"{value}"'


def _attrs(attrs: dict[str, str | Html]) -> str:
    parts = []
    for name, value in attrs.items():
        if not re.fullmatch(r"[a-z][a-z0-9]*", name):
            raise ValueError(f"attribute name {name!r}")
        text = f"<{value.markup}>" if isinstance(value, Html) else _quote(value)
        parts.append(f"{name}={text}")
    return ", ".join(parts)


# --- the DOT document ------------------------------------------------------------------------


@dataclass(slots=True)
class DotNode:
    id: str
    attrs: dict[str, str | Html]


@dataclass(slots=True)
class DotEdge:
    source: str
    target: str
    attrs: dict[str, str | Html]


@dataclass(slots=True)
class DotCluster:
    id: str
    attrs: dict[str, str | Html]
    clusters: list[DotCluster] = field(default_factory=list)
    nodes: list[DotNode] = field(default_factory=list)


@dataclass(slots=True)
class DotGraph:
    """A directed graph in the order it is written: the caller sorts, this only writes."""

    graph: dict[str, str | Html]
    node_defaults: dict[str, str | Html]
    edge_defaults: dict[str, str | Html]
    clusters: list[DotCluster] = field(default_factory=list)
    nodes: list[DotNode] = field(default_factory=list)
    edges: list[DotEdge] = field(default_factory=list)

    def text(self) -> str:
        out = ["digraph ropa {"]
        out.append(f"  graph [{_attrs(self.graph)}];")
        out.append(f"  node [{_attrs(self.node_defaults)}];")
        out.append(f"  edge [{_attrs(self.edge_defaults)}];")
        for cluster in self.clusters:
            _write_cluster(out, cluster, "  ")
        out.extend(f"  {_id(n.id)} [{_attrs(n.attrs)}];" for n in self.nodes)
        out.extend(f"  {_id(e.source)} -> {_id(e.target)} [{_attrs(e.attrs)}];" for e in self.edges)
        out.append("}")
        return "\n".join(out) + "\n"


def _id(value: str) -> str:
    if not re.fullmatch(r"[a-z][a-z0-9_]*", value):
        raise ValueError(f"node or cluster id {value!r} is not synthetic")
    return value


def _write_cluster(out: list[str], cluster: DotCluster, indent: str) -> None:
    out.append(f"{indent}subgraph {_id(cluster.id)} {{")
    out.append(f"{indent}  graph [{_attrs(cluster.attrs)}];")
    for child in cluster.clusters:
        _write_cluster(out, child, indent + "  ")
    out.extend(f"{indent}  {_id(n.id)} [{_attrs(n.attrs)}];" for n in cluster.nodes)
    out.append(f"{indent}}}")


# --- rendering -------------------------------------------------------------------------------


def dot_binary() -> str | None:
    """Where Graphviz's ``dot`` is, or None when it is not installed."""
    return shutil.which("dot")


def render(dot_text: str, fmt: str, *, timeout: float = DEFAULT_TIMEOUT) -> bytes:
    """Lay out and draw DOT text with Graphviz's ``dot`` in one of `FORMATS`.

    Raises `UnknownFormat`, `RendererUnavailable` (no ``dot``), `RenderTimeout` or
    `RenderFailed`. The DOT source itself, without a layout, is what ``diagram.dot`` returns.
    """
    if fmt not in FORMATS:
        raise UnknownFormat(f"unknown diagram format {fmt!r}; expected one of {', '.join(FORMATS)}")
    binary = dot_binary()
    if binary is None:
        raise RendererUnavailable(
            "Graphviz `dot` is not installed (on Debian: apt-get install graphviz)"
        )
    try:
        done = subprocess.run(
            [binary, f"-T{fmt}"],
            input=dot_text.encode("utf-8"),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise RenderTimeout(
            f"Graphviz `dot` did not finish within {timeout:g} s; "
            "try a collapsed detail level (party or cluster)"
        ) from error
    except OSError as error:
        raise RendererUnavailable(f"Graphviz `dot` could not be started: {error}") from error
    if done.returncode != 0 or not done.stdout:
        message = done.stderr.decode("utf-8", "replace").strip()[:2_000] or "no output"
        status = (
            f"was killed by signal {-done.returncode}"
            if done.returncode < 0
            else f"failed with exit status {done.returncode}"
        )
        raise RenderFailed(f"Graphviz `dot` {status}: {message}")
    return done.stdout
