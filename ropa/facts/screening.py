"""DPIA screening: which WP248 criteria, Art 35(3) cases and national Art 35(4) list cases an
activity meets. The one place that works this out.

WP248 criteria come from the activity's risk indicators (each counts towards its ``wp248``
criterion) and from what the record shows:

- 4, sensitive or highly personal data: special or criminal data, communications content,
  location data and financial data (WP248 names all three as highly personal);
- 3, systematic monitoring: location data, except where the activity's purpose is answering
  emergency calls (a one-off location is not tracking; a ``location_tracking`` indicator still
  counts);
- 7, vulnerable data subjects: children, patients, vulnerable adults, employees and job
  applicants (the data-subject vocabulary marks them);
- 2, automated decisions with legal or similar effect.

Art 35(3) cases: an indicator with ``art35_3`` set, such automated decisions (a), and special or
criminal data together with the ``large_scale`` indicator (b). National Art 35(4) cases come from
``schema/vocabulary/dpia_lists.yaml`` for the countries whose lists apply to the organisation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ropa.domain import model as m
from ropa.domain.vocabulary import NationalDpiaCase
from ropa.facts import eprivacy
from ropa.graph import CategoryInfo, RegistryGraph

# WP248 rev.01 criteria the record itself can show, by number.
AUTOMATED_DECISION = 2
MONITORING = 3
SENSITIVE = 4
VULNERABLE = 7
LARGE_SCALE = "large_scale"
"""The risk indicator that, with special or criminal data, makes the Art 35(3)(b) case."""
HIGHLY_PERSONAL_TAGS = ("content", "location", "financial")
"""Category tags WP248 counts as highly personal data (criterion 4)."""


@dataclass(slots=True)
class Screening:
    """What an activity meets: WP248 criteria (number -> reasons), Art 35(3) cases (letter ->
    reasons) and national Art 35(4) list cases (``"DE (DSK): <case>"`` -> reasons)."""

    criteria: dict[int, list[str]] = field(default_factory=dict)
    art35_3: dict[str, list[str]] = field(default_factory=dict)
    national: dict[str, list[str]] = field(default_factory=dict)

    def meets(self, criterion: int, reason: str) -> None:
        _add(self.criteria, criterion, reason)

    def mandatory(self, case: str, reason: str) -> None:
        _add(self.art35_3, case, reason)

    def listed(self, case: str, reason: str) -> None:
        _add(self.national, case, reason)

    @property
    def required(self) -> bool:
        """An Art 35(3) case or a national-list case: a DPIA is required."""
        return bool(self.art35_3) or bool(self.national)

    @property
    def likely_high_risk(self) -> bool:
        """A DPIA is required, or two WP248 criteria or more make one expected."""
        return self.required or len(self.criteria) >= 2


def _add(found: dict[Any, list[str]], key: Any, reason: str) -> None:
    reasons = found.setdefault(key, [])
    if reason not in reasons:
        reasons.append(reason)


def list_countries(graph: RegistryGraph, organisation: str) -> list[str]:
    """Countries whose Art 35(4) list applies: where the organisation is established, the UK
    when it answers to the UK GDPR, and where its communications service is provided."""
    found = graph.organisations.get(organisation)
    if found is None:
        return []
    countries = [found.establishment_country] if found.establishment_country else []
    if found.regimes and m.Regime.UK_GDPR in found.regimes:
        countries.append("GB")
    if found.communications_service is not None:
        countries.extend(found.communications_service.countries)
    return list(dict.fromkeys(countries))


def screen(graph: RegistryGraph, activity: m.Activity) -> Screening:
    return Screener(graph)(activity)


@dataclass(frozen=True, slots=True)
class _Case:
    """A national-list case with its ``any_*`` items as sets, made once per screening run."""

    case: NationalDpiaCase
    has_any: bool
    tags: frozenset[str]
    kinds: frozenset[str]
    indicators: frozenset[str]
    subjects: frozenset[str]
    needed: frozenset[str]
    """``all_risk_indicators``: none of the case's triggers counts without every one of them."""

    @classmethod
    def of(cls, case: NationalDpiaCase) -> _Case:
        return cls(
            case,
            _has_any(case),
            frozenset(case.any_tags),
            frozenset(case.any_purpose_kinds),
            frozenset(case.any_risk_indicators),
            frozenset(case.any_data_subjects),
            frozenset(case.all_risk_indicators),
        )


