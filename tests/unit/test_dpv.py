"""The registry as DPV JSON-LD: read back to the same registry, valid RDF, stable bytes."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any

import msgspec
import pytest
import rdflib
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib.namespace import RDF, SKOS

from ropa.domain import model as m
from ropa.domain.kinds import KINDS
from ropa.domain.validation import InvalidInput
from ropa.dpv import fields as f
from ropa.dpv import terms as t
from ropa.input.document import parse_document
from ropa.input.dpv import parse_dpv
from ropa.render.document import canonical
from ropa.render.dpv import dump_dpv
from tests.strategies import registries

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "softphone-provider.yaml"
DPV = rdflib.Namespace(t.DPV)
EU_GDPR = rdflib.Namespace(t.EU_GDPR)
ROPA = rdflib.Namespace(t.ROPA)


def _example() -> m.RegistryDocument:
    return parse_document(EXAMPLE.read_bytes(), "yaml")


# --- strategies: any value the model admits, field by field --------------------------------

_PATTERNS = {
    m.KEY_PATTERN: st.from_regex(r"[a-z0-9][a-z0-9._-]{0,8}", fullmatch=True),
    m.NODE_PATTERN: st.tuples(
        st.sampled_from(["system", "party"]),
        st.from_regex(r"[a-z0-9][a-z0-9._-]{0,8}", fullmatch=True),
    ).map(":".join),
    m.DURATION_PATTERN: st.sampled_from(["P30D", "P6M", "P1Y6M", "PT72H", "P2W"]),
    m.COUNTRY_PATTERN: st.sampled_from(["DE", "US", "IN", "GB", "CH"]),
    m.JURISDICTION_PATTERN: st.sampled_from(["EU", "DE", "GB"]),
    m.FINDING_PATTERN: st.just("RETENTION-MISSING@activity:push"),
}
_TEXT = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=12)


def _of(kind: msgspec.inspect.Type) -> st.SearchStrategy[Any]:
    """Plain data of a type, as a registry document holds it."""
    if isinstance(kind, msgspec.inspect.Metadata):
        return _of(kind.type)
    if isinstance(kind, msgspec.inspect.UnionType):
        return st.one_of([_of(x) for x in kind.types])
    if isinstance(kind, msgspec.inspect.NoneType):
        return st.none()
    if isinstance(kind, msgspec.inspect.StrType):
        if kind.pattern is not None:
            return _PATTERNS[kind.pattern]
        return _TEXT.filter(lambda s: len(s) >= (kind.min_length or 0))
    if isinstance(kind, msgspec.inspect.BoolType):
        return st.booleans()
    if isinstance(kind, msgspec.inspect.IntType):
        return st.integers(kind.ge if kind.ge is not None else 0, kind.le or 10_000)
    if isinstance(kind, msgspec.inspect.DateType):
        return st.dates().map(str)
    if isinstance(kind, msgspec.inspect.EnumType):
        return st.sampled_from([member.value for member in kind.cls])
    if isinstance(kind, msgspec.inspect.ListType):
        return st.lists(_of(kind.item_type), max_size=2)
    if isinstance(kind, msgspec.inspect.StructType):
        return _struct(kind)
    raise AssertionError(f"no strategy for {kind}")


def _struct(kind: msgspec.inspect.StructType) -> st.SearchStrategy[dict[str, Any]]:
    required = {f.encode_name: _of(f.type) for f in kind.fields if f.required}
    optional = {f.encode_name: _of(f.type) for f in kind.fields if not f.required}
    return st.fixed_dictionaries(required, optional=optional)


@st.composite
def any_documents(draw: st.DrawFn) -> m.RegistryDocument:
    """A registry document using every field, with values that need not refer to anything: the
    DPV layer must carry them all, whatever they say."""
    data: dict[str, Any] = {}
    for spec in KINDS.values():
        entities = draw(st.lists(_of(msgspec.inspect.type_info(spec.type)), max_size=2))
        for i, entity in enumerate(entities):
            entity["key"] = f"{spec.name}-{i}"
            if spec.type is m.Term:  # terms and built-in categories share one key space
                entity["key"] = f"custom-{i}"
        data[spec.collection] = entities
    return msgspec.convert(data, m.RegistryDocument)


def _round_trip(document: m.RegistryDocument) -> None:
    assert parse_dpv(dump_dpv(document)) == canonical(document)


# --- round trip -------------------------------------------------------------------------


def test_example_registry_reads_back_the_same() -> None:
    document = _example()
    assert document.activities and document.flows
    _round_trip(document)


@given(document=registries())
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_generated_registries_read_back_the_same(document: m.RegistryDocument) -> None:
    _round_trip(document)


@given(document=any_documents())
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_every_field_reads_back_the_same(document: m.RegistryDocument) -> None:
    _round_trip(document)


def test_none_stated_is_not_nothing_said() -> None:
    """``recipients: []`` (none) and no recipients (not stated) stay apart."""
    document = _example()
    activity = document.activities[0]
    for recipients in ([], None):
        changed = msgspec.structs.replace(activity, recipients=recipients)
        back = parse_dpv(dump_dpv(msgspec.structs.replace(document, activities=[changed])))
        assert back.activities[0].recipients == recipients


# --- deterministic output ---------------------------------------------------------------


def test_same_registry_gives_the_same_bytes_whatever_the_order() -> None:
    document = _example()
    shuffled = {
        spec.collection: random.Random(7).sample(
            getattr(document, spec.collection), len(getattr(document, spec.collection))
        )
        for spec in KINDS.values()
    }
    assert dump_dpv(document) == dump_dpv(msgspec.structs.replace(document, **shuffled))


# --- valid RDF, in the DPV's terms ------------------------------------------------------


@pytest.fixture(scope="module")
def example_graph() -> rdflib.Graph:
    graph = rdflib.Graph()
    graph.parse(data=dump_dpv(_example()), format="json-ld")
    return graph


def _iri(kind: str, key: str) -> rdflib.URIRef:
    return rdflib.URIRef(f"{t.REGISTRY}{kind}/{key}")


def test_every_activity_is_a_dpv_process_with_what_article_30_asks(
    example_graph: rdflib.Graph,
) -> None:
    document = _example()
    g = example_graph
    for activity in document.activities:
        node = _iri("activity", activity.key)
        assert (node, RDF.type, DPV.Process) in g
        assert (node, DPV.hasDataController, _iri("organisation", activity.organisation)) in g
        purposes = set(g.objects(node, DPV.hasPurpose))
        assert len(purposes) == len(activity.purposes) + len(activity.purpose_kinds)
        assert {str(o) for p in purposes for o in g.objects(p, rdflib.DCTERMS.description)} == set(
            activity.purposes
        )
        bases = {
            cls
            for b in g.objects(node, DPV.hasLegalBasis)
            for cls in g.objects(b, RDF.type)
            if str(cls).startswith(t.EU_GDPR + "A6-1-")
        }
        assert bases == {
            rdflib.URIRef(t.expand(t.TERMS["lawful_basis"][b.basis].iri))
            for b in activity.lawful_bases
        }
        if activity.art9_condition:
            condition = t.TERMS["art9_condition"][activity.art9_condition].iri
            assert (node, DPV.hasLegalBasis, rdflib.URIRef(t.expand(condition))) in g
        assert len(set(g.objects(node, DPV.hasPersonalData))) == len(activity.data_categories)
        assert len(set(g.objects(node, DPV.hasDataSubject))) == len(activity.data_subjects)
        recipients = {_iri("party", p) for p in activity.recipients or []}
        assert recipients <= set(g.objects(node, DPV.hasRecipient))
        assert len(set(g.objects(node, DPV.hasStorageCondition))) == len(activity.retention)


def test_each_organisation_has_a_ropa_of_its_processes(example_graph: rdflib.Graph) -> None:
    document = _example()
    for organisation in document.organisations:
        (record,) = set(
            example_graph.subjects(DPV.hasDataController, _iri("organisation", organisation.key))
        ) & set(example_graph.subjects(RDF.type, DPV.ROPA))
        listed = set(example_graph.objects(record, DPV.hasProcess))
        own = [a for a in document.activities if a.organisation == organisation.key]
        assert listed == {_iri("activity", a.key) for a in own}


def test_transfers_name_their_gdpr_mechanism_and_third_country(
    example_graph: rdflib.Graph,
) -> None:
    document = _example()
    transfers = [flow for flow in document.flows if flow.transfer and flow.transfer.mechanism]
    assert transfers
    for flow in transfers:
        assert flow.transfer is not None and flow.transfer.mechanism is not None
        (node,) = example_graph.objects(_iri("flow", flow.key), ROPA.transfer)
        assert (node, RDF.type, DPV.CrossBorderTransfer) in example_graph
        if flow.transfer.destination_country:
            country = rdflib.URIRef(t.LOC + flow.transfer.destination_country)
            assert (node, DPV.hasThirdCountry, country) in example_graph
        (mechanism,) = example_graph.objects(node, DPV.hasLegalBasis)
        mapped = t.concept("transfer_mechanism", flow.transfer.mechanism)
        broader = set(example_graph.objects(mechanism, SKOS.broader))
        assert mechanism == rdflib.URIRef(t.expand(mapped.iri)) or broader == {
            rdflib.URIRef(t.expand(mapped.iri))
        }


def test_own_concepts_are_declared_narrower_than_a_dpv_concept(
    example_graph: rdflib.Graph,
) -> None:
    named = {
        o
        for _, p, o in example_graph
        if isinstance(o, rdflib.URIRef) and str(o).startswith(t.ROPA_TERM) and p != RDF.type
    }
    assert named
    for concept in named:
        broader = set(example_graph.objects(concept, SKOS.broader))
        assert broader, concept
        assert all(str(b).startswith(("https://w3id.org/dpv", str(SKOS))) for b in broader)


# --- reading JSON-LD that does not fit --------------------------------------------------


def _with_graph(change: Any) -> bytes:
    data = json.loads(dump_dpv(_example()))
    change(data)
    return json.dumps(data).encode()


def test_remote_contexts_are_never_fetched() -> None:
    raw = json.dumps({"@context": "https://example.invalid/context.jsonld", "@graph": []})
    with pytest.raises(InvalidInput) as error:
        parse_dpv(raw.encode())
    assert error.value.status == 400
    assert "remote contexts are not loaded" in error.value.problems[0].message


def test_not_json_is_a_400() -> None:
    with pytest.raises(InvalidInput) as error:
        parse_dpv(b"{not json")
    assert error.value.status == 400


def _activity(data: dict[str, Any]) -> dict[str, Any]:
    return next(n for n in data["@graph"] if "ropa:Activity" in n.get("@type", ()))


def test_a_term_the_registry_does_not_know_is_named_with_its_node() -> None:
    def unknown_category(data: dict[str, Any]) -> None:
        _activity(data)["dpv:hasPersonalData"] = [{"@id": "https://example.invalid/x"}]

    with pytest.raises(InvalidInput) as error:
        parse_dpv(_with_graph(unknown_category))
    (problem,) = error.value.problems
    assert problem.path.startswith(f"{t.REGISTRY}activity/")
    assert "dpv:hasPersonalData" in problem.path
    assert "names no data_category term" in problem.message


def test_two_values_for_a_single_field_is_a_problem() -> None:
    def two_titles(data: dict[str, Any]) -> None:
        _activity(data)["dct:title"] = ["one", "two"]

    with pytest.raises(InvalidInput) as error:
        parse_dpv(_with_graph(two_titles))
    assert "has 2 values; one is expected" in error.value.problems[0].message


def test_a_missing_required_field_is_reported_as_in_a_registry_document() -> None:
    def untitled(data: dict[str, Any]) -> None:
        del _activity(data)["dct:title"]

    with pytest.raises(InvalidInput) as error:
        parse_dpv(_with_graph(untitled))
    assert error.value.status == 422
    assert any(p.path.startswith("$.activities[") for p in error.value.problems)


# --- the mapping table ------------------------------------------------------------------


def _structs() -> list[type[msgspec.Struct]]:
    found: list[type[msgspec.Struct]] = []

    def walk(kind: msgspec.inspect.Type) -> None:
        if isinstance(kind, msgspec.inspect.Metadata):
            walk(kind.type)
        elif isinstance(kind, msgspec.inspect.UnionType):
            for x in kind.types:
                walk(x)
        elif isinstance(kind, msgspec.inspect.ListType):
            walk(kind.item_type)
        elif isinstance(kind, msgspec.inspect.StructType) and kind.cls not in found:
            found.append(kind.cls)
            for field in kind.fields:
                walk(field.type)

    for spec in KINDS.values():
        walk(msgspec.inspect.type_info(spec.type))
    return found


def test_every_key_field_says_what_it_names() -> None:
    for struct in _structs():
        for slot in f.slots(struct):
            if (
                isinstance(slot.type, msgspec.inspect.StrType)
                and slot.type.pattern == m.KEY_PATTERN
                and slot.name != "key"
            ):
                assert slot.field.ref is not None, f"{struct.__name__}.{slot.name}"


def test_references_agree_with_the_store() -> None:
    """What a key names here is what the store checks it against (ropa.domain.kinds)."""
    document = _example()
    for spec in KINDS.values():
        for entity in getattr(document, spec.collection):
            for ref in spec.references(entity):
                name = re.match(r"\$\.(\w+)", ref.path)
                assert name is not None
                slot = next(s for s in f.slots(spec.type) if s.encode_name == name.group(1))
                if ref.target == "country" or slot.field.ref is None:
                    continue  # a nested struct's field, or a loc: country
                if slot.field.ref == "node":
                    assert ref.target in ("system", "party")
                else:
                    assert slot.field.ref.removeprefix("vocabulary:") == ref.target, ref


def test_fields_sharing_a_property_differ_in_shape() -> None:
    """A reference, a node of its own and a literal can share a property; two of a kind
    could not be told apart when read back."""
    for struct in _structs():
        seen: dict[str, set[str]] = {}
        for slot in f.slots(struct):
            if slot.field.as_type:
                continue
            shape = (
                "node"
                if isinstance(slot.type, msgspec.inspect.StructType) or slot.field.node
                else "reference"
                if slot.field.ref is not None
                else "literal"
            )
            shapes = seen.setdefault(slot.field.iri, set())
            assert shape not in shapes, f"{struct.__name__}.{slot.name}"
            shapes.add(shape)


def test_exact_concepts_name_one_term_each() -> None:
    for vocabulary, terms in t.TERMS.items():
        exact = [c.iri for c in terms.values() if c.exact]
        assert len(exact) == len(set(exact)), vocabulary
        for key in terms:
            assert t.term_key(vocabulary, t.expand(t.term_iri(vocabulary, key))) == key


def test_every_enumeration_has_its_vocabulary() -> None:
    for struct in _structs():
        for slot in f.slots(struct):
            if slot.enum:
                assert slot.field.ref is not None
                vocabulary = slot.field.ref.removeprefix("vocabulary:")
                assert vocabulary in t.TERMS and vocabulary in t.BROADEST


def test_docs_list_every_field() -> None:
    """docs/dpv.md has one row per field, with the property it is written as."""
    docs = (Path(__file__).resolve().parents[2] / "docs" / "dpv.md").read_text()
    missing = [
        row
        for struct in _structs()
        for slot in f.slots(struct)
        if (row := f"| {struct.__name__}.{slot.encode_name} | `{_written_as(slot)}` |") not in docs
    ]
    assert not missing, "\n".join(missing)


def _written_as(slot: f.Slot) -> str:
    return "@type" if slot.field.as_type else slot.field.iri
