"""The one typed description of a registry of processing activities.

API bodies, the registry document and its JSON Schema are all built from these structs.
Every entity carries a user-chosen ``key`` (e.g. ``push-relay``) that stays stable across
exports and imports; entities refer to each other by key.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Annotated, ClassVar

import msgspec
from msgspec import Meta, field

KEY_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
NODE_PATTERN = r"^(system|party):[A-Za-z0-9][A-Za-z0-9._-]*$"
# ISO 8601 duration without fractions, e.g. P30D, P6M, P1Y6M, PT72H.
DURATION_PATTERN = r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$"

COUNTRY_PATTERN = r"^[A-Z]{2}$"
JURISDICTION_PATTERN = r"^([A-Z]{2}|EU)$"
FINDING_PATTERN = r"^[A-Z0-9-]+@.+$"
PATTERN_HELP = {
    KEY_PATTERN: "a key of letters, digits, '.', '_' or '-' starting with a letter or digit",
    NODE_PATTERN: "`system:<key>` or `party:<key>`",
    DURATION_PATTERN: "an ISO 8601 duration such as P30D, P6M or P10Y",
    COUNTRY_PATTERN: "an ISO 3166-1 alpha-2 country code such as DE",
    JURISDICTION_PATTERN: "`EU` or an ISO 3166-1 alpha-2 country code",
    FINDING_PATTERN: "a finding id such as RETENTION-MISSING@activity:push",
}
"""Plain words for each pattern, used in error messages instead of the regular expression."""

Key = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=128,
        pattern=KEY_PATTERN,
        description="A stable key chosen by the registry keeper: letters, digits, `.`, `_`, `-`.",
    ),
]
NodeRef = Annotated[
    str,
    Meta(
        max_length=140,
        pattern=NODE_PATTERN,
        description="A system or party, written `system:<key>` or `party:<key>`.",
    ),
]
Name = Annotated[str, Meta(min_length=1, max_length=500)]
Line = Annotated[str, Meta(max_length=2_000)]
Text = Annotated[str, Meta(max_length=20_000)]
CountryCode = Annotated[
    str, Meta(pattern=COUNTRY_PATTERN, description="ISO 3166-1 alpha-2 country code.")
]
Duration = Annotated[
    str,
    Meta(
        max_length=64,
        pattern=DURATION_PATTERN,
        description="ISO 8601 duration, e.g. `P30D` or `P6Y`.",
    ),
]
ItemList = Annotated[list[Line], Meta(max_length=500)]
KeyList = Annotated[list[Key], Meta(max_length=2_000)]


class Model(msgspec.Struct, kw_only=True, omit_defaults=True, forbid_unknown_fields=True):
    """Base for every struct: unknown fields are errors, defaults are left out of output."""


class Entity(Model):
    """A top-level registry entry addressed by its key."""

    kind: ClassVar[str]
    key: Key


# --- enumerations -----------------------------------------------------------------------


class OrganisationRole(enum.StrEnum):
    CONTROLLER = "controller"
    PROCESSOR = "processor"
    BOTH = "both"


class EmployeeBand(enum.StrEnum):
    """Art 30(5): organisations under 250 employees are partly exempt."""

    UNDER_250 = "under_250"
    FROM_250 = "250_or_more"


class ActivityStatus(enum.StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    RETIRED = "retired"


class DpiaStatus(enum.StrEnum):
    NOT_ASSESSED = "not_assessed"
    NOT_REQUIRED = "not_required"
    SCREENING = "screening"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


class SystemKind(enum.StrEnum):
    APP = "app"
    SERVER = "server"
    DATABASE = "database"
    DEVICE = "device"
    SAAS = "saas"
    NETWORK = "network"
    OTHER = "other"


class PartyRole(enum.StrEnum):
    PROCESSOR = "processor"
    SUB_PROCESSOR = "sub_processor"
    INDEPENDENT_CONTROLLER = "independent_controller"
    JOINT_CONTROLLER = "joint_controller"
    AUTHORITY = "authority"


class TransferFrequency(enum.StrEnum):
    OCCASIONAL = "occasional"
    RECURRING = "recurring"
    CONTINUOUS = "continuous"


class Regime(enum.StrEnum):
    """The data protection law an organisation answers to."""

    EU_GDPR = "eu_gdpr"
    UK_GDPR = "uk_gdpr"
    """The UK GDPR with the Data Protection Act 2018: its own representative, transfer tools
    (IDTA, UK Addendum) and "domestic law" (UK law) for Art 6(3)."""


class PurposeKind(enum.StrEnum):
    """What a purpose is, where the law treats it specially (ePrivacy Arts 6 and 10, WP248)."""

    SERVICE = "service"
    BILLING = "billing"
    FRAUD_DETECTION = "fraud_detection"
    """ePrivacy Art 6(5): traffic data may be processed to detect fraud."""
    EMERGENCY = "emergency"
    """ePrivacy Art 10(b): location for answering emergency calls, whatever the consent."""
    MARKETING = "marketing"
    VALUE_ADDED_SERVICE = "value_added_service"
    ANALYTICS = "analytics"
    SECURITY = "security"
    EMPLOYMENT = "employment"
    LEGAL_COMPLIANCE = "legal_compliance"


class ConsentMechanism(enum.StrEnum):
    """How consent is obtained: only a clear affirmative act is consent (Arts 4(11), 7)."""

    OPT_IN = "opt_in"
    INFERRED_FROM_USE = "inferred_from_use"
    BUNDLED_WITH_TERMS = "bundled_with_terms"
    PRE_TICKED = "pre_ticked"


class Art22Ground(enum.StrEnum):
    """Art 22(2): what allows a decision based solely on automated processing."""

    CONTRACT = "contract"
    LAW = "law"
    EXPLICIT_CONSENT = "explicit_consent"


class CategoryTag(enum.StrEnum):
    """What the rules need to know of a data category, built-in or the keeper's own."""

    LOCATION = "location"
    TRAFFIC = "traffic"
    CONTENT = "content"
    """Communications content (calls, messages, recordings)."""
    IDENTIFIERS = "identifiers"
    CREDENTIALS = "credentials"
    FINANCIAL = "financial"
    CHILDREN = "children"


