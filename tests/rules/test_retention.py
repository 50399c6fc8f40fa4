"""Retention rules: each fires on one change to the clean registry and not on its near twin."""

from __future__ import annotations

from typing import Any

import pytest

from ropa.rules import catalogue
from tests.rules.harness import Change, changed, findings, item

INNOVAT = {"period": "P6D", "trigger": "push instance expiry or push notifications disabled"}
"""Innovat's push relay (SIPIS): erased when the push instance expires, within 3-6 days."""
SOFTPHONEZ = (
    "Personal data may be retained only for as long as reasonably necessary for the purposes "
    "described in this policy, including service delivery, billing reconciliation, support, "
    "legal compliance, dispute resolution, fraud prevention, and enforcement of agreements."
)
"""Softphonez's whole retention policy."""


def keep(category: str | None, **fields: Any) -> dict[str, Any]:
    """A retention rule for one category, or for all the activity's data (``None``)."""
    return ({"data_category": category} if category else {}) | fields


def retention(*rules: dict[str, Any], activity: str = "push") -> Change:
    def change(data: dict[str, Any]) -> None:
        item(data, "activities", activity)["retention"] = list(rules)

    return change


def retire(activity: str) -> Change:
    def change(data: dict[str, Any]) -> None:
        item(data, "activities", activity)["status"] = "retired"

    return change


def downstream_copy(
    *rules: dict[str, Any], categories: tuple[str, ...] = ("push_token",)
) -> Change:
    """A second activity copying categories from the push relay into an analytics warehouse."""

    def change(data: dict[str, Any]) -> None:
        data["systems"].append(
            {
                "key": "warehouse",
                "organisation": "acme",
                "name": "Analytics warehouse",
                "type": "database",
                "hosting_country": "DE",
            }
        )
        data["activities"].append(
            {
                "key": "analytics",
                "organisation": "acme",
                "name": "Push delivery statistics",
                "purposes": ["Count delivered and failed push notifications to tune the relay"],
                "data_subjects": ["app_users"],
                "data_categories": list(categories),
                "lawful_bases": [
                    {
                        "basis": "legitimate_interests",
                        "interest": "Reliable delivery of incoming calls",
                        "lia_reference": "LIA-2026-01",
                    }
                ],
                "recipients": [],
                "systems": ["warehouse"],
                "retention": list(rules),
                "security_measures": ["Warehouse encrypted at rest; access for two analysts"],
                "data_sources": ["the push relay"],
                "dpia": {"status": "not_required", "reference": "SCREEN-2026-01"},
                "owner": "Head of Mobile",
                "last_reviewed": "2026-06-01",
                "status": "active",
            }
        )
        data["flows"].append(
            {
                "key": "relay-to-warehouse",
                "activity": "analytics",
                "source": "system:relay",
                "target": "system:warehouse",
                "data_categories": list(categories),
            }
        )

    return change


PUSH = "activity:push"
ANALYTICS = "activity:analytics"
CREDENTIALS = keep("sip_account_credentials", **INNOVAT)


def said(retention_statement: str) -> Change:
    """An organisation-wide retention statement, which activities without rules inherit."""

    def change(data: dict[str, Any]) -> None:
        item(data, "organisations", "acme")["statements"] = {"retention": retention_statement}

    return change


