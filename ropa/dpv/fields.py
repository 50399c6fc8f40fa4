"""Which property each field of the model is written as, and what its values name.

One table serves the export and the import, so the two cannot drift apart. A field not in the
table is written as ``ropa:<field>`` (the DPV has no term for it); `docs/dpv.md` lists both.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Final

import msgspec

from ropa.domain import model as m


@dataclass(frozen=True, slots=True)
class Field:
    iri: str
    """Compact IRI of the property."""
    ref: str | None = None
    """What a key in the field names: an entity kind (``party``), ``node`` for
    ``system:<key>``/``party:<key>``, or a vocabulary (``vocabulary:data_category``)."""
    node: str | None = None
    """Text written as a node of this class with the text as its ``dct:description``
    (``dpv:Purpose``), or, for a nested struct, the class of its node."""
    as_type: bool = False
    """The term is written as the class of the struct's own node rather than as a property
    (a legal basis node is ``a eu-gdpr:A6-1-f``)."""


def _entity(iri: str, kind: str) -> Field:
    return Field(iri, ref=kind)


def _vocabulary(iri: str, vocabulary: str) -> Field:
    return Field(iri, ref=f"vocabulary:{vocabulary}")


def _text(iri: str, node: str) -> Field:
    return Field(iri, node=node)


def _nested(iri: str, node: str) -> Field:
    return Field(iri, node=node)


KIND_CLASSES: Final[dict[str, tuple[str, ...]]] = {
    "organisation": ("ropa:Organisation", "dpv:LegalEntity"),
    "term": ("ropa:Term", "skos:Concept"),
    "party": ("ropa:Party", "dpv:LegalEntity"),
    "system": ("ropa:System", "dpv:Technology"),
    "activity": ("ropa:Activity", "dpv:Process"),
    "processor_record": ("ropa:ProcessorRecord", "dpv:Process"),
    "flow": ("ropa:Flow", "dpv:Process"),
    "waiver": ("ropa:Waiver",),
}
"""The classes of each entity's node; the first names the kind when the export is read back."""

STRUCT_CLASSES: Final[dict[type[msgspec.Struct], str]] = {
    m.Contact: "dpv:Entity",
    m.LawCitation: "dpv:Law",
    m.LawfulBasis: "ropa:LawfulBasis",
    m.Retention: "dpv:StorageDuration",
    m.Dpia: "dpv:DPIA",
    m.AutomatedDecision: "dpv:AutomatedDecisionMaking",
    m.Contract: "dpv:LegalAgreement",
    m.DpfCertification: "dpv:Certification",
    m.Transfer: "dpv:CrossBorderTransfer",
    m.TerritorialScope: "ropa:TerritorialScope",
    m.CommunicationsService: "ropa:CommunicationsService",
    m.Statements: "ropa:Statements",
    m.RecipientCategory: "dpv:Recipient",
    m.DeviceAccess: "ropa:DeviceAccess",
    m.BreachLog: "dpv:DataBreachRecord",
    m.Schedule1Policy: "ropa:Schedule1Policy",
}
"""The class of a nested struct's node (a field's `Field.node` can name a closer one)."""

_COMMON: Final[dict[str, Field]] = {
    "key": Field("dct:identifier"),
    "description": Field("dct:description"),
    "notes": Field("skos:note"),
    "status": _vocabulary("dpv:hasActivityStatus", "activity_status"),
    "last_reviewed": Field("ropa:lastReviewed"),
    "security_measures": _text(
        "dpv:hasTechnicalOrganisationalMeasure", "dpv:TechnicalOrganisationalMeasure"
    ),
    "data_subjects": _vocabulary("dpv:hasDataSubject", "data_subject_category"),
    "data_categories": _vocabulary("dpv:hasPersonalData", "data_category"),
    "systems": _entity("dpv:isImplementedUsingTechnology", "system"),
    "risk_indicators": _vocabulary("dpv:hasContext", "dpia_criterion"),
    "transfer": _nested("ropa:transfer", "dpv:CrossBorderTransfer"),
    "transfers": _nested("ropa:transfer", "dpv:CrossBorderTransfer"),
}
"""Fields that mean the same wherever they occur."""