class Vocabulary(enum.StrEnum):
    """Vocabularies that registry keepers may extend with their own terms."""

    DATA_CATEGORY = "data_category"
    DATA_SUBJECT_CATEGORY = "data_subject_category"


# --- value structs ------------------------------------------------------------------------


class Contact(Model):
    name: Line = ""
    address: Line = ""
    email: Line = ""
    phone: Line = ""


class LawCitation(Model):
    """A legal instrument and the jurisdiction that enacted it (Art 6(3))."""

    title: Line
    jurisdiction: Annotated[
        str,
        Meta(
            pattern=JURISDICTION_PATTERN,
            description="`EU` or the ISO 3166-1 code of the enacting state.",
        ),
    ]
    provision: Line = ""


class LawfulBasis(Model):
    """An Art 6(1) basis with the support each basis needs."""

    basis: Key
    law: LawCitation | None = None
    interest: Text = ""
    lia_reference: Line = ""
    consent_record: Line = ""
    consent_withdrawal: Line = ""
    """How consent is withdrawn (Art 7(3)), e.g. "Settings > Privacy in the app"."""
    consent_mechanism: ConsentMechanism | None = None
    """How consent is obtained; consent inferred from use or bundled with terms is no consent."""


class Retention(Model):
    """How long one data category (or, without one, the whole activity's data) is kept."""

    data_category: Key | None = None
    period: Duration | None = None
    trigger: Line = ""
    criteria: Text = ""
    indefinite: bool = False
    legal_source: Line = ""
    statement: Text = ""
    art89_purpose: Line = ""
    """The Art 89(1) archiving, research or statistical purpose, with its safeguards, that
    justifies keeping the data indefinitely."""


class Dpia(Model):
    status: DpiaStatus = DpiaStatus.NOT_ASSESSED
    reference: Line = ""
    completed_on: dt.date | None = None


