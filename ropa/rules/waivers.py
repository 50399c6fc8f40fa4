"""Waivers that waive nothing: a mistyped finding id, or a finding fixed since.

A waiver is matched by its finding id and organisation. To know which ids exist, this rule runs
the rules its waivers name (once each, only when there are waivers), so it costs nothing on a
registry without them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from ropa.domain import model as m
from ropa.domain.suggest import did_you_mean
from ropa.rules.engine import RULES, Check, Hit, rule

RULE_ID = "WAIVER-UNMATCHED"


def _finding_ids(check: Check, rule_id: str) -> dict[str, str]:
    """Finding id -> organisation, for one rule."""
    graph = check.graph
    found: dict[str, str] = {}
    for hit in RULES[rule_id](check):
        finding = f"{rule_id}@{hit.entity}" + (f"/{hit.detail}" if hit.detail else "")
        kind, _, key = hit.entity.partition(":")
        found[finding] = graph.organisation_of(kind, key)
    return found


@rule(RULE_ID, wide=True)
def waiver_unmatched(check: Check) -> Iterator[Hit]:
    return unmatched(check.graph.waivers.values(), lambda rule_id: _finding_ids(check, rule_id))


def unmatched(
    waivers: Iterable[m.Waiver], finding_ids: Callable[[str], dict[str, str]]
) -> Iterator[Hit]:
    """The hits of this rule, given each named rule's finding ids -> organisation (incremental
    judgement takes them from the findings it keeps)."""
    waivers = sorted(waivers, key=lambda w: w.key)
    if not waivers:
        return
    by_rule: dict[str, dict[str, str]] = {}
    for waiver in waivers:
        rule_id = waiver.finding.partition("@")[0]
        if rule_id not in RULES or rule_id == RULE_ID:
            guess = did_you_mean(rule_id, [r for r in RULES if r != RULE_ID])
            yield Hit(
                f"waiver:{waiver.key}",
                f"waiver `{waiver.key}` names rule `{rule_id}`, which the catalogue does not "
                "have" + (f"; {guess}" if guess else ""),
            )
            continue
        if rule_id not in by_rule:
            by_rule[rule_id] = finding_ids(rule_id)
        found = by_rule[rule_id]
        organisation = found.get(waiver.finding)
        if organisation == waiver.organisation:
            continue
        if organisation is not None:
            yield Hit(
                f"waiver:{waiver.key}",
                f"waiver `{waiver.key}` is kept by organisation `{waiver.organisation}`, but "
                f"`{waiver.finding}` is a finding of `{organisation}`",
            )
            continue
        own = [f for f, org in found.items() if org == waiver.organisation]
        guess = did_you_mean(waiver.finding, own)
        yield Hit(
            f"waiver:{waiver.key}",
            f"waiver `{waiver.key}` names `{waiver.finding}`, which no rule finds today"
            + (f"; {guess}" if guess else "; if it was fixed, the waiver can go"),
        )
