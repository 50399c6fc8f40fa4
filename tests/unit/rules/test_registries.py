"""Findings on whole registries, finding by finding: the shipped example against the gaps its
header declares, and the three published softphone policies (tests/fixtures/seeds) against what a
careful DPO reading their text would and would not raise.

Each seed has an exact set of expected findings (nothing more, nothing less) and a list of
non-findings, each with its reason, kept as strict as the firing ones.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ropa.domain.vocabulary import builtin
from ropa.facts import derive
from ropa.graph import build_graph
from ropa.input.document import parse_document
from ropa.rules import Finding, evaluate
from ropa.rules.eprivacy import _slug
from tests.unit.rules.harness import ON

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "examples/softphone-provider.yaml"
SEEDS = ROOT / "tests/fixtures/seeds"
FINDING_ID = re.compile(r"[A-Z0-9]+(?:-[A-Z0-9]+)*@[a-z_]+:[A-Za-z0-9._/-]+")


def _findings(path: Path) -> dict[str, Finding]:
    graph = build_graph(parse_document(path.read_bytes(), "yaml"), builtin())
    return {f.id: f for f in evaluate(derive(graph, ON))}


def declared_gaps(path: Path = EXAMPLE) -> dict[int, set[str]]:
    """The example's numbered "GAPS LEFT ON PURPOSE" list: gap number -> its finding ids."""
    header = path.read_text(encoding="utf-8").split("\nropa:", 1)[0]
    listed = header.split("GAPS LEFT ON PURPOSE", 1)[1].split("# Changes to this list", 1)[0]
    gaps: dict[int, set[str]] = {}
    number = 0
    for line in listed.splitlines():
        start = re.match(r"#\s+(\d+)\.\s", line)
        if start:
            number = int(start[1])
            gaps[number] = set()
        if number:
            gaps[number] |= set(FINDING_ID.findall(line))
    return gaps


# --- the example ------------------------------------------------------------------------------


def test_example_header_lists_exactly_what_the_validator_reports() -> None:
    gaps = declared_gaps()
    assert list(gaps) == list(range(1, len(gaps) + 1)), "gaps are numbered 1, 2, 3, ..."
    assert all(gaps.values()), {n: ids for n, ids in gaps.items() if not ids}
    declared = set().union(*gaps.values())
    assert set(_findings(EXAMPLE)) == declared


def test_example_errors_are_its_missing_transfer_mechanisms_and_dpa() -> None:
    errors = {i for i, f in _findings(EXAMPLE).items() if f.severity == "error"}
    assert errors == {
        "TRANSFER-MISSING-MECHANISM@flow:analytics-android",
        "TRANSFER-MISSING-MECHANISM@flow:analytics-ios",
        "PROCESSOR-WITHOUT-DPA@party:apple-apns",
    }


# --- the seed policies ------------------------------------------------------------------------

SOFTPHONEZ_ACTIVITIES = (
    "accounts",
    "calling-messaging",
    "subscriptions",
    "support",
    "fraud-abuse",
    "analytics",
    "service-communications",
    "legal-compliance",
)
"""The Softphonez activities: the policy says the same of each (see EXPECTED)."""