class AutomatedDecision(Model):
    description: Text
    legal_or_similar_effect: bool = False
    art22_ground: Line = ""
    """The Art 22(2) ground in words (kept from earlier documents; ``ground`` is the key)."""
    ground: Art22Ground | None = None
    safeguards: Text = ""
    """Art 22(3): at least human intervention, expressing a view and contesting the decision."""


class Contract(Model):
    """The Art 28 contract (or other agreement) with a party."""

    reference: Line
    signed_on: dt.date | None = None


class DpfCertification(Model):
    """EU-US Data Privacy Framework status, with the date it was checked on the DPF List."""

    certified: bool
    checked_on: dt.date | None = None
    hr_data: bool | None = None
    """Whether the certification covers HR data; None when not stated."""


class Transfer(Model):
    """A flow's transfer outside the EEA (Chapter V).

    Every field may be unknown: ``transfer: {}`` records that data crosses a border the
    record cannot yet name, which the rules then report.
    """

    destination_country: CountryCode | None = None
    international_organisation: Line = ""
    mechanism: Key | None = None
    scc_module: Annotated[int, Meta(ge=1, le=4)] | None = None
    tia_reference: Line = ""
    derogation_documentation: Text = ""
    frequency: TransferFrequency | None = None
    """How often data goes; not stated is not "systematic"."""
    since: dt.date | None = None
    importer: Key | None = None
    """The party that receives the data, where the transfer is not on a flow (a processor
    record's transfers): its DPF certification, role and country are then known."""


class TerritorialScope(Model):
    """Art 3(2): an organisation established outside the EU (or the UK) that offers goods or
    services to people there, or monitors their behaviour there."""

    offers_goods_or_services: bool | None = None
    monitors_behaviour: bool | None = None
    art27_exemption: Line = ""
    """Why Art 27(2) exempts it from naming a representative (occasional processing without
    large-scale Art 9/10 data and unlikely to be a risk, or a public authority); empty when
    no exemption is claimed."""


class CommunicationsService(Model):
    """ePrivacy scope (Directive 2002/58 Art 3): a provider of publicly available electronic
    communications services on public networks."""

    public: bool
    countries: Annotated[list[CountryCode], Meta(max_length=300)] = field(default_factory=list)
    """Where the service is provided; national law sets, for example, the billing window."""


class Statements(Model):
    """Organisation-wide statements, as policies make them ("we use reasonable safeguards").

    An activity that says nothing of its own inherits the statement; the rules judge the
    statement once, and each activity that relies on it.
    """

    lawful_basis: Text = ""
    transfers: Text = ""
    security: Text = ""
    retention: Text = ""
    sharing: Text = ""
    """What the organisation says of disclosures, e.g. "we do not share your data"."""


class RecipientCategory(Model):
    """Recipients named by category rather than as parties (Art 30(1)(d))."""

    label: Line
    role: PartyRole | None = None
    countries: Annotated[list[CountryCode], Meta(max_length=300)] = field(default_factory=list)
    description: Text = ""


class DeviceAccess(Model):
    """Storing or reading information on a user's device (ePrivacy Art 5(3)): an SDK, a
    cookie, an advertising identifier, a fingerprint."""

    description: Line
    strictly_necessary: bool = False
    """Strictly necessary for the service the user asked for: then no consent is needed."""
    consent_record: Line = ""


# --- entities ----------------------------------------------------------------------------


class BreachLog(Model):
    """Personal data breaches that touched an activity (ICO template columns 24-25)."""

    occurred: bool
    """Whether a personal data breach has occurred in this processing."""
    records: ItemList = field(default_factory=list)
    """Where each breach is recorded (the Art 33(5) breach log entry): references or links."""


class Schedule1Policy(Model):
    """UK DPA 2018 Schedule 1: the condition relied on for special category or criminal
    offence data and the appropriate policy document (ICO template columns 26-30)."""

    condition: Line = ""
    """The Schedule 1 condition, e.g. "Part 1, paragraph 1: employment, social security"."""
    policy_document: Line = ""
    """Where the appropriate policy document (retention and erasure) is kept."""
    retained_per_policy: bool | None = None
    """Whether the data is retained and erased as the policy document says."""
    non_adherence_reasons: Text = ""
    """Why it is not, where it is not."""