CASES = [
    # --- RETENTION-MISSING
    pytest.param(
        "RETENTION-MISSING",
        [retention(keep("push_token", **INNOVAT))],
        [f"RETENTION-MISSING@{PUSH}/sip_account_credentials"],
        id="missing-one-category",
    ),
    pytest.param(
        "RETENTION-MISSING",
        [retention()],
        [
            f"RETENTION-MISSING@{PUSH}/push_token",
            f"RETENTION-MISSING@{PUSH}/sip_account_credentials",
        ],
        id="missing-every-category",
    ),
    pytest.param(
        "RETENTION-MISSING",
        [retention(), said("Call data is deleted 30 days after the call")],
        [],
        id="twin-missing-organisation-statement-inherited",
    ),
    pytest.param(
        "RETENTION-VAGUE",
        [retention(), said(SOFTPHONEZ)],
        ["RETENTION-VAGUE@organisation:acme", f"RETENTION-VAGUE@{PUSH}/all"],
        id="vague-organisation-statement-judged-once-and-relied-on",
    ),
    pytest.param(
        "RETENTION-VAGUE",
        [said(SOFTPHONEZ)],
        ["RETENTION-VAGUE@organisation:acme"],
        id="vague-organisation-statement-no-activity-relies-on-it",
    ),
    pytest.param(
        "RETENTION-VAGUE",
        [retention(), said("Call data is deleted 30 days after the call; accounts within P90D")],
        [],
        id="twin-vague-organisation-statement-with-period",
    ),
    pytest.param(
        "RETENTION-MISSING",
        [retention(keep(None, **INNOVAT))],
        [],
        id="twin-missing-activity-wide-rule-covers-all",
    ),
    pytest.param(
        "RETENTION-MISSING",
        [retention(keep("push_token", statement="as long as reasonably necessary"), CREDENTIALS)],
        [],
        id="twin-missing-vague-rule-still-covers",
    ),
    pytest.param(
        "RETENTION-MISSING",
        [retention(), retire("push")],
        [],
        id="twin-missing-retired-activity",
    ),
    # --- RETENTION-VAGUE
    pytest.param(
        "RETENTION-VAGUE",
        [retention(keep(None, statement=SOFTPHONEZ))],
        [f"RETENTION-VAGUE@{PUSH}/all"],
        id="vague-softphonez-seed",
    ),
    pytest.param(
        "RETENTION-VAGUE",
        [retention(keep("push_token", statement="as long as reasonably necessary"), CREDENTIALS)],
        [f"RETENTION-VAGUE@{PUSH}/push_token"],
        id="vague-statement-only",
    ),
    pytest.param(
        "RETENTION-VAGUE",
        [retention(keep("push_token", trigger="push instance expiry"), CREDENTIALS)],
        [f"RETENTION-VAGUE@{PUSH}/push_token"],
        id="vague-trigger-only",
    ),
    pytest.param(
        "RETENTION-VAGUE",
        [retention(keep("push_token", period="P6D", trigger="push instance expiry"), CREDENTIALS)],
        [],
        id="twin-vague-period-with-trigger",
    ),
    pytest.param(
        "RETENTION-VAGUE",
        [
            retention(
                keep("push_token", criteria="deleted 30 days after account termination"),
                CREDENTIALS,
            )
        ],
        [],
        id="twin-vague-criteria-without-period",
    ),
    pytest.param(
        "RETENTION-VAGUE",
        [retention(keep("push_token", indefinite=True, statement="kept for good"), CREDENTIALS)],
        [],
        id="twin-vague-indefinite-is-its-own-rule",
    ),
    # --- RETENTION-INDEFINITE
    pytest.param(
        "RETENTION-INDEFINITE",
        [retention(keep("push_token", indefinite=True), CREDENTIALS)],
        [f"RETENTION-INDEFINITE@{PUSH}/push_token"],
        id="indefinite-one-category",
    ),
    pytest.param(
        "RETENTION-INDEFINITE",
        [retention(keep(None, indefinite=True, statement="kept for the life of the service"))],
        [f"RETENTION-INDEFINITE@{PUSH}/all"],
        id="indefinite-activity-wide",
    ),
    pytest.param(
        "RETENTION-INDEFINITE",
        [retention(keep("push_token", period="P10Y", trigger="account termination"), CREDENTIALS)],
        [],
        id="twin-indefinite-long-but-finite",
    ),
    pytest.param(
        "RETENTION-INDEFINITE",
        [retention(keep("push_token", indefinite=True), CREDENTIALS), retire("push")],
        [],
        id="twin-indefinite-retired-activity",
    ),
    pytest.param(
        "RETENTION-INDEFINITE",
        [
            retention(
                keep(
                    "push_token",
                    indefinite=True,
                    art89_purpose="Statistics on push reliability under Art 89(1), pseudonymised",
                ),
                CREDENTIALS,
            )
        ],
        [],
        id="twin-indefinite-art89-purpose-recorded",
    ),
    # --- RETENTION-DOWNSTREAM-LONGER (push keeps push_token P6D on the relay)
    pytest.param(
        "RETENTION-DOWNSTREAM-LONGER",
        [downstream_copy(keep("push_token", period="P30D", trigger="event collected"))],
        [f"RETENTION-DOWNSTREAM-LONGER@{ANALYTICS}/push_token"],
        id="downstream-copy-kept-longer",
    ),
    pytest.param(
        "RETENTION-DOWNSTREAM-LONGER",
        [downstream_copy(keep(None, period="P1Y", trigger="event collected"))],
        [f"RETENTION-DOWNSTREAM-LONGER@{ANALYTICS}/push_token"],
        id="downstream-copy-activity-wide-rule",
    ),
    pytest.param(
        "RETENTION-DOWNSTREAM-LONGER",
        [
            retention(keep(None, period="P6D", trigger="push instance expiry")),
            downstream_copy(keep("push_token", period="P1W", trigger="event collected")),
        ],
        [f"RETENTION-DOWNSTREAM-LONGER@{ANALYTICS}/push_token"],
        id="downstream-source-activity-wide-rule",
    ),
    pytest.param(
        "RETENTION-DOWNSTREAM-LONGER",
        [downstream_copy(keep("push_token", period="P6D", trigger="event collected"))],
        [],
        id="twin-downstream-same-period",
    ),
    pytest.param(
        "RETENTION-DOWNSTREAM-LONGER",
        [downstream_copy(keep("push_token", period="PT144H", trigger="event collected"))],
        [],
        id="twin-downstream-same-length-other-unit",
    ),
    pytest.param(
        "RETENTION-DOWNSTREAM-LONGER",
        [
            downstream_copy(
                keep("push_token", criteria="deleted when the relay deletes the instance")
            )
        ],
        [],
        id="twin-downstream-criteria-without-period",
    ),
    pytest.param(
        "RETENTION-DOWNSTREAM-LONGER",
        [
            downstream_copy(
                keep("device_identifiers", period="P30D"), categories=("device_identifiers",)
            )
        ],
        [],
        id="twin-downstream-category-source-does-not-process",
    ),
    pytest.param(
        "RETENTION-DOWNSTREAM-LONGER",
        [downstream_copy(keep("push_token", period="P30D")), retire("push")],
        [],
        id="twin-downstream-source-activity-retired",
    ),
    # --- RETENTION-LAW-UNCITED
    pytest.param(
        "RETENTION-LAW-UNCITED",
        [retention(keep("push_token", period="P10Y", trigger="end of the tax year"), CREDENTIALS)],
        [f"RETENTION-LAW-UNCITED@{PUSH}/push_token"],
        id="law-uncited-tax-trigger",
    ),
    pytest.param(
        "RETENTION-LAW-UNCITED",
        [
            retention(
                keep("push_token", **INNOVAT),
                keep(
                    "sip_account_credentials",
                    period="P3Y",
                    criteria="Kept for the statutory limitation period of contract claims.",
                ),
            )
        ],
        [f"RETENTION-LAW-UNCITED@{PUSH}/sip_account_credentials"],
        id="law-uncited-statutory-criteria",
    ),
    pytest.param(
        "RETENTION-LAW-UNCITED",
        [retention(keep(None, statement=SOFTPHONEZ))],
        [f"RETENTION-LAW-UNCITED@{PUSH}/all"],
        id="law-uncited-softphonez-seed",
    ),
    pytest.param(
        "RETENTION-LAW-UNCITED",
        [
            retention(
                keep(
                    "push_token",
                    period="P10Y",
                    trigger="end of the tax year",
                    legal_source="AO §147(1) and (3)",
                ),
                CREDENTIALS,
            )
        ],
        [],
        id="twin-law-uncited-law-cited",
    ),
    pytest.param(
        "RETENTION-LAW-UNCITED",
        [
            retention(
                keep("push_token", criteria="deleted 30 days after account termination"),
                CREDENTIALS,
            )
        ],
        [],
        id="twin-law-uncited-no-legal-ground",
    ),
]


