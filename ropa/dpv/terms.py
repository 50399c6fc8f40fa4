"""Which DPV concept stands for each ropa vocabulary term and enumeration value.

A term maps to a DPV concept either exactly (the registry then names the DPV concept itself,
e.g. ``eu-gdpr:A6-1-f`` for the legitimate-interests basis) or as a narrower concept: the
registry then names a concept of its own, ``ropa-term:<vocabulary>/<key>``, declared with
``skos:broader`` the DPV concept (e.g. ``ropa-term:data_category/call_metadata`` broader
``pd:CallLog``). That is how DPV asks to be extended, and it keeps ropa's keys intact where
several ropa terms share one DPV concept.

Concepts checked against DPV 2.3 (https://w3id.org/dpv/2.3) and its extensions PD, LOC,
LEGAL-EU, LEGAL-GB and EU-GDPR; all but pd:Behavioural and pd:ServiceConsumptionBehaviour are
in DPV 2.1 as well.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

DPV: Final = "https://w3id.org/dpv#"
EU_GDPR: Final = "https://w3id.org/dpv/legal/eu/gdpr#"
PD: Final = "https://w3id.org/dpv/pd#"
LOC: Final = "https://w3id.org/dpv/loc#"
ROPA: Final = "https://ropa.invalid/ns#"
"""Properties and classes the DPV has no term for."""
ROPA_TERM: Final = "https://ropa.invalid/term/"
"""ropa's own concepts, narrower than a DPV concept: ``<vocabulary>/<key>``."""
REGISTRY: Final = "https://ropa.invalid/registry/"
"""Entities of the registry: ``<kind>/<key>``."""

PREFIXES: Final = MappingProxyType(
    {
        "dpv": DPV,
        "eu-gdpr": EU_GDPR,
        "pd": PD,
        "loc": LOC,
        "legal-eu": "https://w3id.org/dpv/legal/eu#",
        "legal-gb": "https://w3id.org/dpv/legal/gb#",
        "dct": "http://purl.org/dc/terms/",
        "skos": "http://www.w3.org/2004/02/skos/core#",
        "xsd": "http://www.w3.org/2001/XMLSchema#",
        "ropa": ROPA,
        "ropa-term": ROPA_TERM,
        "reg": REGISTRY,
    }
)
"""The JSON-LD context of an export: prefixes only, so every property is written as a compact
IRI and nothing depends on term definitions."""


def expand(curie: str) -> str:
    """The full IRI of a compact one (``dpv:Process``); a full IRI is returned as it is."""
    prefix, sep, local = curie.partition(":")
    base = PREFIXES.get(prefix)
    return base + local if sep and base is not None else curie


@dataclass(frozen=True, slots=True)
class Concept:
    """The DPV concept a ropa term maps to."""

    iri: str
    """Compact IRI of the DPV concept."""
    exact: bool = False
    """The same meaning: the registry names the DPV concept directly."""


def _exact(iri: str) -> Concept:
    return Concept(iri, exact=True)


def _narrower(iri: str) -> Concept:
    return Concept(iri)