class Organisation(Entity):
    kind: ClassVar[str] = "organisation"

    name: Name
    role: OrganisationRole = OrganisationRole.CONTROLLER
    contact: Contact | None = None
    dpo: Contact | None = None
    dpo_designated: bool = False
    eu_representative: Contact | None = None
    uk_representative: Contact | None = None
    establishment_country: CountryCode | None = None
    employee_band: EmployeeBand | None = None
    registration_number: Line = ""
    regimes: Annotated[list[Regime], Meta(max_length=2)] | None = None
    """EU GDPR, UK GDPR or both; not stated is judged under the EU GDPR."""
    territorial_scope: TerritorialScope | None = None
    communications_service: CommunicationsService | None = None
    """Not stated (null): the ePrivacy traffic and location rules are not applied."""
    public_authority: bool | None = None
    statements: Statements | None = None
    notes: Text = ""
    staff_processing_personal_data: Annotated[int, Meta(ge=0)] | None = None
    """How many persons are constantly engaged in the automated processing of personal data
    (national DPO thresholds such as BDSG § 38(1): 20); None when not stated."""


class Activity(Entity):
    """A processing activity in the controller's record, Art 30(1)."""

    kind: ClassVar[str] = "activity"

    organisation: Key
    name: Name
    business_function: Line = ""
    purposes: ItemList = field(default_factory=list)
    purpose_kinds: Annotated[list[PurposeKind], Meta(max_length=20)] = field(default_factory=list)
    data_subjects: KeyList = field(default_factory=list)
    data_categories: KeyList = field(default_factory=list)
    lawful_bases: Annotated[list[LawfulBasis], Meta(max_length=20)] = field(default_factory=list)
    art9_condition: Key | None = None
    art9_law: LawCitation | None = None
    art10_authority: Line = ""
    recipients: KeyList | None = None
    """Parties named as recipients; null when the record does not say, [] for none. Parties
    that flows reach count as recipients without being listed."""
    recipient_categories: Annotated[list[RecipientCategory], Meta(max_length=200)] = field(
        default_factory=list
    )
    joint_controllers: KeyList = field(default_factory=list)
    systems: KeyList = field(default_factory=list)
    retention: Annotated[list[Retention], Meta(max_length=500)] = field(default_factory=list)
    security_measures: ItemList = field(default_factory=list)
    data_sources: ItemList = field(default_factory=list)
    automated_decisions: AutomatedDecision | None = None
    device_access: Annotated[list[DeviceAccess], Meta(max_length=100)] = field(default_factory=list)
    rights: ItemList = field(default_factory=list)
    """Rights available to individuals, as the record states them (ICO column 16)."""
    risk_indicators: KeyList = field(default_factory=list)
    dpia: Dpia | None = None
    owner: Line = ""
    last_reviewed: dt.date | None = None
    status: ActivityStatus = ActivityStatus.ACTIVE
    notes: Text = ""
    art9_consent_record: Line = ""
    """Where proof of the Art 9(2)(a) explicit consent is kept. It stands on its own, whatever the
    Art 6 basis; a consent basis's own record counts for it too."""
    art9_agreement: Line = ""
    """What an Art 9(2)(b) or (h) condition rests on where no law is cited: the collective
    agreement (b), or the contract with a health professional bound by secrecy (h, Art 9(3))."""
    occasional: bool | None = None
    """Art 30(5): the processing is occasional (not regular, and outside the normal course of
    business); None when not stated, which is not occasional."""
    created_on: dt.date | None = None
    """When the activity was first recorded (the CNIL register's "date de création")."""
    breach: BreachLog | None = None
    """Personal data breaches in this processing; null when the record does not say."""
    schedule1: Schedule1Policy | None = None
    """UK regime only: DPA 2018 Schedule 1 condition and appropriate policy document."""