@pytest.mark.parametrize(("rule", "changes", "expected"), CASES)
def test_rule_fires_on_its_change_only(
    rule: str, changes: list[Change], expected: list[str]
) -> None:
    assert sorted(f.id for f in findings(changed(*changes), rule)) == sorted(expected)


RETENTION_RULES = sorted(r.id for r in catalogue().values() if r.theme == "retention")


@pytest.mark.parametrize("rule", RETENTION_RULES)
def test_innovat_push_relay_gets_no_retention_finding(rule: str) -> None:
    """Innovat: erased at push instance expiry (3-6 days) or when push is disabled."""
    data = changed(
        retention(keep("push_token", **INNOVAT), keep("sip_account_credentials", **INNOVAT)),
        downstream_copy(keep("push_token", **INNOVAT)),
    )
    assert [f.id for f in findings(data, rule)] == []


@pytest.mark.parametrize(
    ("rule", "changes", "fragments"),
    [
        pytest.param(
            "RETENTION-MISSING",
            [retention(keep("push_token", **INNOVAT))],
            ["SIP account credentials (sip_account_credentials)"],
            id="missing",
        ),
        pytest.param(
            "RETENTION-VAGUE",
            [retention(keep(None, statement=SOFTPHONEZ))],
            ["all the activity's data", '"Personal data may be retained only for as long as'],
            id="vague",
        ),
        pytest.param(
            "RETENTION-INDEFINITE",
            [retention(keep("push_token", indefinite=True), CREDENTIALS)],
            ["Push notification token (push_token)", "indefinitely"],
            id="indefinite",
        ),
        pytest.param(
            "RETENTION-DOWNSTREAM-LONGER",
            [downstream_copy(keep("push_token", period="P30D"))],
            ["Push notification token (push_token)", "P30D", "Push relay", "`push`", "P6D"],
            id="downstream",
        ),
        pytest.param(
            "RETENTION-LAW-UNCITED",
            [retention(keep("push_token", period="P10Y", trigger="end of the tax year"))],
            ["Push notification token (push_token)", '"tax"'],
            id="law-uncited",
        ),
    ],
)
def test_messages_name_the_category_and_period(
    rule: str, changes: list[Change], fragments: list[str]
) -> None:
    (finding, *_) = findings(changed(*changes), rule)
    for fragment in fragments:
        assert fragment in finding.message