TERMS: Final[dict[str, dict[str, Concept]]] = {
    "lawful_basis": {
        "consent": _exact("eu-gdpr:A6-1-a"),
        "contract": _exact("eu-gdpr:A6-1-b"),
        "legal_obligation": _exact("eu-gdpr:A6-1-c"),
        "vital_interests": _exact("eu-gdpr:A6-1-d"),
        "public_task": _exact("eu-gdpr:A6-1-e"),
        "legitimate_interests": _exact("eu-gdpr:A6-1-f"),
    },
    "art9_condition": {
        "explicit_consent": _exact("eu-gdpr:A9-2-a"),
        "employment_social_security": _exact("eu-gdpr:A9-2-b"),
        "vital_interests": _exact("eu-gdpr:A9-2-c"),
        "not_for_profit_body": _exact("eu-gdpr:A9-2-d"),
        "made_public": _exact("eu-gdpr:A9-2-e"),
        "legal_claims": _exact("eu-gdpr:A9-2-f"),
        "substantial_public_interest": _exact("eu-gdpr:A9-2-g"),
        "health_social_care": _exact("eu-gdpr:A9-2-h"),
        "public_health": _exact("eu-gdpr:A9-2-i"),
        "archiving_research_statistics": _exact("eu-gdpr:A9-2-j"),
    },
    "transfer_mechanism": {
        "adequacy_decision": _exact("eu-gdpr:A45-3"),
        "eu_us_dpf": _narrower("eu-gdpr:A45-3"),
        "safe_harbour": _narrower("eu-gdpr:A45-3"),
        "privacy_shield": _narrower("eu-gdpr:A45-3"),
        "public_authority_instrument": _exact("eu-gdpr:A46-2-a"),
        "bcr": _exact("eu-gdpr:A46-2-b"),
        "scc_2021": _narrower("eu-gdpr:A46-2-c"),
        "scc_2001_497": _narrower("eu-gdpr:A46-2-c"),
        "scc_2004_915": _narrower("eu-gdpr:A46-2-c"),
        "scc_2010_87": _narrower("eu-gdpr:A46-2-c"),
        "supervisory_authority_scc": _exact("eu-gdpr:A46-2-d"),
        "code_of_conduct": _exact("eu-gdpr:A46-2-e"),
        "certification": _exact("eu-gdpr:A46-2-f"),
        "ad_hoc_clauses": _exact("eu-gdpr:A46-3-a"),
        "administrative_arrangement": _exact("eu-gdpr:A46-3-b"),
        "idta": _narrower("dpv:DataTransferLegalBasis"),
        "uk_addendum": _narrower("dpv:DataTransferLegalBasis"),
        "derogation_explicit_consent": _exact("eu-gdpr:A49-1-a"),
        "derogation_contract_with_subject": _exact("eu-gdpr:A49-1-b"),
        "derogation_contract_in_subject_interest": _exact("eu-gdpr:A49-1-c"),
        "derogation_public_interest": _exact("eu-gdpr:A49-1-d"),
        "derogation_legal_claims": _exact("eu-gdpr:A49-1-e"),
        "derogation_vital_interests": _exact("eu-gdpr:A49-1-f"),
        "derogation_public_register": _exact("eu-gdpr:A49-1-g"),
        "derogation_compelling_legitimate_interests": _exact("eu-gdpr:A49-2"),
    },
    "data_category": {
        "full_name": _narrower("pd:Name"),
        "email_address": _narrower("pd:EmailAddress"),
        "phone_number": _narrower("pd:TelephoneNumber"),
        "postal_address": _narrower("pd:PhysicalAddress"),
        "username": _narrower("pd:Username"),
        "date_of_birth": _narrower("pd:BirthDate"),
        "gender": _narrower("pd:Gender"),
        "identity_document": _narrower("pd:OfficialID"),
        "photo_avatar": _narrower("pd:Picture"),
        "employer_organisation": _narrower("pd:CurrentEmployment"),
        "job_title": _narrower("pd:Job"),
        "extension_number": _narrower("pd:TelephoneNumber"),
        "sip_account_credentials": _narrower("pd:Authenticating"),
        "authentication_identifiers": _narrower("pd:AccountIdentifier"),
        "account_settings": _narrower("pd:Preference"),
        "ip_address": _narrower("pd:IPAddress"),
        "device_identifiers": _narrower("pd:DeviceBased"),
        "push_token": _narrower("pd:DeviceBased"),
        "app_version_os": _narrower("pd:DeviceOperatingSystem"),
        "crash_reports": _narrower("pd:DeviceSoftware"),
        "debug_logs": _narrower("pd:DeviceBased"),
        "usage_analytics": _narrower("pd:ServiceConsumptionBehaviour"),
        "cookies_identifiers": _narrower("pd:Tracking"),
        "session_activity": _narrower("pd:Behavioural"),
        "call_metadata": _narrower("pd:CallLog"),
        "message_metadata": _narrower("pd:CommunicationsMetadata"),
        "sip_signalling": _narrower("pd:CommunicationsMetadata"),
        "call_media": _narrower("pd:Communication"),
        "message_content": _narrower("pd:Communication"),
        "media_attachments": _narrower("pd:Communication"),
        "call_recordings": _narrower("pd:VoiceCommunicationRecording"),
        "voicemail": _narrower("pd:VoiceMail"),
        "address_book_contacts": _narrower("pd:Contact"),
        "busy_lamp_field_status": _narrower("pd:Behavioural"),
        "precise_location": _narrower("pd:GPSCoordinate"),
        "dispatchable_location": _narrower("pd:Location"),
        "ip_geolocation": _narrower("pd:Location"),
        "payment_card_data": _narrower("pd:PaymentCard"),
        "billing_records": _narrower("pd:Transactional"),
        "transaction_references": _narrower("pd:Transaction"),
        "subscription_status": _narrower("pd:Purchase"),
        "bank_details": _narrower("pd:BankAccount"),
        "support_correspondence": _narrower("pd:Communication"),
        "marketing_preferences": _narrower("pd:Preference"),
        "consent_records": _narrower("pd:PrivacyPreference"),
        "racial_ethnic_origin": _narrower("pd:EthnicOrigin"),
        "political_opinions": _narrower("pd:PoliticalOpinion"),
        "religious_beliefs": _narrower("pd:ReligiousBelief"),
        "trade_union_membership": _narrower("pd:TradeUnionMembership"),
        "genetic_data": _narrower("pd:Genetic"),
        "biometric_data": _narrower("pd:Biometric"),
        "health_data": _narrower("pd:Health"),
        "sex_life_orientation": _narrower("pd:Sexual"),
        "criminal_offence_data": _narrower("pd:Criminal"),
    },
    "data_subject_category": {
        "customers": _narrower("dpv:Customer"),
        "app_users": _narrower("dpv:User"),
        "enterprise_users": _narrower("dpv:User"),
        "enterprise_administrators": _narrower("dpv:User"),
        "emergency_callers": _narrower("dpv:User"),
        "website_visitors": _narrower("dpv:Visitor"),
        "prospects": _narrower("dpv:Consumer"),
        "employees": _narrower("dpv:Employee"),
        "job_applicants": _narrower("dpv:JobApplicant"),
        "children": _narrower("dpv:Child"),
        "patients": _narrower("dpv:Patient"),
        "vulnerable_adults": _narrower("dpv:VulnerableDataSubject"),
    },
    "dpia_criterion": {
        "evaluation_scoring": _exact("dpv:EvaluationScoring"),
        "automated_decision_legal_effect": _narrower("dpv:AutomatedDecisionMaking"),
        "systematic_monitoring": _exact("dpv:SystematicMonitoring"),
        "sensitive_data": _narrower("dpv:SensitivePersonalData"),
        "large_scale": _exact("dpv:LargeScaleProcessing"),
        "vulnerable_data_subjects": _narrower("dpv:VulnerableDataSubject"),
        "innovative_technology": _narrower("dpv:InnovativeUseOfTechnology"),
        "profiling_behavioural_advertising": _narrower("dpv:Profiling"),
        "location_tracking": _narrower("dpv:Tracking"),
        "public_area_monitoring": _narrower("dpv:SystematicMonitoring"),
    },
    # Enumerations of the model, named after their class.
    "organisation_role": {
        "controller": _exact("dpv:DataController"),
        "processor": _exact("dpv:DataProcessor"),
        "both": _narrower("dpv:LegalEntity"),
    },
    "party_role": {
        "processor": _exact("dpv:DataProcessor"),
        "sub_processor": _exact("dpv:DataSubProcessor"),
        "independent_controller": _exact("dpv:DataController"),
        "joint_controller": _exact("dpv:JointDataControllers"),
        "authority": _exact("dpv:Authority"),
    },
    "activity_status": {
        "draft": _exact("dpv:ActivityProposed"),
        "active": _exact("dpv:ActivityOngoing"),
        "retired": _exact("dpv:ActivityHalted"),
    },
    "dpia_status": {
        "not_required": _exact("eu-gdpr:DPIANotRequired"),
        "not_assessed": _narrower("eu-gdpr:DPIANecessityStatus"),
        "screening": _narrower("eu-gdpr:DPIANecessityStatus"),
        "in_progress": _narrower("dpv:ActivityOngoing"),
        "completed": _narrower("dpv:ActivityCompleted"),
    },
    "transfer_frequency": {
        "occasional": _exact("dpv:SporadicFrequency"),
        "recurring": _exact("dpv:OftenFrequency"),
        "continuous": _exact("dpv:ContinuousFrequency"),
    },
    "regime": {
        "eu_gdpr": _exact("legal-eu:law-GDPR"),
        "uk_gdpr": _exact("legal-gb:law-GDPR"),
    },
    "purpose_kind": {
        "service": _exact("dpv:ServiceProvision"),
        "billing": _narrower("dpv:PaymentManagement"),
        "fraud_detection": _exact("dpv:FraudPreventionAndDetection"),
        "emergency": _narrower("dpv:ServiceProvision"),
        "marketing": _exact("dpv:Marketing"),
        "value_added_service": _narrower("dpv:ServiceProvision"),
        "analytics": _exact("dpv:ServiceUsageAnalytics"),
        "security": _exact("dpv:EnforceSecurity"),
        "employment": _exact("dpv:HumanResourceManagement"),
        "legal_compliance": _exact("dpv:LegalCompliance"),
    },
    "consent_mechanism": {
        "opt_in": _exact("dpv:ExpressedConsent"),
        "inferred_from_use": _exact("dpv:ImpliedConsent"),
        "bundled_with_terms": _narrower("dpv:ImpliedConsent"),
        "pre_ticked": _narrower("dpv:ImpliedConsent"),
    },
    "system_kind": {},
    "employee_band": {"under_250": _narrower("dpv:SMEOrganisation")},
    "art22_ground": {},
    "category_tag": {},
    "vocabulary": {},
}
"""Per vocabulary (or enumeration), the DPV concept of each key; a key left out is a concept
of ropa's own under `BROADEST`."""

