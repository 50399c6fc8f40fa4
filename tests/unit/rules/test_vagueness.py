"""Vague wording: each rule fires on one change to the clean registry and not on its twin; each
phrase list (schema/vocabulary/vague_phrases.yaml) is tested on its own."""

from __future__ import annotations

from typing import Any

import pytest

from ropa.domain.vocabulary import wording
from ropa.rules.wording import vague_phrases
from tests.unit.rules.harness import Change, changed, findings, item


def _push(**fields: Any) -> Change:
    def change(data: dict[str, Any]) -> None:
        item(data, "activities", "push").update(fields)

    return change


def _org(**fields: Any) -> Change:
    def change(data: dict[str, Any]) -> None:
        item(data, "organisations", "acme").update(fields)

    return change


def _term(key: str, label: str) -> Change:
    """A keeper's data category, added to the push activity (with a retention rule)."""

    def change(data: dict[str, Any]) -> None:
        data.setdefault("terms", []).append(
            {"key": key, "vocabulary": "data_category", "label": label}
        )
        push = item(data, "activities", "push")
        push["data_categories"].append(key)
        push["retention"].append({"data_category": key, "period": "P6D"})

    return change


REASONABLE = "We use reasonable safeguards to protect your personal information."
SPECIFIC = "TLS 1.3 in transit, disk encryption at rest, administrator access by hardware key"

ROWS = [
    # --- RECIPIENT-VAGUE
    pytest.param("RECIPIENT-VAGUE", [_push(recipient_categories=[{"label": "Third parties"}])],
                 ["RECIPIENT-VAGUE@activity:push/0"], id="third-parties"),
    pytest.param("RECIPIENT-VAGUE",
                 [_push(recipient_categories=[{"label": "Advertising partners",
                                               "role": "independent_controller"},
                                              {"label": "Our trusted service providers"}])],
                 ["RECIPIENT-VAGUE@activity:push/1"], id="service-providers-second"),
    pytest.param("RECIPIENT-VAGUE",
                 [_push(recipient_categories=[{"label": "Service providers",
                                               "role": "processor"}])],
                 [], id="twin-service-providers-with-role"),
    pytest.param("RECIPIENT-VAGUE",
                 [_push(recipient_categories=[{"label": "Payment service providers"}])],
                 [], id="twin-kind-named"),
    pytest.param("RECIPIENT-VAGUE",
                 [_push(recipient_categories=[{"label": "Partners"}], status="retired")],
                 [], id="twin-retired"),
    # --- DATA-CATEGORY-VAGUE
    pytest.param("DATA-CATEGORY-VAGUE", [_term("tech", "Technical data")],
                 ["DATA-CATEGORY-VAGUE@activity:push/tech"], id="technical-data"),
    pytest.param("DATA-CATEGORY-VAGUE", [_term("given", "Information you provide to us")],
                 ["DATA-CATEGORY-VAGUE@activity:push/given"], id="information-you-provide"),
    pytest.param("DATA-CATEGORY-VAGUE", [_term("misc", "Other data")],
                 ["DATA-CATEGORY-VAGUE@activity:push/misc"], id="other-data"),
    pytest.param("DATA-CATEGORY-VAGUE", [_term("device", "Device model and OS version")],
                 [], id="twin-says-what-data"),
    pytest.param("DATA-CATEGORY-VAGUE", [_term("tech", "Technical data: app version and OS")],
                 [], id="twin-vague-word-explained"),
    # --- SECURITY-VAGUE
    pytest.param("SECURITY-VAGUE", [_push(security_measures=["Appropriate measures"])],
                 ["SECURITY-VAGUE@activity:push"], id="own-measures-appropriate"),
    pytest.param("SECURITY-VAGUE",
                 [_push(security_measures=[]), _org(statements={"security": REASONABLE})],
                 ["SECURITY-VAGUE@activity:push", "SECURITY-VAGUE@organisation:acme"],
                 id="statement-judged-once-and-relied-on"),
    pytest.param("SECURITY-VAGUE", [_org(statements={"security": REASONABLE})],
                 ["SECURITY-VAGUE@organisation:acme"], id="statement-no-activity-relies-on-it"),
    pytest.param("SECURITY-VAGUE",
                 [_push(security_measures=["Appropriate measures", "Disk encryption at rest"])],
                 [], id="twin-one-measure-named"),
    pytest.param("SECURITY-VAGUE",
                 [_push(security_measures=[]), _org(statements={"security": SPECIFIC})],
                 [], id="twin-specific-statement-inherited"),
    pytest.param("SECURITY-VAGUE",
                 [_org(name="Acme Voice", statements={"security": "Acme Voice may use reasonable "
                                                      "safeguards to protect personal data."})],
                 ["SECURITY-VAGUE@organisation:acme"], id="statement-naming-the-organisation"),
    pytest.param("SECURITY-VAGUE",
                 [_org(name="Acme Voice", statements={"security": "Acme Voice encrypts call "
                                                      "recordings at rest with AES-256."})],
                 [], id="twin-statement-naming-the-organisation-and-a-measure"),
]  # fmt: skip


@pytest.mark.parametrize(("rule", "changes", "expected"), ROWS)
def test_rule(rule: str, changes: list[Change], expected: list[str]) -> None:
    assert sorted(f.id for f in findings(changed(*changes), rule)) == expected


PHRASES = {
    "purposes": [
        ("Business purposes", True),
        ("To provide and improve our services", True),
        ("Research and development", True),
        ("Personalise your experience", True),
        ("provide and operate its products and services", True),
        ("Wake the softphone app so that it can ring for an incoming call", False),
        ("Research into dropped calls per carrier to tune the SIP retry timer", False),
    ],
    "recipients": [
        ("Partners", True),
        ("Selected third parties", True),
        ("Service providers", True),
        ("Other companies", False),  # no vague phrase: says little, but not an open-ended group
        ("Cloud hosting service providers", False),
        ("Tax advisers", False),
    ],
    "data_categories": [
        ("Information you provide", True),
        ("Technical data", True),
        ("Other data", True),
        ("Usage data", True),
        ("Call detail records", False),
        ("Technical data: device model, OS version, app build", False),
    ],
    "security": [
        ("Reasonable safeguards", True),
        ("We use reasonable safeguards to protect your personal information.", True),
        ("Appropriate technical and organisational measures", True),
        ("Industry-standard security", True),
        (
            "may use reasonable administrative, technical, and organizational safeguards to help "
            "protect personal data. However, no method of storage, transmission, or security "
            "control is completely secure, and cannot guarantee absolute security.",
            True,
        ),
        ("Reasonable safeguards including encryption at rest", False),
        ("TLS 1.3 between app and relay", False),
    ],
}


@pytest.mark.parametrize(
    ("kind", "text", "vague"),
    [(kind, text, vague) for kind, rows in PHRASES.items() for text, vague in rows],
)
def test_phrase_lists(kind: str, text: str, vague: bool) -> None:
    assert bool(vague_phrases(kind, text)) is vague


def test_every_phrase_list_is_tested_and_every_phrase_is_vague_on_its_own() -> None:
    lists = wording().vague.lists
    assert set(lists) == set(PHRASES)
    for kind, found in lists.items():
        assert "en" in found.phrases, kind
        for language in found.phrases.values():
            for phrase in language:
                assert vague_phrases(kind, phrase), (kind, phrase)