FIELDS: Final[dict[type[msgspec.Struct], dict[str, Field]]] = {
    m.Contact: {
        "name": Field("dpv:hasName"),
        "address": Field("dpv:hasAddress"),
    },
    m.LawCitation: {
        "title": Field("dct:title"),
        "jurisdiction": Field("dpv:hasJurisdiction"),
    },
    m.LawfulBasis: {
        "basis": Field("rdf:type", ref="vocabulary:lawful_basis", as_type=True),
        "law": _nested("dpv:hasApplicableLaw", "dpv:Law"),
        "consent_record": Field("ropa:consentRecord"),
        "consent_mechanism": _vocabulary("ropa:consentMechanism", "consent_mechanism"),
    },
    m.Retention: {
        "data_category": _vocabulary("dpv:hasPersonalData", "data_category"),
        "period": Field("dpv:hasDuration"),
    },
    m.Dpia: {
        "status": _vocabulary("dpv:hasStatus", "dpia_status"),
        "reference": Field("dpv:hasIdentifier"),
    },
    m.AutomatedDecision: {"ground": _vocabulary("ropa:art22Ground", "art22_ground")},
    m.Contract: {"reference": Field("dpv:hasIdentifier")},
    m.Transfer: {
        "destination_country": Field("dpv:hasThirdCountry"),
        "mechanism": _vocabulary("dpv:hasLegalBasis", "transfer_mechanism"),
        "frequency": _vocabulary("dpv:hasFrequency", "transfer_frequency"),
        "importer": _entity("dpv:hasDataImporter", "party"),
    },
    m.TerritorialScope: {},
    m.CommunicationsService: {"countries": Field("dpv:hasCountry")},
    m.Statements: {},
    m.RecipientCategory: {
        "label": Field("dpv:hasName"),
        "role": _vocabulary("ropa:role", "party_role"),
        "countries": Field("dpv:hasCountry"),
    },
    m.DeviceAccess: {"consent_record": Field("ropa:consentRecord")},
    m.BreachLog: {},
    m.Schedule1Policy: {},
    m.Organisation: {
        "name": Field("dpv:hasName"),
        "role": Field("rdf:type", ref="vocabulary:organisation_role", as_type=True),
        "contact": _nested("dpv:hasContact", "dpv:Entity"),
        "dpo": _nested("dpv:hasDataProtectionOfficer", "dpv:DataProtectionOfficer"),
        "eu_representative": _nested("dpv:hasRepresentative", "dpv:Representative"),
        "uk_representative": _nested("ropa:ukRepresentative", "dpv:Representative"),
        "establishment_country": Field("dpv:hasCountry"),
        "employee_band": _vocabulary("ropa:employeeBand", "employee_band"),
        "registration_number": Field("dpv:hasIdentifier"),
        "regimes": _vocabulary("dpv:hasApplicableLaw", "regime"),
    },
    m.Activity: {
        "organisation": _entity("dpv:hasDataController", "organisation"),
        "name": Field("dct:title"),
        "purposes": _text("dpv:hasPurpose", "dpv:Purpose"),
        "purpose_kinds": _vocabulary("dpv:hasPurpose", "purpose_kind"),
        "lawful_bases": _nested("dpv:hasLegalBasis", "ropa:LawfulBasis"),
        "art9_condition": _vocabulary("dpv:hasLegalBasis", "art9_condition"),
        "art9_law": _nested("ropa:art9Law", "dpv:Law"),
        "recipients": _entity("dpv:hasRecipient", "party"),
        "recipient_categories": _nested("dpv:hasRecipient", "dpv:Recipient"),
        "joint_controllers": _entity("dpv:hasJointDataControllers", "party"),
        "retention": _nested("dpv:hasStorageCondition", "dpv:StorageDuration"),
        "data_sources": _text("dpv:hasDataSource", "dpv:DataSource"),
        "automated_decisions": _nested("dpv:hasContext", "dpv:AutomatedDecisionMaking"),
        "rights": _text("dpv:hasRight", "dpv:DataSubjectRight"),
        "dpia": _nested("dpv:hasImpactAssessment", "dpv:DPIA"),
        "created_on": Field("dct:created"),
        "breach": _nested("ropa:breach", "dpv:DataBreachRecord"),
    },
    m.ProcessorRecord: {
        "organisation": _entity("dpv:hasDataProcessor", "organisation"),
        "controller": _nested("dpv:hasDataController", "dpv:DataController"),
        "controller_representative": _nested("dpv:hasRepresentative", "dpv:Representative"),
        "controller_dpo": _nested("dpv:hasDataProtectionOfficer", "dpv:DataProtectionOfficer"),
        "processing_categories": _text("dpv:hasProcessing", "dpv:Processing"),
        "sub_processors": _entity("dpv:hasRecipient", "party"),
        "contract": _nested("dpv:hasOrganisationalMeasure", "dpv:ControllerProcessorAgreement"),
    },
    m.System: {
        "organisation": _entity("ropa:organisation", "organisation"),
        "name": Field("dct:title"),
        "system_kind": _vocabulary("ropa:systemKind", "system_kind"),
        "operator": _entity("dpv:isImplementedByEntity", "party"),
        "hosting_country": Field("dpv:hasLocation"),
    },
    m.Party: {
        "organisation": _entity("ropa:organisation", "organisation"),
        "name": Field("dpv:hasName"),
        "role": Field("rdf:type", ref="vocabulary:party_role", as_type=True),
        "country": Field("dpv:hasCountry"),
        "contact": _nested("dpv:hasContact", "dpv:Entity"),
        "contract": _nested("dpv:hasOrganisationalMeasure", "dpv:LegalAgreement"),
        "sub_processor_of": _entity("ropa:subProcessorOf", "party"),
        "dpf": _nested("ropa:dpfCertification", "dpv:Certification"),
    },
    m.Flow: {
        "activity": _entity("ropa:activity", "activity"),
        "source": Field("ropa:source", ref="node"),
        "target": Field("ropa:target", ref="node"),
        "purpose": Field("ropa:purpose"),
    },
    m.Waiver: {"organisation": _entity("ropa:organisation", "organisation")},
    m.Term: {
        "vocabulary": _vocabulary("ropa:vocabulary", "vocabulary"),
        "label": Field("skos:prefLabel"),
        "description": Field("skos:definition"),
        "tags": _vocabulary("ropa:tag", "category_tag"),
    },
}
"""Per struct, the fields whose property is not ``ropa:<field>`` or means more than text."""


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def field_of(struct: type[msgspec.Struct], name: str) -> Field:
    """How a field of a struct is written."""
    own = FIELDS.get(struct, {}).get(name)
    if own is not None:
        return own
    common = _COMMON.get(name)
    if common is not None:
        return common
    return Field(f"ropa:{_camel(name)}")