BROADEST: Final[dict[str, str]] = {
    "lawful_basis": "dpv:LegalBasis",
    "art9_condition": "dpv:LegalBasis",
    "transfer_mechanism": "dpv:DataTransferLegalBasis",
    "data_category": "dpv:PersonalData",
    "data_subject_category": "dpv:DataSubject",
    "dpia_criterion": "dpv:Context",
    "organisation_role": "dpv:LegalEntity",
    "party_role": "dpv:Recipient",
    "activity_status": "dpv:ActivityStatus",
    "dpia_status": "dpv:Status",
    "transfer_frequency": "dpv:Frequency",
    "regime": "dpv:Law",
    "purpose_kind": "dpv:Purpose",
    "consent_mechanism": "dpv:Consent",
    "system_kind": "dpv:Technology",
    "employee_band": "dpv:Scale",
    "art22_ground": "dpv:LegalBasis",
    "category_tag": "dpv:PersonalData",
    "vocabulary": "skos:ConceptScheme",
}
"""The DPV concept a vocabulary's own terms are narrower than, when nothing closer fits."""


def concept(vocabulary: str, key: str) -> Concept:
    """The DPV concept a term maps to (its vocabulary's broadest where none is closer)."""
    return TERMS[vocabulary].get(key) or Concept(BROADEST[vocabulary])


