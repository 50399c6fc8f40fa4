"""Organisation-wide statements the record contradicts: fires on one change, silent on a twin.

In the clean registry, push sends data to two processors (Hetzner, FCM) and transfers push tokens
to FCM in the US.
"""

from __future__ import annotations

from typing import Any

import pytest

from ropa.rules.wording import sharing_denial, transfer_denial
from tests.unit.rules.harness import Change, changed, findings, item

RULE = "STATEMENT-CONTRADICTS-RECORD"


def said(**statements: str) -> Change:
    def change(data: dict[str, Any]) -> None:
        item(data, "organisations", "acme")["statements"] = statements

    return change


def controller_recipient(data: dict[str, Any]) -> None:
    data["parties"].append(
        {
            "key": "carrier",
            "organisation": "acme",
            "name": "Carrier Partner SAS",
            "role": "independent_controller",
            "country": "FR",
        }
    )
    item(data, "activities", "push")["recipients"].append("carrier")


def within_eea(data: dict[str, Any]) -> None:
    """FCM dropped: push tokens stay with the German relay."""
    data["flows"] = [f for f in data["flows"] if f["key"] != "relay-to-fcm"]
    item(data, "activities", "push")["recipients"] = ["hoster"]


_ROWS = [
    pytest.param([said(sharing="We do not share your personal data.")],
                 [f"{RULE}@organisation:acme/sharing"], id="no-sharing-but-processors"),
    pytest.param([said(sharing="We do not share your data with third parties."),
                  controller_recipient],
                 [f"{RULE}@organisation:acme/sharing"], id="no-third-parties-but-a-controller"),
    pytest.param([said(transfers="We do not transfer data outside the EEA.")],
                 [f"{RULE}@organisation:acme/transfers"], id="no-transfers-but-fcm-in-us"),
    pytest.param([said(sharing="We never share your data", transfers="Data stays in the EU")],
                 [f"{RULE}@organisation:acme/sharing", f"{RULE}@organisation:acme/transfers"],
                 id="both"),
    pytest.param([said(sharing="We do not share your data with third parties.")],
                 [], id="twin-processors-are-not-third-parties"),
    pytest.param([said(sharing="We do not share your data except with our service providers.")],
                 [], id="twin-qualified-denial"),
    pytest.param([said(sharing="We share data with hosting and push providers under DPAs.")],
                 [], id="twin-sharing-stated"),
    pytest.param([said(transfers="We do not transfer data outside the EEA."), within_eea],
                 [], id="twin-no-transfers-and-none-shown"),
    pytest.param([said(transfers="We do not transfer your data to advertisers.")],
                 [], id="twin-denial-not-about-borders"),
    pytest.param([said(transfers="We may transfer data across borders.")],
                 [], id="twin-transfers-admitted"),
    pytest.param([said(sharing="We do not share your data."),
                  lambda d: item(d, "activities", "push").update(status="retired")],
                 [], id="twin-retired-activity"),
]  # fmt: skip
UNSAFEGUARDED = "TRANSFER-STATEMENT-UNSAFEGUARDED"
ACROSS_BORDERS = (
    "Our service providers may be located in countries different from your own; your data may "
    "be processed or transferred across borders."
)
_UNSAFEGUARDED_ROWS = [
    pytest.param([said(transfers=ACROSS_BORDERS)],
                 [f"{UNSAFEGUARDED}@organisation:acme"], id="across-borders-push-has-its-own"),
    pytest.param([said(transfers=ACROSS_BORDERS), within_eea],
                 [f"{UNSAFEGUARDED}@activity:push", f"{UNSAFEGUARDED}@organisation:acme"],
                 id="across-borders-inherited-by-push"),
    pytest.param([said(transfers="Data sent to the US is covered by standard contractual clauses")],
                 [], id="twin-safeguard-named"),
    pytest.param([said(transfers="We do not transfer data outside the EEA."), within_eea],
                 [], id="twin-transfers-denied"),
    pytest.param([said(transfers="Transfers follow the recipients list."), within_eea],
                 [], id="twin-nothing-about-borders"),
    pytest.param([said(transfers=ACROSS_BORDERS), within_eea,
                  lambda d: item(d, "activities", "push").update(status="retired")],
                 [f"{UNSAFEGUARDED}@organisation:acme"], id="twin-retired-activity-not-judged"),
]  # fmt: skip
CASES = [pytest.param(RULE, *p.values, id=p.id) for p in _ROWS] + [
    pytest.param(UNSAFEGUARDED, *p.values, id=p.id) for p in _UNSAFEGUARDED_ROWS
]


@pytest.mark.parametrize(("rule", "changes", "expected"), CASES)
def test_rule(rule: str, changes: list[Change], expected: list[str]) -> None:
    assert sorted(f.id for f in findings(changed(*changes), rule)) == expected


@pytest.mark.parametrize(
    ("text", "scope"),
    [
        ("We do not share your data.", "anyone"),
        ("We don't share your personal information.", "anyone"),
        ("Your data is never shared.", "anyone"),
        ("We do not sell or rent your data to third parties.", "third_parties"),
        ("We share your data with third parties.", None),
        ("We do not share your data unless the law requires it.", None),
        # An exception qualifies its own sentence, not a flat denial in the next one.
        (
            "No data is collected except when a feature needs it. We do not share or sell your "
            "personal information to third parties.",
            "third_parties",
        ),
        ("We never share your data. We may share it with partners except in the EU.", "anyone"),
        ("", None),
    ],
)
def test_sharing_denials(text: str, scope: str | None) -> None:
    assert sharing_denial(text) == scope


@pytest.mark.parametrize(
    ("text", "denies"),
    [
        ("We do not transfer personal data outside the European Economic Area.", True),
        ("Your data never leaves the EU.", True),
        ("Data is stored only in the EU.", True),
        ("We may transfer data across borders.", False),
        ("We do not transfer data outside the EEA other than under SCCs.", False),
        ("Logs are kept unless you object. Your data never leaves the EU.", True),
    ],
)
def test_transfer_denials(text: str, denies: bool) -> None:
    assert (transfer_denial(text) is not None) is denies


def test_message_names_what_the_record_shows() -> None:
    (finding,) = findings(changed(said(sharing="We do not share your data.")), RULE)
    assert "Hetzner Online GmbH (`hoster`)" in finding.message
    assert "Google LLC (Firebase Cloud Messaging) (`fcm`)" in finding.message
