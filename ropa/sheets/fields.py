"""The fields a row of each kind can fill: what a layout's ``columns`` may name."""

from __future__ import annotations

DERIVED = "derived"
"""Columns ropa works out again from other facts: counted as read, never imported."""

FIELDS: dict[str, frozenset[str]] = {
    "organisation": frozenset({"organisation_name", "organisation_key", "organisation_role"}),
    "activities": frozenset(
        {
            "key",
            "name",
            "business_function",
            "purposes",
            "purposes_other",
            "joint_controllers",
            "data_subjects",
            "data_categories",
            "recipients",
            "recipients_internal",
            "recipients_external",
            "recipients_processors",
            "processor_contracts",
            "third_countries",
            "exceptional_transfer_safeguards",
            "transfer_mechanisms",
            "retention",
            "security_measures",
            "lawful_bases",
            "art9_condition",
            "legitimate_interests",
            "lia_references",
            "rights",
            "automated_decisions",
            "data_sources",
            "consent_records",
            "locations",
            "dpia_required",
            "dpia_progress",
            "dpia_reference",
            "breach_occurred",
            "breach_records",
            "schedule1_condition",
            "schedule1_policy_document",
            "schedule1_retained_per_policy",
            "schedule1_non_adherence",
            "art10_authority",
            "last_reviewed",
            "created_on",
            "owner",
            "status",
            "notes",
        }
    ),
    "processor_records": frozenset(
        {
            "key",
            "controller",
            "controller_representative",
            "controller_dpo",
            "processing_categories",
            "third_countries",
            "exceptional_transfer_safeguards",
            "security_measures",
            "data_categories",
            "data_subjects",
            "sub_processors",
            "transfer_mechanisms",
            "contract",
            "last_reviewed",
            "status",
            "notes",
        }
    ),
    "transfers": frozenset(
        {
            "activity",
            "activity_key",
            "source",
            "target",
            "data_categories",
            "country_code",
            "country",
            "mechanism",
            "scc_module",
            "tia_reference",
            "derogation_documentation",
            "frequency",
            "since",
            "flow_keys",
        }
    ),
    "parties": frozenset(
        {
            "key",
            "name",
            "role",
            "country_code",
            "country",
            "contact",
            "contract_reference",
            "contract_date",
            "sub_processor_of",
            "sub_processor_authorisation",
            "joint_arrangement",
            "dpf_status",
            "dpf_checked_on",
            "description",
        }
    ),
    "retention": frozenset(
        {
            "activity",
            "activity_key",
            "data_category",
            "period",
            "trigger",
            "criteria",
            "legal_source",
            "statement",
        }
    ),
    "ignored": frozenset(),
}
"""Per kind of row, the fields it may fill (besides ``derived``)."""

IDENTIFYING: dict[str, tuple[str, ...]] = {
    "activities": ("name", "purposes", "key"),
    "processor_records": ("controller", "processing_categories", "key"),
    "transfers": ("country", "country_code", "target"),
    "parties": ("name",),
    "retention": ("period", "criteria"),
}
"""A row of the kind is an item only when one of these fields holds something."""

CONTACT_ROLES = frozenset({"controller", "dpo", "representative", "registration"})
