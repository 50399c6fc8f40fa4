"""The registry as JSON-LD in the W3C Data Privacy Vocabulary (DPV 2.x) with its GDPR extension.

Every activity is a ``dpv:Process`` with its purposes, personal data, data subjects, legal
bases (``eu-gdpr:A6-1-*`` and ``eu-gdpr:A9-2-*``), recipients, storage conditions and
measures; transfers carry their ``eu-gdpr`` transfer mechanism and ``loc:`` third country;
each organisation's record is a ``dpv:ROPA``. What the DPV has no term for is written in the
``ropa:`` namespace, so that reading the export back (`ropa.input.dpv`) gives the same
registry. The field-by-field mapping is in `ropa.dpv.fields` and ``docs/dpv.md``.

Deterministic: entities in kind and key order, properties in model order.
"""

from __future__ import annotations

from typing import Any

import msgspec

from ropa.domain import model as m
from ropa.domain.kinds import KINDS
from ropa.domain.vocabulary import builtin
from ropa.dpv import fields as f
from ropa.dpv import terms as t
from ropa.render.document import canonical

MEDIA_TYPE = "application/ld+json"
STATED_EMPTY = "ropa:statedEmpty"
"""Fields given as an empty list where the model tells "none" from "not stated"."""

Node = dict[str, Any]


def entity_iri(kind: str, key: str) -> str:
    return f"reg:{kind}/{key}"


class _Writer:
    def __init__(self) -> None:
        self.used: set[tuple[str, str]] = set()
        """Terms named by ropa's own concept: declared at the end of the graph."""

    def term(self, vocabulary: str, key: str) -> str:
        iri = t.term_iri(vocabulary, key)
        if iri.startswith("ropa-term:"):
            self.used.add((vocabulary, key))
        return iri

    def node(self, value: msgspec.Struct, classes: list[str]) -> Node:
        data = msgspec.to_builtins(value)
        node: Node = {"@type": classes}
        empty: list[str] = []
        for slot in f.slots(type(value)):
            raw = data.get(slot.encode_name)
            if raw is None and slot.enum and not slot.many:
                member = getattr(value, slot.name)  # enums are written even when default
                raw = None if member is None else member.value
            if raw is None:
                continue
            if slot.field.as_type:
                assert slot.field.ref is not None
                classes.append(self.term(slot.field.ref.removeprefix("vocabulary:"), raw))
                continue
            if isinstance(slot.type, msgspec.inspect.StructType):
                held = getattr(value, slot.name)
                cls = slot.field.node or f.STRUCT_CLASSES[slot.type.cls]
                items = [self.node(x, [cls]) for x in (held if slot.many else [held])]
            else:
                items = [self.value(slot, x) for x in (raw if slot.many else [raw])]
            if not items:
                empty.append(slot.encode_name)
                continue
            _put(node, slot.field.iri, items, slot.many)
        if empty:
            node[STATED_EMPTY] = empty
        return node

    def value(self, slot: f.Slot, raw: Any) -> Any:
        ref, kind = slot.field.ref, slot.type
        if ref == "node":
            node_kind, _, key = raw.partition(":")
            return {"@id": entity_iri(node_kind, key)}
        if ref is not None and ref.startswith("vocabulary:"):
            return {"@id": self.term(ref.removeprefix("vocabulary:"), raw)}
        if ref is not None:
            return {"@id": entity_iri(ref, raw)}
        if isinstance(kind, msgspec.inspect.StrType):
            if kind.pattern in (m.COUNTRY_PATTERN, m.JURISDICTION_PATTERN):
                return {"@id": f"loc:{raw}"}
            if kind.pattern == m.DURATION_PATTERN:
                return {"@value": raw, "@type": "xsd:duration"}
            if slot.field.node is not None:
                return {"@type": slot.field.node, "dct:description": raw}
            return raw
        if isinstance(kind, msgspec.inspect.DateType):
            return {"@value": raw, "@type": "xsd:date"}
        return raw

    def entity(self, entity: m.Entity) -> Node:
        node: Node = {"@id": entity_iri(entity.kind, entity.key)}
        if isinstance(entity, m.Term):
            node["@id"] = t.own_iri(entity.vocabulary.value, entity.key)
        node.update(self.node(entity, list(f.KIND_CLASSES[entity.kind])))
        if isinstance(entity, m.Term):
            node["skos:broader"] = [{"@id": iri} for iri in _term_broader(entity)]
        return node

    def declarations(self, custom: set[tuple[str, str]]) -> list[Node]:
        """ropa's own concepts that the graph names, each narrower than its DPV concept."""
        labels = _labels()
        nodes = []
        for vocabulary, key in sorted(self.used - custom):
            node: Node = {
                "@id": t.own_iri(vocabulary, key),
                "@type": ["skos:Concept"],
                "skos:notation": key,
            }
            label = labels.get((vocabulary, key))
            if label:
                node["skos:prefLabel"] = label
            node["skos:broader"] = [{"@id": t.concept(vocabulary, key).iri}]
            nodes.append(node)
        return nodes