class Screener:
    """Screens a registry's activities, asking once per organisation which national lists
    apply to it."""

    def __init__(self, graph: RegistryGraph) -> None:
        self.graph = graph
        self._national: dict[str, tuple[list[_Case], bool]] = {}
        self._vulnerable: dict[str, str] | None = None

    def national(self, organisation: str) -> tuple[list[_Case], bool]:
        """The national-list cases that apply to the organisation, and whether it is a
        communications provider."""
        found = self._national.get(organisation)
        if found is None:
            graph = self.graph
            countries = list_countries(graph, organisation)
            is_provider = bool(countries) and eprivacy.provider(graph, organisation) is True
            cases = [  # a provider-only case cannot match a non-provider's activity
                _Case.of(c)
                for c in graph.vocab.dpia_lists.values()
                if c.country in countries and (is_provider or not c.provider_only)
            ]
            found = self._national[organisation] = (cases, is_provider)
        return found

    def __call__(
        self, activity: m.Activity, known: tuple[CategoryInfo, ...] | None = None
    ) -> Screening:
        """Screens an activity; ``known`` is what is known of its data categories, as listed,
        when the caller has it already."""
        graph = self.graph
        criteria: dict[int, list[str]] = {}
        art35_3: dict[str, list[str]] = {}
        national: dict[str, list[str]] = {}
        vocab = graph.vocab.dpia_criteria
        indicators = list(dict.fromkeys(activity.risk_indicators))
        for key in indicators:
            criterion = vocab.get(key)
            if criterion is None:
                continue
            _add(criteria, criterion.wp248, criterion.title)
            if criterion.art35_3:
                _add(art35_3, criterion.art35_3, criterion.title)
        emergency = m.PurposeKind.EMERGENCY in activity.purpose_kinds
        if known is None:
            categories = [graph.category(key) for key in dict.fromkeys(activity.data_categories)]
        else:
            categories = list(dict(zip(activity.data_categories, known, strict=True)).values())
        sensitive: list[str] = []
        tagged: list[frozenset[str]] = []
        for category in categories:
            tags = category.tags
            if category.special or category.criminal:
                sensitive.append(category.label)
                _add(criteria, SENSITIVE, category.label)
            if tags:
                tagged.append(tags)
                if not tags.isdisjoint(HIGHLY_PERSONAL_TAGS):
                    _add(criteria, SENSITIVE, category.label)
                if "location" in tags and not emergency:
                    _add(criteria, MONITORING, category.label)
        vulnerable = self.vulnerable()
        if vulnerable and not vulnerable.keys().isdisjoint(activity.data_subjects):
            for key in dict.fromkeys(activity.data_subjects):
                label = vulnerable.get(key)
                if label is not None:
                    _add(criteria, VULNERABLE, label)
        decisions = activity.automated_decisions
        if decisions is not None and decisions.legal_or_similar_effect:
            _add(criteria, AUTOMATED_DECISION, "recorded automated decisions")
            _add(art35_3, "a", "automated decisions with legal or similar effect")
        if sensitive and LARGE_SCALE in indicators:
            _add(art35_3, "b", f"{', '.join(sensitive)} on a large scale")
        found = self._national.get(activity.organisation)
        cases, is_provider = found if found is not None else self.national(activity.organisation)
        if cases:
            present = frozenset(indicators)
            all_tags = frozenset().union(*tagged) if tagged else frozenset()
            for prepared in cases:
                if not prepared.needed <= present:
                    continue  # an indicator every trigger needs is missing: the common case
                if prepared.has_any and not (
                    (prepared.tags and not prepared.tags.isdisjoint(all_tags))
                    or (prepared.kinds and not prepared.kinds.isdisjoint(activity.purpose_kinds))
                    or (prepared.indicators and not prepared.indicators.isdisjoint(present))
                    or (
                        prepared.subjects
                        and not prepared.subjects.isdisjoint(activity.data_subjects)
                    )
                    or (prepared.case.any_special and bool(sensitive))
                ):
                    continue  # no trigger of the case is present: told without the words
                reasons = _matches(prepared, activity, categories, indicators, is_provider)
                if reasons:
                    case = prepared.case
                    _add(national, f"{case.country} ({case.authority}): {case.case}", reasons)
        return Screening(criteria, art35_3, national)

    def vulnerable(self) -> dict[str, str]:
        """Data-subject category key -> its label, for the vulnerable ones (WP248 criterion 7)."""
        found = self._vulnerable
        if found is None:
            found = self._vulnerable = {
                key: subjects.label
                for key, subjects in self.graph.subject_categories.items()
                if getattr(subjects, "vulnerable", False)
            }
        return found


def _matches(
    prepared: _Case,
    activity: m.Activity,
    categories: list[CategoryInfo],
    indicators: list[str],
    is_provider: bool,
) -> str:
    """What in the activity triggers a national-list case, in words; "" when it does not."""
    case = prepared.case
    if case.provider_only and not is_provider:
        return ""
    if case.all_risk_indicators and any(
        needed not in indicators for needed in case.all_risk_indicators
    ):
        return ""
    if prepared.has_any and not _triggered(prepared, activity, categories, indicators):
        return ""  # the common case, told without building the words
    triggers = [
        *(c.label for c in categories if any(tag in c.tags for tag in case.any_tags)),
        *(str(kind) for kind in activity.purpose_kinds if kind in case.any_purpose_kinds),
        *(key for key in indicators if key in case.any_risk_indicators),
        *(key for key in activity.data_subjects if key in case.any_data_subjects),
        *(c.label for c in categories if case.any_special and (c.special or c.criminal)),
    ]
    if prepared.has_any and not triggers:
        return ""
    shown = list(dict.fromkeys([*triggers, *case.all_risk_indicators]))
    return ", ".join(shown) if shown else case.case


def _has_any(case: NationalDpiaCase) -> bool:
    return bool(
        case.any_tags
        or case.any_purpose_kinds
        or case.any_risk_indicators
        or case.any_data_subjects
        or case.any_special
    )


def _triggered(
    prepared: _Case,
    activity: m.Activity,
    categories: list[CategoryInfo],
    indicators: list[str],
) -> bool:
    """Whether any ``any_*`` item of the case is present."""
    tags = prepared.tags
    return bool(
        (tags and any(not c.tags.isdisjoint(tags) for c in categories))
        or (prepared.kinds and not prepared.kinds.isdisjoint(activity.purpose_kinds))
        or (prepared.indicators and not prepared.indicators.isdisjoint(indicators))
        or (prepared.subjects and not prepared.subjects.isdisjoint(activity.data_subjects))
        or (prepared.case.any_special and any(c.special or c.criminal for c in categories))
    )
