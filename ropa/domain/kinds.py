"""What the store and the faces need to know about each entity kind.

References between entities, and from entities to vocabularies, are listed here once; the
store checks them on every write and indexes them so that lists can be filtered and a
referenced entity cannot be deleted from under its referrers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ropa.domain import model as m

ORGANISATION_SCOPED = ("activity", "processor_record", "system", "party", "waiver")


@dataclass(frozen=True, slots=True)
class Ref:
    """One value in an entity that names another entity or a vocabulary term."""

    path: str
    """JSON path of the value inside the entity, e.g. ``$.data_categories[2]``."""
    field: str
    """The list filter this value is searchable by, e.g. ``data_category``."""
    target: str
    """An entity kind (``system``) or a vocabulary (``data_category``)."""
    key: str


@dataclass(frozen=True, slots=True)
class KindSpec:
    name: str
    type: type[m.Entity]
    collection: str
    """Name of the list in the registry document, also the URL segment (with - for _)."""
    filters: tuple[str, ...]
    """Query parameters a list of this kind can be filtered by."""
    attributes: Callable[[m.Entity], Iterator[tuple[str, str]]]
    """Plain (non-reference) values to filter by."""
    references: Callable[[m.Entity], Iterator[Ref]]

    @property
    def path(self) -> str:
        return self.collection.replace("_", "-")


# --- references per kind ------------------------------------------------------------------


def _each(path: str, field: str, target: str, keys: list[str] | None) -> Iterator[Ref]:
    for i, key in enumerate(keys or ()):
        yield Ref(f"{path}[{i}]", field, target, key)


def _one(path: str, field: str, target: str, key: str | None) -> Iterator[Ref]:
    if key is not None:
        yield Ref(path, field, target, key)


def _node(path: str, field: str, node: str) -> Iterator[Ref]:
    kind, _, key = node.partition(":")
    yield Ref(path, field, kind, key)


def _transfer(path: str, transfer: m.Transfer | None) -> Iterator[Ref]:
    if transfer is None:
        return
    yield from _one(f"{path}.mechanism", "mechanism", "transfer_mechanism", transfer.mechanism)
    yield from _one(
        f"{path}.destination_country",
        "destination_country",
        "country",
        transfer.destination_country,
    )
    yield from _one(f"{path}.importer", "importer", "party", transfer.importer)


def _organisation_refs(o: m.Entity) -> Iterator[Ref]:
    assert isinstance(o, m.Organisation)
    yield from _one("$.establishment_country", "country", "country", o.establishment_country)


def _term_refs(t: m.Entity) -> Iterator[Ref]:
    return iter(())


def _party_refs(p: m.Entity) -> Iterator[Ref]:
    assert isinstance(p, m.Party)
    yield Ref("$.organisation", "organisation", "organisation", p.organisation)
    yield from _one("$.country", "country", "country", p.country)
    yield from _one("$.sub_processor_of", "sub_processor_of", "party", p.sub_processor_of)


def _system_refs(s: m.Entity) -> Iterator[Ref]:
    assert isinstance(s, m.System)
    yield Ref("$.organisation", "organisation", "organisation", s.organisation)
    yield from _one("$.operator", "operator", "party", s.operator)
    yield from _one("$.hosting_country", "hosting_country", "country", s.hosting_country)


def _activity_refs(a: m.Entity) -> Iterator[Ref]:
    assert isinstance(a, m.Activity)
    yield Ref("$.organisation", "organisation", "organisation", a.organisation)
    yield from _each("$.data_subjects", "data_subject", "data_subject_category", a.data_subjects)
    yield from _each("$.data_categories", "data_category", "data_category", a.data_categories)
    for i, basis in enumerate(a.lawful_bases):
        yield Ref(f"$.lawful_bases[{i}].basis", "lawful_basis", "lawful_basis", basis.basis)
    yield from _one("$.art9_condition", "art9_condition", "art9_condition", a.art9_condition)
    yield from _each("$.recipients", "recipient", "party", a.recipients)
    yield from _each("$.joint_controllers", "joint_controller", "party", a.joint_controllers)
    yield from _each("$.systems", "system", "system", a.systems)
    for i, rule in enumerate(a.retention):
        yield from _one(
            f"$.retention[{i}].data_category", "data_category", "data_category", rule.data_category
        )
    yield from _each("$.risk_indicators", "risk_indicator", "dpia_criterion", a.risk_indicators)


def _processor_record_refs(r: m.Entity) -> Iterator[Ref]:
    assert isinstance(r, m.ProcessorRecord)
    yield Ref("$.organisation", "organisation", "organisation", r.organisation)
    yield from _each("$.data_subjects", "data_subject", "data_subject_category", r.data_subjects)
    yield from _each("$.data_categories", "data_category", "data_category", r.data_categories)
    yield from _each("$.sub_processors", "sub_processor", "party", r.sub_processors)
    for i, transfer in enumerate(r.transfers):
        yield from _transfer(f"$.transfers[{i}]", transfer)


def _flow_refs(f: m.Entity) -> Iterator[Ref]:
    assert isinstance(f, m.Flow)
    yield Ref("$.activity", "activity", "activity", f.activity)
    yield from _node("$.source", "source", f.source)
    yield from _node("$.target", "target", f.target)
    yield from _each("$.data_categories", "data_category", "data_category", f.data_categories)
    yield from _transfer("$.transfer", f.transfer)


def _waiver_refs(w: m.Entity) -> Iterator[Ref]:
    assert isinstance(w, m.Waiver)
    yield Ref("$.organisation", "organisation", "organisation", w.organisation)


# --- plain attributes per kind ------------------------------------------------------------


def _no_attributes(e: m.Entity) -> Iterator[tuple[str, str]]:
    return iter(())


def _organisation_attributes(e: m.Entity) -> Iterator[tuple[str, str]]:
    assert isinstance(e, m.Organisation)
    yield "role", str(e.role)


def _activity_attributes(e: m.Entity) -> Iterator[tuple[str, str]]:
    assert isinstance(e, m.Activity | m.ProcessorRecord)
    yield "status", str(e.status)


def _system_attributes(e: m.Entity) -> Iterator[tuple[str, str]]:
    assert isinstance(e, m.System)
    yield "type", str(e.system_kind)


def _party_attributes(e: m.Entity) -> Iterator[tuple[str, str]]:
    assert isinstance(e, m.Party)
    if e.role is not None:
        yield "role", str(e.role)


def _waiver_attributes(e: m.Entity) -> Iterator[tuple[str, str]]:
    assert isinstance(e, m.Waiver)
    yield "finding", e.finding


def _term_attributes(e: m.Entity) -> Iterator[tuple[str, str]]:
    assert isinstance(e, m.Term)
    yield "vocabulary", str(e.vocabulary)


KINDS: dict[str, KindSpec] = {
    spec.name: spec
    for spec in (
        KindSpec(
            "organisation",
            m.Organisation,
            "organisations",
            ("role", "country"),
            _organisation_attributes,
            _organisation_refs,
        ),
        KindSpec("term", m.Term, "terms", ("vocabulary",), _term_attributes, _term_refs),
        KindSpec(
            "party",
            m.Party,
            "parties",
            ("organisation", "role", "country", "sub_processor_of"),
            _party_attributes,
            _party_refs,
        ),
        KindSpec(
            "system",
            m.System,
            "systems",
            ("organisation", "type", "operator", "hosting_country"),
            _system_attributes,
            _system_refs,
        ),
        KindSpec(
            "activity",
            m.Activity,
            "activities",
            (
                "organisation",
                "status",
                "data_category",
                "data_subject",
                "lawful_basis",
                "recipient",
                "system",
                "risk_indicator",
            ),
            _activity_attributes,
            _activity_refs,
        ),
        KindSpec(
            "processor_record",
            m.ProcessorRecord,
            "processor_records",
            ("organisation", "status", "data_category", "sub_processor"),
            _activity_attributes,
            _processor_record_refs,
        ),
        KindSpec(
            "flow",
            m.Flow,
            "flows",
            (
                "organisation",
                "activity",
                "source",
                "target",
                "data_category",
                "destination_country",
                "mechanism",
            ),
            _no_attributes,
            _flow_refs,
        ),
        KindSpec(
            "waiver",
            m.Waiver,
            "waivers",
            ("organisation", "finding"),
            _waiver_attributes,
            _waiver_refs,
        ),
    )
}
assert tuple(KINDS) == tuple(t.kind for t in m.ENTITY_TYPES)


def index_entries(entity: m.Entity) -> set[tuple[str, str]]:
    """The (field, value) pairs a list of this entity's kind can be filtered by."""
    spec = KINDS[entity.kind]
    entries = set(spec.attributes(entity))
    for ref in spec.references(entity):
        entries.add((ref.field, f"{ref.target}:{ref.key}"))
    return entries


# What a list filter's value names, so ``?system=relay`` matches the index entry
# ``system:relay``. Node filters (source, target) take ``system:<key>`` or ``party:<key>`` as
# given; filters on plain attributes (status, role, ...) match the value itself.
FILTER_TARGETS: dict[str, str] = {
    "activity": "activity",
    "art9_condition": "art9_condition",
    "country": "country",
    "data_category": "data_category",
    "data_subject": "data_subject_category",
    "destination_country": "country",
    "hosting_country": "country",
    "joint_controller": "party",
    "lawful_basis": "lawful_basis",
    "mechanism": "transfer_mechanism",
    "operator": "party",
    "recipient": "party",
    "risk_indicator": "dpia_criterion",
    "sub_processor": "party",
    "sub_processor_of": "party",
    "system": "system",
}


def index_value(field: str, value: str) -> str:
    """The index entry a list filter ``field=value`` matches."""
    target = FILTER_TARGETS.get(field)
    return f"{target}:{value}" if target else value