def own_iri(vocabulary: str, key: str) -> str:
    """Compact IRI of ropa's own concept for a term."""
    return f"ropa-term:{vocabulary}/{key}"


def term_iri(vocabulary: str, key: str) -> str:
    """Compact IRI that names a term in the export: the DPV concept when the mapping is exact,
    else ropa's own concept."""
    found = TERMS[vocabulary].get(key)
    return found.iri if found is not None and found.exact else own_iri(vocabulary, key)


def _exact_keys() -> dict[str, dict[str, str]]:
    keys: dict[str, dict[str, str]] = {}
    for vocabulary, terms in TERMS.items():
        table = keys.setdefault(vocabulary, {})
        for key, found in terms.items():
            if found.exact:
                table[expand(found.iri)] = key
    return keys


EXACT_KEYS: Final = _exact_keys()
"""Per vocabulary, the key of each DPV concept mapped exactly (full IRI -> key)."""


def term_key(vocabulary: str, iri: str) -> str | None:
    """The key of the term a full IRI names in a vocabulary, or None when it names none."""
    exact = EXACT_KEYS[vocabulary].get(iri)
    if exact is not None:
        return exact
    own = f"{ROPA_TERM}{vocabulary}/"
    if iri.startswith(own) and len(iri) > len(own):
        return iri[len(own) :]
    return None
