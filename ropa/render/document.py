"""The registry document out: canonical, deterministic JSON and YAML encoding.

Parsing a document (strict JSON/YAML, duplicate keys, loading into the model) is in
`ropa.input.document`.
"""

from __future__ import annotations

import re
from typing import Literal

import msgspec
import yaml

from ropa.domain import model as m
from ropa.domain.kinds import KINDS

Format = Literal["json", "yaml"]


class _Dumper(yaml.SafeDumper):
    """SafeDumper that escapes what YAML would otherwise read back differently."""


# Characters YAML treats as line breaks, or cannot print, inside plain or single-quoted text.
_NEEDS_ESCAPES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff]")


# Plain scalars a YAML 1.2 reader takes for a number, boolean or null. PyYAML (YAML 1.1) leaves
# some of them unquoted (e.g. 1e+100, 0o17), which other tools would then read as non-text.
_YAML12_NON_STRING = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|0o[0-7]+|0x[0-9a-fA-F]+"
    r"|true|True|TRUE|false|False|FALSE|null|Null|NULL|~)$"
)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = None
    if _NEEDS_ESCAPES.search(value):
        style = '"'
    elif _YAML12_NON_STRING.match(value):
        style = "'"
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def canonical(document: m.RegistryDocument) -> m.RegistryDocument:
    """The same document with every collection in key order."""
    return msgspec.structs.replace(
        document,
        **{
            spec.collection: sorted(getattr(document, spec.collection), key=lambda e: e.key)
            for spec in KINDS.values()
        },
    )


def dump_document(document: m.RegistryDocument, fmt: Format) -> bytes:
    """Deterministic text: collections in key order, fields in model order, defaults left out."""
    document = canonical(document)
    if fmt == "json":
        return msgspec.json.format(msgspec.json.encode(document), indent=2) + b"\n"
    text = yaml.dump(
        msgspec.to_builtins(document),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=100,
        default_flow_style=False,
    )
    return text.encode("utf-8")


def format_of(name_or_type: str | None) -> Format:
    """``json`` or ``yaml`` from a file name or a media type (YAML when unsure of text)."""
    value = (name_or_type or "").lower()
    if value.endswith(".json") or "json" in value:
        return "json"
    return "yaml"
