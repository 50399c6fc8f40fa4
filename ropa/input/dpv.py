"""A registry document from DPV JSON-LD, as `ropa.render.dpv` writes it.

The JSON-LD is expanded by pyld (with every remote context refused: the reader never fetches
anything), then each node whose class names a registry kind (``ropa:Activity``, ...) is read
back field by field through the same table the export uses (`ropa.dpv.fields`). Nodes of
other classes, such as the ``dpv:ROPA`` records and the concept declarations, are derived
from the entities and not read. The result is a plain registry document, which then goes
through the normal import.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NoReturn

import msgspec
from pyld import jsonld  # type: ignore[import-untyped]  # pyld ships no type information

from ropa.domain import model as m
from ropa.domain.kinds import KINDS
from ropa.domain.validation import InvalidInput, Problem
from ropa.dpv import fields as f
from ropa.dpv import terms as t
from ropa.input.document import load_data, parse_document
from ropa.render.dpv import STATED_EMPTY

_TYPE = "@type"
_DESCRIPTION = t.expand("dct:description")
_KINDS = {t.expand(classes[0]): kind for kind, classes in f.KIND_CLASSES.items()}
_LOC = t.LOC
_REGISTRY = t.REGISTRY


class _RemoteRefused(jsonld.JsonLdError):  # type: ignore[misc]  # pyld is untyped
    """A remote context the reader would not fetch."""


def _no_remote(url: str, options: Any = None) -> NoReturn:
    raise _RemoteRefused(
        f"remote contexts are not loaded: {url}",
        "jsonld.LoadDocumentError",
        code="loading document failed",
    )


class _Misfit(Exception):
    """A value the registry cannot take; reported with the node and property."""


def expanded(raw: bytes) -> list[dict[str, Any]]:
    """The JSON-LD in expanded form; InvalidInput (400) when it is not JSON-LD."""
    data = load_data(raw, "json")
    if not isinstance(data, dict):
        # pyld would take a string for the URL of a document to fetch; the registry is one
        # object, as documented and as `ropa export dpv` writes it
        raise InvalidInput(
            [
                Problem(
                    "$",
                    "not a registry in JSON-LD: send one JSON object with @context and @graph, "
                    "as `ropa export dpv` writes it",
                )
            ],
            400,
        )
    try:
        result = jsonld.expand(data, {"documentLoader": _no_remote})
    except jsonld.JsonLdError as error:
        raise InvalidInput([Problem("$", f"not valid JSON-LD: {_reason(error)}")], 400) from error
    except (TypeError, ValueError, KeyError, AttributeError, IndexError) as error:
        # pyld trusts some shapes it is given; what it trips over is not JSON-LD either
        raise InvalidInput([Problem("$", "not valid JSON-LD")], 400) from error
    return [node for node in result if isinstance(node, dict)]


def _reason(error: BaseException) -> str:
    """What went wrong: the innermost error pyld wraps, where it is the reader's refusal of a
    remote context, else pyld's own message."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, _RemoteRefused):
            return str(seen.args[0])
        details = getattr(seen, "details", None)
        cause = details.get("cause") if isinstance(details, dict) else None
        seen = cause if isinstance(cause, BaseException) else seen.__cause__
    return str(error.args[0]) if error.args else type(error).__name__


def _kind(node: dict[str, Any]) -> str | None:
    for cls in node.get(_TYPE, ()):
        if cls in _KINDS:
            return _KINDS[cls]
    return None