class ProcessorRecord(Entity):
    """Processing carried out on behalf of a controller, Art 30(2)."""

    kind: ClassVar[str] = "processor_record"

    organisation: Key
    controller: Contact
    controller_representative: Contact | None = None
    controller_dpo: Contact | None = None
    processing_categories: ItemList = field(default_factory=list)
    data_subjects: KeyList = field(default_factory=list)
    data_categories: KeyList = field(default_factory=list)
    sub_processors: KeyList = field(default_factory=list)
    systems: KeyList = field(default_factory=list)
    """The processor's systems the controller's data passes through."""
    transfers: Annotated[list[Transfer], Meta(max_length=200)] = field(default_factory=list)
    security_measures: ItemList = field(default_factory=list)
    contract: Contract | None = None
    """The Art 28(3) contract with the controller."""
    instructions: Line = ""
    """Where the controller's documented instructions are kept (Art 28(3)(a))."""
    risk_indicators: KeyList = field(default_factory=list)
    """Risk facts the controller's DPIA needs the processor's help with (Art 28(3)(f))."""
    last_reviewed: dt.date | None = None
    status: ActivityStatus = ActivityStatus.ACTIVE
    notes: Text = ""


class System(Entity):
    """Where personal data is stored or processed."""

    kind: ClassVar[str] = "system"

    organisation: Key
    name: Name
    system_kind: SystemKind = field(default=SystemKind.SERVER, name="type")
    operator: Key | None = None
    hosting_country: CountryCode | None = None
    trust_boundary: Line = ""
    description: Text = ""


class Party(Entity):
    """A recipient outside the organisation."""

    kind: ClassVar[str] = "party"

    organisation: Key
    name: Name
    role: PartyRole | None = None
    """None while the party's role is not yet determined."""
    country: CountryCode | None = None
    contact: Contact | None = None
    contract: Contract | None = None
    sub_processor_of: Key | None = None
    sub_processor_authorisation: Line = ""
    flow_down: Line = ""
    """The contract that passes the processor's Art 28 obligations on to this sub-processor
    (Art 28(4))."""
    joint_arrangement: Line = ""
    dpf: DpfCertification | None = None
    international_organisation: bool = False
    """An international organisation: an importer in its own right wherever it sits."""
    description: Text = ""


class Flow(Entity):
    """Data moving from one system or party to another within an activity."""

    kind: ClassVar[str] = "flow"

    activity: Key
    source: NodeRef
    target: NodeRef
    data_categories: KeyList = field(default_factory=list)
    purpose: Line = ""
    transfer: Transfer | None = None


class Waiver(Entity):
    """A finding consciously accepted until an expiry date."""

    kind: ClassVar[str] = "waiver"

    organisation: Key
    finding: Annotated[str, Meta(min_length=3, max_length=300, pattern=FINDING_PATTERN)]
    reason: Annotated[str, Meta(min_length=1, max_length=20_000)]
    accepted_by: Name
    accepted_on: dt.date
    expires_on: dt.date


class Term(Entity):
    """A category term added by the registry keeper to a built-in vocabulary."""

    kind: ClassVar[str] = "term"

    vocabulary: Vocabulary
    label: Name
    description: Text = ""
    special: bool = False
    criminal: bool = False
    tags: Annotated[list[CategoryTag], Meta(max_length=10)] = field(default_factory=list)
    """For a data category: the same properties built-in categories carry."""


ENTITY_TYPES: tuple[type[Entity], ...] = (
    Organisation,
    Term,
    Party,
    System,
    Activity,
    ProcessorRecord,
    Flow,
    Waiver,
)
"""Entity types in dependency order: an entity refers only to kinds listed before it."""

FORMAT_VERSION = "1"


class RegistryDocument(Model, omit_defaults=False):
    """The whole registry, or one organisation's part of it, as one document.

    The format version and every collection are always written, empty or not.
    """

    ropa: Annotated[str, Meta(description="Document format version.")] = FORMAT_VERSION
    organisations: list[Organisation] = field(default_factory=list)
    terms: list[Term] = field(default_factory=list)
    parties: list[Party] = field(default_factory=list)
    systems: list[System] = field(default_factory=list)
    activities: list[Activity] = field(default_factory=list)
    processor_records: list[ProcessorRecord] = field(default_factory=list)
    flows: list[Flow] = field(default_factory=list)
    waivers: list[Waiver] = field(default_factory=list)