EXPECTED = {
    "itnet": {
        # "iTNet Solutions" carries no legal form: which legal entity is the controller?
        "ART30-1A-CONTROLLER-IDENTITY@organisation:itnet/name",
        # Only an email address (L32): Art 30(1)(a) is met, a postal address is advice.
        "ART30-1A-CONTROLLER-ADDRESS@organisation:itnet",
        # FCM is named as a technology only (L7): processor or controller is not stated.
        "PARTY-ROLE-UNDETERMINED@party:itnet-google-fcm",
        # FCM tokens go to Google in the US and the policy states no transfer or safeguard.
        "ART30-1E-TRANSFER-UNDECLARED@flow:itnet-push-to-fcm",
        # No section on disclosure: recipients not stated where no flow shows any.
        "ART30-1D-RECIPIENTS-MISSING@activity:itnet-account-provisioning",
        "ART30-1D-RECIPIENTS-MISSING@activity:itnet-voip-calls",
        "ART30-1D-RECIPIENTS-MISSING@activity:itnet-call-recording",
        "ART30-1D-RECIPIENTS-MISSING@activity:itnet-support-monitoring",
        "ART30-1D-RECIPIENTS-MISSING@activity:itnet-telemetry-analytics",
        # L24-L29 list rights, never a lawful basis.
        "LAWFUL-BASIS-MISSING@activity:itnet-account-provisioning",
        "LAWFUL-BASIS-MISSING@activity:itnet-voip-calls",
        "LAWFUL-BASIS-MISSING@activity:itnet-push-notifications",
        "LAWFUL-BASIS-MISSING@activity:itnet-contacts-local",
        "LAWFUL-BASIS-MISSING@activity:itnet-call-recording",
        "LAWFUL-BASIS-MISSING@activity:itnet-support-monitoring",
        "LAWFUL-BASIS-MISSING@activity:itnet-telemetry-analytics",
        # Device identifiers read automatically for analytics (L7, L16), no consent described.
        "EPRIVACY-DEVICE-ACCESS-WITHOUT-CONSENT@activity:itnet-telemetry-analytics/"
        "device-information-ip-address-device-identifiers-operating-s",
        # Communications content (call media, recordings): record whether a DPIA is needed.
        "DPIA-CONSIDER@activity:itnet-voip-calls",
        "DPIA-CONSIDER@activity:itnet-call-recording",
        # No review date anywhere (info).
        "RECORD-STALE@activity:itnet-account-provisioning",
        "RECORD-STALE@activity:itnet-voip-calls",
        "RECORD-STALE@activity:itnet-push-notifications",
        "RECORD-STALE@activity:itnet-contacts-local",
        "RECORD-STALE@activity:itnet-call-recording",
        "RECORD-STALE@activity:itnet-support-monitoring",
        "RECORD-STALE@activity:itnet-telemetry-analytics",
    },
    "innovat": {
        # Florida head office; whether it offers the service to people in the EU (Art 3(2)), and
        # so needs a representative, is not said: asked, not assumed.
        "ART27-SCOPE-UNRECORDED@organisation:innovat",
        # Traffic and location data; whether Innovat itself is a public provider is not said.
        "EPRIVACY-PROVIDER-UNSTATED@organisation:innovat",
        # "regular business records ... may destroy the information once it becomes unnecessary"
        # (L58): judged once, and on each activity that relies on it.
        "RETENTION-VAGUE@organisation:innovat",
        "RETENTION-VAGUE@activity:innovat-smart-contacts/all",
        "RETENTION-VAGUE@activity:innovat-emergency-location/all",
        "RETENTION-VAGUE@activity:innovat-registration-location/all",
        "RETENTION-VAGUE@activity:innovat-media-attachments/all",
        "RETENTION-VAGUE@activity:innovat-analytics/all",
        "RETENTION-VAGUE@activity:innovat-debug-logs/all",
        # Identity-document scans fall only under the vague statement: "within 30 days of
        # request" (L79) is a response deadline and is not read as a period.
        "RETENTION-VAGUE@activity:innovat-privacy-requests/all",
        "RETENTION-VAGUE@activity:innovat-legal-disclosures/all",
        # The push token: the push-instance rule (L17) covers the SIP account details only, and
        # an activity with rules of its own does not fall back on the statement.
        "RETENTION-MISSING@activity:innovat-push-notifications/push_token",
        # "never shared with any third parties" (L13, L62) while the same section (L63) lists
        # authorities, an acquirer and "any other third party", and APNs, FCM and the SIP
        # provider receive data in roles the policy does not give.
        "STATEMENT-CONTRADICTS-RECORD@organisation:innovat/sharing",
        # APNs, FCM (L13) and the SIP provider (L15, L33): roles not stated.
        "PARTY-ROLE-UNDETERMINED@party:innovat-apple-apns",
        "PARTY-ROLE-UNDETERMINED@party:innovat-google-fcm",
        "PARTY-ROLE-UNDETERMINED@party:innovat-sip-provider",
        # Push through APNs and FCM (US) with no transfer or safeguard stated.
        "ART30-1E-TRANSFER-UNDECLARED@flow:innovat-sipis-to-apns",
        "ART30-1E-TRANSFER-UNDECLARED@flow:innovat-sipis-to-fcm",
        # Smart Contacts uploads to a server whose operator is not named; no sharing stated.
        "ART30-1D-RECIPIENTS-MISSING@activity:innovat-smart-contacts",
        # No Art 6 basis anywhere except emergency location and legal disclosures.
        "LAWFUL-BASIS-MISSING@activity:innovat-push-notifications",
        "LAWFUL-BASIS-MISSING@activity:innovat-contacts-local",
        "LAWFUL-BASIS-MISSING@activity:innovat-busy-lamp-field",
        "LAWFUL-BASIS-MISSING@activity:innovat-smart-contacts",
        "LAWFUL-BASIS-MISSING@activity:innovat-registration-location",
        "LAWFUL-BASIS-MISSING@activity:innovat-media-attachments",
        "LAWFUL-BASIS-MISSING@activity:innovat-analytics",
        "LAWFUL-BASIS-MISSING@activity:innovat-debug-logs",
        "LAWFUL-BASIS-MISSING@activity:innovat-privacy-requests",
        # A Dispatchable Location "legal requirement" (L40) and disclosure "as required by law"
        # (L63), no law named.
        "LEGAL-OBLIGATION-LAW-UNCITED@activity:innovat-emergency-location/legal_obligation",
        "LEGAL-OBLIGATION-LAW-UNCITED@activity:innovat-legal-disclosures/legal_obligation",
        # "with your prior consent" (L63): no record, no way to withdraw.
        "CONSENT-WITHOUT-RECORD@activity:innovat-legal-disclosures",
        "CONSENT-NO-WITHDRAWAL@activity:innovat-legal-disclosures",
        # The policy never says which data may be disclosed.
        "ART30-1C-DATA-CATEGORIES-MISSING@activity:innovat-legal-disclosures",
        # Diagnostics read in the app for analytics (L54), no consent described.
        "EPRIVACY-DEVICE-ACCESS-WITHOUT-CONSENT@activity:innovat-analytics/"
        "diagnostic-data-read-in-the-application-for-usage-and-perfor",
        # Location at every SIP registration: tracking over time, and highly personal.
        "DPIA-LIKELY@activity:innovat-registration-location",
        # One WP248 criterion each: address-book matching, location, content, full traffic logs.
        "DPIA-CONSIDER@activity:innovat-smart-contacts",
        "DPIA-CONSIDER@activity:innovat-emergency-location",
        "DPIA-CONSIDER@activity:innovat-media-attachments",
        "DPIA-CONSIDER@activity:innovat-debug-logs",
        # No review date anywhere (info).
        "RECORD-STALE@activity:innovat-push-notifications",
        "RECORD-STALE@activity:innovat-contacts-local",
        "RECORD-STALE@activity:innovat-busy-lamp-field",
        "RECORD-STALE@activity:innovat-smart-contacts",
        "RECORD-STALE@activity:innovat-emergency-location",
        "RECORD-STALE@activity:innovat-registration-location",
        "RECORD-STALE@activity:innovat-media-attachments",
        "RECORD-STALE@activity:innovat-analytics",
        "RECORD-STALE@activity:innovat-debug-logs",
        "RECORD-STALE@activity:innovat-privacy-requests",
        "RECORD-STALE@activity:innovat-legal-disclosures",
    },
    "softphonez": {
        # "publish your designated privacy contact details here" (L38): none at all.
        "ART30-1A-CONTROLLER-CONTACT@organisation:softphonez",
        # "Softphonez" alone: no legal entity is named.
        "ART30-1A-CONTROLLER-IDENTITY@organisation:softphonez/name",
        # Calling, messaging and numbers; whether it is a public provider is not said.
        "EPRIVACY-PROVIDER-UNSTATED@organisation:softphonez",
        # "as long as reasonably necessary" (L26), judged once and on every activity.
        "RETENTION-VAGUE@organisation:softphonez",
        *(f"RETENTION-VAGUE@activity:softphonez-{a}/all" for a in SOFTPHONEZ_ACTIVITIES),
        # "reasonable administrative, technical, and organizational safeguards" (L25).
        "SECURITY-VAGUE@organisation:softphonez",
        *(f"SECURITY-VAGUE@activity:softphonez-{a}" for a in SOFTPHONEZ_ACTIVITIES),
        # "processed or transferred across borders" (L28): no country, no safeguard; every
        # activity relies on it, as none records a transfer of its own.
        "TRANSFER-STATEMENT-UNSAFEGUARDED@organisation:softphonez",
        *(
            f"TRANSFER-STATEMENT-UNSAFEGUARDED@activity:softphonez-{a}"
            for a in SOFTPHONEZ_ACTIVITIES
        ),
        # Four bases "depending on the context" (L15), tied to no activity: none identifiable.
        *(f"LAWFUL-BASIS-MISSING@activity:softphonez-{a}" for a in SOFTPHONEZ_ACTIVITIES),
        # "provide and operate its products and services", "improve performance", "comply with
        # legal obligations" (L14): they do not say what is done.
        "ART30-1B-PURPOSE-VAGUE@activity:softphonez-accounts/0",
        "ART30-1B-PURPOSE-VAGUE@activity:softphonez-analytics/0",
        "ART30-1B-PURPOSE-VAGUE@activity:softphonez-legal-compliance/0",
        # Fraud detection: no recipient of any kind is stated.
        "ART30-1D-RECIPIENTS-MISSING@activity:softphonez-fraud-abuse",
        # L18 says "personal data" without saying which.
        "ART30-1C-DATA-CATEGORIES-MISSING@activity:softphonez-legal-compliance",
        # Cookies, local storage, pixels for analytics and marketing (L32), no consent described.
        "EPRIVACY-DEVICE-ACCESS-WITHOUT-CONSENT@activity:softphonez-analytics/"
        "cookies-local-storage-analytics-tools-pixels-or-similar-tech",
        # Debug logs with full traffic: one WP248 criterion.
        "DPIA-CONSIDER@activity:softphonez-support",
        # No review date anywhere (info).
        *(f"RECORD-STALE@activity:softphonez-{a}" for a in SOFTPHONEZ_ACTIVITIES),
    },
}

