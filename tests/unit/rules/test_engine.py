"""The rule engine: catalogue and code one-to-one, stable ids, waivers, a silent clean registry."""

from __future__ import annotations

import datetime as dt

import pytest

from ropa.rules import RULES, catalogue
from tests.unit.rules.harness import changed, clean, findings, item


def test_catalogue_and_implementations_are_one_to_one() -> None:
    assert set(catalogue()) == set(RULES)


def test_catalogue_entries_are_complete() -> None:
    for rule in catalogue().values():
        assert rule.title and rule.remedy and rule.article, rule.id
        assert rule.id == rule.id.upper()


def test_clean_registry_has_no_findings() -> None:
    assert [f.id for f in findings(clean())] == []


def _stale(data: dict) -> None:
    item(data, "activities", "push")["last_reviewed"] = "2024-01-01"


def _waive(expires: str) -> object:
    def change(data: dict) -> None:
        data["waivers"] = [
            {
                "key": "w1",
                "organisation": "acme",
                "finding": "RECORD-STALE@activity:push",
                "reason": "Review scheduled with the new release",
                "accepted_by": "Dana Schmidt",
                "accepted_on": "2026-11-01",
                "expires_on": expires,
            }
        ]

    return change


def test_finding_ids_are_stable_across_runs() -> None:
    data = changed(_stale)
    first = [f.id for f in findings(data)]
    assert first == ["RECORD-STALE@activity:push"]
    assert [f.id for f in findings(data)] == first


def test_waiver_in_force_hides_its_finding() -> None:
    (finding,) = findings(changed(_stale, _waive("2027-01-31")), "RECORD-STALE")
    assert finding.waived
    assert finding.waiver is not None and not finding.waiver.expired
    assert finding.waiver.reason == "Review scheduled with the new release"


def test_expired_waiver_stops_hiding_its_finding() -> None:
    (finding,) = findings(changed(_stale, _waive("2026-11-21")), "RECORD-STALE")
    assert not finding.waived
    assert finding.waiver is not None and finding.waiver.expired


@pytest.mark.parametrize(
    ("on", "stale"),
    [(dt.date(2026, 11, 22), False), (dt.date(2027, 6, 1), False), (dt.date(2027, 6, 2), True)],
)
def test_judgement_depends_on_the_day(on: dt.date, stale: bool) -> None:
    """Reviewed 2026-06-01: stale only once more than 365 days have passed."""
    assert bool(findings(clean(), "RECORD-STALE", on=on)) is stale