class _Reader:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def struct(
        self,
        node: dict[str, Any],
        struct: type[msgspec.Struct],
        classes: tuple[str, ...],
        where: str,
    ) -> dict[str, Any]:
        """The plain data of one struct from its node."""
        data: dict[str, Any] = {}
        empty = {v.get("@value") for v in node.get(t.expand(STATED_EMPTY), ())}
        own = {t.expand(c) for c in classes}
        for slot in f.slots(struct):
            at = f"{where} {slot.field.iri}" if not slot.field.as_type else f"{where} @type"
            try:
                value = self.slot(node, slot, own, at)
            except _Misfit as misfit:
                self.problems.append(Problem(at, str(misfit)))
                continue
            if value is not None:
                data[slot.encode_name] = value
            elif slot.encode_name in empty:
                data[slot.encode_name] = []
        return data

    def slot(self, node: dict[str, Any], slot: f.Slot, own: set[str], at: str) -> Any:
        if slot.field.as_type:
            assert slot.field.ref is not None
            vocabulary = slot.field.ref.removeprefix("vocabulary:")
            keys = [
                key
                for cls in node.get(_TYPE, ())
                if cls not in own and (key := t.term_key(vocabulary, cls)) is not None
            ]
            if len(keys) > 1:
                raise _Misfit(f"names {len(keys)} {vocabulary} terms; one is expected")
            return keys[0] if keys else None
        values = [v for v in node.get(t.expand(slot.field.iri), ()) if self.fits(slot, v)]
        if not values:
            return None
        items = [self.value(slot, v, f"{at}[{i}]") for i, v in enumerate(values)]
        if slot.many:
            return items
        if len(items) > 1:
            raise _Misfit(f"has {len(items)} values; one is expected")
        return items[0]

    @staticmethod
    def fits(slot: f.Slot, value: dict[str, Any]) -> bool:
        """Whether a value is of this field's shape, where two fields share a property: a
        reference (``@id`` only), a node of its own (no ``@id``) or a literal (``@value``)."""
        if "@value" in value:
            return slot.field.ref is None and slot.field.node is None
        if "@id" in value:
            return not isinstance(slot.type, msgspec.inspect.StructType) and (
                slot.field.ref is not None or _is_place(slot)
            )
        return isinstance(slot.type, msgspec.inspect.StructType) or slot.field.node is not None

    def value(self, slot: f.Slot, value: dict[str, Any], at: str) -> Any:
        kind = slot.type
        if isinstance(kind, msgspec.inspect.StructType):
            cls = slot.field.node or f.STRUCT_CLASSES[kind.cls]
            return self.struct(value, kind.cls, (cls,), at)
        if slot.field.node is not None:
            texts = [v.get("@value") for v in value.get(_DESCRIPTION, ())]
            if len(texts) != 1 or not isinstance(texts[0], str):
                raise _Misfit("a text node has one dct:description")
            return texts[0]
        if "@id" in value:
            return self.reference(slot, value["@id"])
        literal = value.get("@value")
        if isinstance(kind, msgspec.inspect.BoolType | msgspec.inspect.IntType):
            return literal
        if not isinstance(literal, str):
            raise _Misfit(f"`{literal}` is not text")
        return literal

    def reference(self, slot: f.Slot, iri: str) -> str:
        ref = slot.field.ref
        if ref is None:  # a country or a jurisdiction
            if iri.startswith(_LOC):
                return iri[len(_LOC) :]
            raise _Misfit(f"<{iri}> is not a loc: country")
        if ref.startswith("vocabulary:"):
            vocabulary = ref.removeprefix("vocabulary:")
            key = t.term_key(vocabulary, iri)
            if key is None:
                raise _Misfit(f"<{iri}> names no {vocabulary} term")
            return key
        kinds = ("system", "party") if ref == "node" else (ref,)
        for kind in kinds:
            prefix = f"{_REGISTRY}{kind}/"
            if iri.startswith(prefix) and len(iri) > len(prefix):
                key = iri[len(prefix) :]
                return f"{kind}:{key}" if ref == "node" else key
        raise _Misfit(f"<{iri}> names no {' or '.join(kinds)} of the registry")


def _is_place(slot: f.Slot) -> bool:
    kind = slot.type
    return isinstance(kind, msgspec.inspect.StrType) and kind.pattern in (
        m.COUNTRY_PATTERN,
        m.JURISDICTION_PATTERN,
    )


def _collections(nodes: list[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    reader = _Reader()
    for i, node in enumerate(nodes):
        kind = _kind(node)
        if kind is None:
            continue
        where = node.get("@id", f"$[{i}]")
        spec = KINDS[kind]
        yield spec.collection, reader.struct(node, spec.type, f.KIND_CLASSES[kind], where)
    if reader.problems:
        raise InvalidInput(reader.problems)


def is_jsonld(name_or_type: str | None) -> bool:
    """Whether a file name (``.jsonld``) or a media type (``application/ld+json``) is
    JSON-LD."""
    value = (name_or_type or "").lower()
    return value.endswith(".jsonld") or "ld+json" in value


def parse_dpv(raw: bytes) -> m.RegistryDocument:
    """A registry document from DPV JSON-LD; InvalidInput naming the node and property of
    each value that does not fit."""
    data: dict[str, Any] = {spec.collection: [] for spec in KINDS.values()}
    for collection, entity in _collections(expanded(raw)):
        data[collection].append(entity)
    # Read as a registry document is: every value checked, keys unique per collection.
    return parse_document(msgspec.json.encode(data), "json")