NOT_EXPECTED = {
    "itnet": {
        # An email address meets Art 30(1)(a); the missing postal address is advice only.
        "ART30-1A-CONTROLLER-CONTACT@organisation:itnet": ("an email address meets Art 30(1)(a)"),
        "ART30-1A-DPO-CONTACT@organisation:itnet": "the DPO is reachable at privacy@itnet247.com",
        # "We are not a public telecommunications provider" (L4) is recorded.
        "EPRIVACY-PROVIDER-UNSTATED@organisation:itnet": "provider status recorded: not public",
        # "deleted or anonymized within 30 days" of termination: a period with its trigger.
        "RETENTION-VAGUE@activity:itnet-account-provisioning/all": "P30D from termination",
        "RETENTION-MISSING@activity:itnet-account-provisioning/full_name": "activity-wide rule",
        "RETENTION-VAGUE@organisation:itnet": "the statement gives 30 days from termination",
        # TLS, SRTP, zero-trust access control: named measures.
        "SECURITY-VAGUE@organisation:itnet": "TLS, SRTP and zero-trust access are measures",
        "ART30-1G-TOMS-MISSING@activity:itnet-contacts-local": (
            "its own measure: the contacts never leave the device"
        ),
        # Device-only contacts (L8): no flow leaves the device, nothing is uploaded.
        "ART30-1D-RECIPIENTS-MISSING@activity:itnet-contacts-local": (
            "device-only contacts: recipients are none"
        ),
        "ART30-1D-RECIPIENT-NOT-LISTED@activity:itnet-contacts-local": (
            "device-only contacts: nobody receives them"
        ),
        "EPRIVACY-DEVICE-ACCESS-WITHOUT-CONSENT@activity:itnet-contacts-local/"
        "the-device-s-contact-list-read-to-display-caller-id-and-cont": (
            "reading contacts to show caller ID in the dialer is strictly necessary"
        ),
        "EPRIVACY-DEVICE-ACCESS-WITHOUT-CONSENT@activity:itnet-push-notifications/"
        "firebase-cloud-messaging-sdk-registration-token-read-on-the": (
            "the push token is strictly necessary to ring for an incoming call"
        ),
        # Push recipients follow from the flow to FCM.
        "ART30-1D-RECIPIENTS-MISSING@activity:itnet-push-notifications": (
            "the flow to FCM names the recipient"
        ),
        # Not a public provider: the ePrivacy traffic rules do not apply.
        "EPRIVACY-TRAFFIC-RETENTION@activity:itnet-voip-calls": "not a public provider",
        # FCM's role is unknown, so no Art 28 contract can be asked for yet.
        "PROCESSOR-WITHOUT-DPA@party:itnet-google-fcm": "role not stated: asked for first",
    },
    "innovat": {
        # Push relay deleting data when the push instance expires (L17): concrete criteria.
        "RETENTION-VAGUE@activity:innovat-push-notifications/sip_account_credentials": (
            "erased when the push instance expires"
        ),
        "RETENTION-INDEFINITE@activity:innovat-push-notifications/sip_account_credentials": (
            "erased when the push instance expires"
        ),
        "RETENTION-MISSING@activity:innovat-push-notifications/sip_account_credentials": (
            "erased when the push instance expires"
        ),
        "RETENTION-VAGUE@activity:innovat-push-notifications/sip_signalling": (
            "the remote registration ends with the push instance"
        ),
        "RETENTION-MISSING@activity:innovat-push-notifications/sip_signalling": (
            "the remote registration ends with the push instance"
        ),
        # Busy Lamp Field: "will not be stored anywhere" (L32).
        "RETENTION-VAGUE@activity:innovat-busy-lamp-field/all": "not stored anywhere",
        # The response deadline (L79) is not a retention period: no rule compares or accepts it.
        "RETENTION-MISSING@activity:innovat-privacy-requests/identity_document": (
            "covered by the (vague) retention statement, not by the 30-day deadline"
        ),
        "RETENTION-DOWNSTREAM-LONGER@activity:innovat-privacy-requests/identity_document": (
            "a deadline is no period to compare"
        ),
        # Device-only contacts (L31-L32, L49): not a transfer, not a recipient.
        "ART30-1D-RECIPIENTS-MISSING@activity:innovat-contacts-local": (
            "device-only contacts: recipients are none"
        ),
        "ART30-1D-RECIPIENT-NOT-LISTED@activity:innovat-contacts-local": (
            "device-only contacts: nobody receives them"
        ),
        "RETENTION-VAGUE@activity:innovat-contacts-local/all": "kept on the device only",
        "EPRIVACY-DEVICE-ACCESS-WITHOUT-CONSENT@activity:innovat-contacts-local/"
        "the-device-address-book-read-with-the-contacts-permission-l1": (
            "reading contacts for the app's own contact list is strictly necessary"
        ),
        "EPRIVACY-DEVICE-ACCESS-WITHOUT-CONSENT@activity:innovat-push-notifications/"
        "apns-fcm-push-token-obtained-on-the-device-l13": (
            "the push token is strictly necessary to ring for an incoming call"
        ),
        # Recipients follow from flows: push (APNs, FCM, SIP provider), BLF, location.
        "ART30-1D-RECIPIENTS-MISSING@activity:innovat-push-notifications": "flows name them",
        "ART30-1D-RECIPIENTS-MISSING@activity:innovat-busy-lamp-field": "flows name them",
        "ART30-1D-RECIPIENTS-MISSING@activity:innovat-emergency-location": "flows name them",
        # One emergency location per call is not tracking (WP248 criterion 3), and Art 10(b).
        "DPIA-LIKELY@activity:innovat-emergency-location": "one-off emergency location",
        "EPRIVACY-LOCATION-WITHOUT-CONSENT@activity:innovat-emergency-location": (
            "emergency location needs no consent"
        ),
        # "commercially reasonable measures ... for example ... SSL" (L60) names a measure.
        "SECURITY-VAGUE@organisation:innovat": "names encryption in transit (SSL)",
        # No DPO is named, but nothing recorded makes one mandatory.
        "DPO-LIKELY-REQUIRED@organisation:innovat": "no Art 37 ground is recorded",
        # Art 3(2) status unknown: asked (ART27-SCOPE-UNRECORDED), not an error.
        "ART30-1A-REPRESENTATIVE-CONTACT@organisation:innovat": "Art 3(2) not recorded",
        "ART30-1A-CONTROLLER-CONTACT@organisation:innovat": "address and email are given",
    },
    "softphonez": {
        # Nothing places it outside the EEA: no Art 27 finding.
        "ART30-1A-REPRESENTATIVE-CONTACT@organisation:softphonez": "no establishment stated",
        "ART27-SCOPE-UNRECORDED@organisation:softphonez": "no establishment outside the EU stated",
        # Recipients named by kind and role ("hosting providers", processor): not open-ended.
        "ART30-1D-RECIPIENTS-MISSING@activity:softphonez-accounts": "recipient categories given",
        "ART30-1D-RECIPIENTS-MISSING@activity:softphonez-analytics": "recipient categories given",
        # The sharing statement admits sharing: nothing to contradict.
        "STATEMENT-CONTRADICTS-RECORD@organisation:softphonez/sharing": "sharing admitted",
        "STATEMENT-CONTRADICTS-RECORD@organisation:softphonez/transfers": "transfers admitted",
        # Provider status unknown: the traffic rules are asked about, not applied.
        "EPRIVACY-TRAFFIC-RETENTION@activity:softphonez-calling-messaging/call_metadata": (
            "provider status not stated"
        ),
        # Not recorded as consent on any activity: no consent record to ask for.
        "CONSENT-WITHOUT-RECORD@activity:softphonez-analytics": "no activity claims consent",
    },
}


