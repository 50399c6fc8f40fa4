"""Vague wording: recipients, data categories and security measures named only in words that
say nothing of what they are (phrase lists in ``schema/vocabulary/vague_phrases.yaml``).

Vague purposes are ART30-1B-PURPOSE-VAGUE (article30), with the same lists.
"""

from __future__ import annotations

from collections.abc import Iterator

from ropa.rules import wording
from ropa.rules.common import entity
from ropa.rules.engine import Check, Hit, rule


def _quoted(phrases: tuple[str, ...]) -> str:
    return ", ".join(f'"{phrase}"' for phrase in phrases)


@rule("RECIPIENT-VAGUE")
def recipient_vague(check: Check) -> Iterator[Hit]:
    """A recipient category with no role and a label that names only an open-ended group."""
    for activity in check.facts.judged_activities:
        for index, category in enumerate(activity.recipient_categories):
            if category.role is not None:
                continue
            found = wording.vague_phrases("recipients", category.label)
            if found:
                yield Hit(
                    entity("activity", activity.key),
                    f'recipient category "{category.label.strip()}" names only {_quoted(found)}, '
                    "with no kind of recipient or role",
                    detail=str(index),
                )


@rule("DATA-CATEGORY-VAGUE")
def data_category_vague(check: Check) -> Iterator[Hit]:
    """A keeper's data category whose label says nothing of the data ("technical data")."""
    graph = check.graph
    terms = {t.key for t in graph.document.terms if str(t.vocabulary) == "data_category"}
    for activity in check.facts.judged_activities:
        for key in dict.fromkeys(activity.data_categories):
            if key not in terms:
                continue
            label = graph.category(key).label
            found = wording.vague_phrases("data_categories", label)
            if found:
                yield Hit(
                    entity("activity", activity.key),
                    f'data category "{label}" (`{key}`) says only {_quoted(found)}, not what '
                    "personal data it is",
                    detail=key,
                )


@rule("SECURITY-VAGUE", organisation_name=True)
def security_vague(check: Check) -> Iterator[Hit]:
    """Security described only as "reasonable safeguards" or "appropriate measures": judged once
    on the organisation-wide statement, and on each activity that relies on it or whose own
    measures are all such phrases."""
    graph = check.graph
    vague_statement: dict[str, tuple[str, ...]] = {}
    for key, organisation in graph.organisations.items():
        said = organisation.statements.security if organisation.statements else ""
        # "Acme may use reasonable safeguards": the organisation's own name says nothing.
        said = wording.without_name(said, organisation.name)
        found = wording.vague_phrases("security", said) if said.strip() else ()
        if found:
            vague_statement[key] = found
            yield Hit(
                entity("organisation", key),
                f"the organisation-wide security statement names no measure, only {_quoted(found)}",
            )
    for activity in check.facts.judged_activities:
        security = check.facts.statements[entity("activity", activity.key)].security
        if security.inherited:
            if activity.organisation in vague_statement:
                yield Hit(
                    entity("activity", activity.key),
                    f"{activity.name} relies on the organisation-wide security statement, which "
                    f"names no measure, only {_quoted(vague_statement[activity.organisation])}",
                )
            continue
        measures = [m for m in activity.security_measures if m.strip()]
        found_each = [wording.vague_phrases("security", m) for m in measures]
        if measures and all(found_each):
            phrases = tuple(dict.fromkeys(p for found in found_each for p in found))
            yield Hit(
                entity("activity", activity.key),
                f"{activity.name} describes its security measures only as {_quoted(phrases)}",
            )