_SNAKE = re.compile(r"(?<!^)(?=[A-Z])")


def enum_vocabulary(enum_type: type) -> str:
    """The vocabulary name of an enumeration of the model: ``PartyRole`` -> ``party_role``."""
    return _SNAKE.sub("_", enum_type.__name__).lower()


@dataclass(frozen=True, slots=True)
class Slot:
    """One field of a struct, resolved once: its names, its property and its value type."""

    name: str
    encode_name: str
    field: Field
    type: msgspec.inspect.Type
    """The value type with constraints and ``| None`` taken off (a list's items likewise)."""
    many: bool
    enum: bool
    """The value (or each item) is a member of an enumeration of the model."""


def _bare(t: msgspec.inspect.Type) -> msgspec.inspect.Type:
    if isinstance(t, msgspec.inspect.Metadata):
        return _bare(t.type)
    if isinstance(t, msgspec.inspect.UnionType):
        kept = [x for x in t.types if not isinstance(x, msgspec.inspect.NoneType)]
        if len(kept) == 1:
            return _bare(kept[0])
    return t


@functools.cache
def slots(struct: type[msgspec.Struct]) -> tuple[Slot, ...]:
    """The fields of a struct as the export writes them, in model order."""
    info = msgspec.inspect.type_info(struct)
    assert isinstance(info, msgspec.inspect.StructType)
    found = []
    for f in info.fields:
        t = _bare(f.type)
        many = isinstance(t, msgspec.inspect.ListType)
        if isinstance(t, msgspec.inspect.ListType):
            t = _bare(t.item_type)
        spec = field_of(struct, f.name)
        enum = isinstance(t, msgspec.inspect.EnumType)
        if enum and spec.ref is None:
            assert isinstance(t, msgspec.inspect.EnumType)
            spec = Field(spec.iri, ref=f"vocabulary:{enum_vocabulary(t.cls)}", as_type=spec.as_type)
        found.append(Slot(f.name, f.encode_name, spec, t, many, enum))
    return tuple(found)