def _put(node: Node, iri: str, items: list[Any], many: bool) -> None:
    """One value stands alone; a list, or a property two fields share, is an array."""
    held = node.get(iri)
    if held is None:
        node[iri] = items if many else items[0]
    elif isinstance(held, list):
        held.extend(items)
    else:
        node[iri] = [held, *items]


def _term_broader(term: m.Term) -> list[str]:
    """The DPV concepts a keeper's own category is narrower than, from what it says of
    itself."""
    if term.vocabulary is m.Vocabulary.DATA_SUBJECT_CATEGORY:
        return ["dpv:DataSubject"]
    found = [
        iri
        for iri, holds in (
            ("dpv:SpecialCategoryPersonalData", term.special),
            ("pd:Criminal", term.criminal),
        )
        if holds
    ]
    return found or ["dpv:PersonalData"]


def _labels() -> dict[tuple[str, str], str]:
    vocab = builtin()
    labels: dict[tuple[str, str], str] = {}
    for vocabulary, entries in (
        ("data_category", vocab.data_categories),
        ("data_subject_category", vocab.data_subject_categories),
    ):
        for key, entry in entries.items():
            labels[(vocabulary, key)] = entry.label
    for vocabulary, titled in (
        ("transfer_mechanism", vocab.transfer_mechanisms),
        ("dpia_criterion", vocab.dpia_criteria),
    ):
        for key, item in titled.items():
            labels[(vocabulary, key)] = item.title
    return labels


def _records(document: m.RegistryDocument) -> list[Node]:
    """Each organisation's record of processing activities, as a ``dpv:ROPA``."""
    processes: dict[str, list[Node]] = {}
    entries: list[m.Activity | m.ProcessorRecord] = [
        *document.activities,
        *document.processor_records,
    ]
    for entry in entries:
        processes.setdefault(entry.organisation, []).append(
            {"@id": entity_iri(entry.kind, entry.key)}
        )
    nodes = []
    for organisation in document.organisations:
        node: Node = {"@id": f"reg:record/{organisation.key}", "@type": ["dpv:ROPA"]}
        who = {"@id": entity_iri("organisation", organisation.key)}
        if organisation.role is not m.OrganisationRole.PROCESSOR:
            node["dpv:hasDataController"] = [who]
        if organisation.role is not m.OrganisationRole.CONTROLLER:
            node["dpv:hasDataProcessor"] = [who]
        node["dpv:hasProcess"] = processes.get(organisation.key, [])
        nodes.append(node)
    return nodes


def graph(document: m.RegistryDocument) -> dict[str, Any]:
    """The JSON-LD object: the context, then the entities, the concepts and the records."""
    document = canonical(document)
    writer = _Writer()
    nodes = [
        writer.entity(entity)
        for spec in KINDS.values()
        for entity in getattr(document, spec.collection)
    ]
    custom = {(term.vocabulary.value, term.key) for term in document.terms}
    return {
        "@context": dict(t.PREFIXES),
        "@graph": [*nodes, *writer.declarations(custom), *_records(document)],
    }


def dump_dpv(document: m.RegistryDocument) -> bytes:
    """The registry as DPV JSON-LD text: the same registry gives the same bytes."""
    return msgspec.json.format(msgspec.json.encode(graph(document)), indent=2) + b"\n"