@pytest.mark.parametrize("seed", sorted(EXPECTED))
def test_seed_policy_findings_are_exactly_the_expected(seed: str) -> None:
    found = set(_findings(SEEDS / f"{seed}.yaml"))
    assert not EXPECTED[seed] - found, sorted(EXPECTED[seed] - found)
    assert not found - EXPECTED[seed], sorted(found - EXPECTED[seed])


@pytest.mark.parametrize("seed", sorted(NOT_EXPECTED))
def test_seed_policy_non_findings(seed: str) -> None:
    found = set(_findings(SEEDS / f"{seed}.yaml"))
    raised = {i: why for i, why in NOT_EXPECTED[seed].items() if i in found}
    assert not raised, raised


@pytest.mark.parametrize("seed", sorted(EXPECTED))
def test_seed_policies_are_far_from_complete(seed: str) -> None:
    """Real published policies leave out much of what Art 30 asks: each has errors."""
    errors = [f for f in _findings(SEEDS / f"{seed}.yaml").values() if f.severity == "error"]
    assert len(errors) >= 3


@pytest.mark.parametrize("seed", sorted(EXPECTED))
def test_asserted_ids_name_entities_that_exist(seed: str) -> None:
    """Guards the non-finding lists against passing vacuously on a misspelt key or detail."""
    document = parse_document((SEEDS / f"{seed}.yaml").read_bytes(), "yaml")
    graph = build_graph(document, builtin())
    for finding_id in EXPECTED[seed] | set(NOT_EXPECTED[seed]):
        rule_id, _, target = finding_id.partition("@")
        kind, _, rest = target.partition(":")
        key, _, detail = rest.partition("/")
        assert graph.organisation_of(kind, key), finding_id
        if kind != "activity" or not detail:
            continue
        activity = graph.activities[key]
        if rule_id.startswith("RETENTION-") and detail != "all":
            assert detail in activity.data_categories, finding_id
        if rule_id == "EPRIVACY-DEVICE-ACCESS-WITHOUT-CONSENT":
            assert detail in {_slug(d.description) for d in activity.device_access}, finding_id
