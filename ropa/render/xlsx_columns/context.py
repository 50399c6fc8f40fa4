"""The context every extractor reads, the row types, and the text helpers they share."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ropa.domain import model as m
from ropa.facts import Facts, FlowFacts
from ropa.graph import RegistryGraph
from ropa.render import i18n
from ropa.rules.engine import Finding

SEPARATOR = "\n"
"""Several values in one cell go on lines of their own: a printed cell reads as a list."""

DEFAULT_WORDS: dict[str, str] = dict(i18n.WORDS)
"""The few words extractors add of their own; a profile may translate them (``words:``)."""

_ROLE_LABELS = i18n.ROLE_LABELS
_PROCESSOR_ROLES = (m.PartyRole.PROCESSOR, m.PartyRole.SUB_PROCESSOR)
_SCC_MODULES = i18n.SCC_MODULES
_DURATION = re.compile(
    r"P(?:(?P<year>\d+)Y)?(?:(?P<month>\d+)M)?(?:(?P<week>\d+)W)?(?:(?P<day>\d+)D)?"
    r"(?:T(?:(?P<hour>\d+)H)?(?:(?P<minute>\d+)M)?(?:(?P<second>\d+)S)?)?"
)


# --- rows ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TransferRow:
    """A flow of an activity that is a transfer: declared as one, or leaving the EEA."""

    activity: m.Activity
    facts: FlowFacts
    group: tuple[FlowFacts, ...] = ()
    """All the flows of one transfer (same importer, destination and mechanism), for a row
    that stands for the transfer rather than for one flow."""

    @property
    def flows(self) -> tuple[FlowFacts, ...]:
        return self.group or (self.facts,)

    @property
    def flow(self) -> m.Flow:
        return self.facts.flow

    @property
    def transfer(self) -> m.Transfer | None:
        return self.facts.transfer

    @property
    def country(self) -> str | None:
        """ISO code of the destination: the transfer's own, else where the flow's target sits."""
        return self.facts.destination


@dataclass(frozen=True, slots=True)
class RetentionRow:
    """One data category of an activity with the retention rule that covers it (if any)."""

    activity: m.Activity
    category: str | None
    """The data category key; None for a rule covering the whole activity."""
    rule: m.Retention | None


# --- context -----------------------------------------------------------------------------


@dataclass
class Context:
    """Everything an extractor may read, with lookups computed once per workbook."""

    facts: Facts
    organisation: m.Organisation
    findings: list[Finding]
    """This organisation's findings, in the engine's order."""
    revision: int | None = None
    words: Mapping[str, str] = field(default_factory=lambda: DEFAULT_WORDS)
    profile_title: str = ""
    tr: i18n.Translator = field(default_factory=lambda: i18n.Translator("en"))
    """Translations of vocabulary labels into the profile's language."""
    edition: str = "regulator"
    """``regulator`` (names, no findings) or ``internal`` (keys, findings and waivers too)."""
    sheet_names: list[str] = field(default_factory=list)
    fiche_names: dict[str, str] = field(default_factory=dict)
    """Activity key -> the name of its fiche sheet, when the profile has fiches."""
    fiche_numbers: dict[str, int] = field(default_factory=dict)
    activities: list[m.Activity] = field(default_factory=list)
    processor_records: list[m.ProcessorRecord] = field(default_factory=list)
    parties: list[m.Party] = field(default_factory=list)
    _categories: dict[str, str] = field(default_factory=dict)
    _words: dict[str, str] = field(default_factory=dict)
    _countries: dict[str, str] = field(default_factory=dict)
    _durations: dict[str, str] = field(default_factory=dict)
    _labels: dict[str, str] = field(default_factory=dict)
    """Labels of recipients (``recipient:<key>``) and of flow ends (their node id)."""
    _transfers: dict[str, list[TransferRow]] = field(default_factory=dict)
    _transfer_groups: dict[str, list[TransferRow]] = field(default_factory=dict)
    _recipients: dict[str, list[m.Party]] = field(default_factory=dict)
    _retention: dict[str, list[RetentionRow]] = field(default_factory=dict)
    _open: dict[str, list[Finding]] | None = None
    _party_activities: dict[str, list[str]] | None = None

    @classmethod
    def build(
        cls,
        facts: Facts,
        organisation: m.Organisation,
        findings: Iterable[Finding],
        **extra: Any,
    ) -> Context:
        key = organisation.key
        return cls(
            facts=facts,
            organisation=organisation,
            findings=[f for f in findings if f.organisation == key],
            activities=[a for a in facts.judged_activities if a.organisation == key],
            processor_records=[r for r in facts.judged_processor_records if r.organisation == key],
            parties=[p for p in facts.graph.parties.values() if p.organisation == key],
            **extra,
        )

    @property
    def graph(self) -> RegistryGraph:
        return self.facts.graph

    @property
    def judged_on(self) -> dt.date:
        return self.facts.on

    @property
    def internal(self) -> bool:
        return self.edition == "internal"

    def word(self, key: str) -> str:
        found = self._words.get(key)
        if found is None:
            found = self._words[key] = self.words.get(key) or self.tr.word(key)
        return found

    def t(self, context: str, text: str) -> str:
        """A vocabulary label in the profile's language (see ``ropa.render.i18n``)."""
        return self.tr(context, text)

    def enum(self, context: str, value: object) -> str:
        return self.tr(context, _enum(value)) if value is not None else ""

    def role(self, role: m.PartyRole | None) -> str:
        return self.tr("party_role", _ROLE_LABELS.get(role, "")) if role else ""

    def article(self, reference: str) -> str:
        return self.tr.article(reference)

    def scc_module(self, module: int | None) -> str:
        if not module:
            return ""
        text = _SCC_MODULES.get(module)
        return self.tr("scc_module", text) if text else f"Module {module}"

    # labels ------------------------------------------------------------------------------

    def country(self, code: str | None) -> str:
        if not code:
            return ""
        label = self._countries.get(code)
        if label is None:
            found = self.graph.vocab.countries.get(code)
            label = self._countries[code] = self.tr.country(code, found.name if found else code)
        return label

    def category(self, key: str) -> str:
        label = self._categories.get(key)
        if label is None:
            label = self._categories[key] = self.tr("data_category", self.graph.category(key).label)
        return label

    def subject(self, key: str) -> str:
        entry = self.graph.subject_categories.get(key)
        return self.tr("data_subject", entry.label) if entry is not None else key

    def party(self, key: str) -> m.Party | None:
        return self.graph.parties.get(key)

    def party_label(self, party: m.Party) -> str:
        """The party's name with its role and country, e.g. "Google LLC (processor, United
        States)"."""
        label = self._labels.get(f"recipient:{party.key}")
        if label is None:
            role = self.role(party.role)
            details = [d for d in (role, self.country(party.country)) if d]
            label = f"{party.name} ({', '.join(details)})" if details else party.name
            self._labels[f"recipient:{party.key}"] = label
        return label

    def node_label(self, node: str) -> str:
        """A system's or party's name with the country it sits in."""
        label = self._labels.get(node)
        if label is None:
            name = self.graph.name_of(node)
            country = self.country(self.graph.country_of(node))
            label = self._labels[node] = f"{name} ({country})" if country else name
        return label

    def duration(self, period: str) -> str:
        text = self._durations.get(period)
        if text is None:
            text = self._durations[period] = self._duration(period)
        return text

    def _duration(self, period: str) -> str:
        found = _DURATION.fullmatch(period)
        if not found:
            return period
        parts = []
        for unit, amount in found.groupdict().items():
            if amount is None:
                continue
            n = int(amount)
            parts.append(f"{n} {self.word(unit if n == 1 else unit + 's')}")
        return f"{' '.join(parts)} ({period})" if parts else period

    # per activity ------------------------------------------------------------------------

    def transfer_rows(self, activity: m.Activity) -> list[TransferRow]:
        rows = self._transfers.get(activity.key)
        if rows is None:
            rows = self._transfers[activity.key] = [
                TransferRow(activity, flow) for flow in self.facts.transfers(activity.key)
            ]
        return rows

    def transfer_groups(self, activity: m.Activity) -> list[TransferRow]:
        """One row per transfer of an activity: its flows to the same importer (or system) in
        the same country under the same mechanism, in the order first met."""
        rows = self._transfer_groups.get(activity.key)
        if rows is None:
            groups: dict[tuple[object, ...], list[FlowFacts]] = {}
            for row in self.transfer_rows(activity):
                transfer = row.transfer
                importer = row.facts.importer
                key = (
                    importer.key if importer is not None else row.flow.target,
                    row.country,
                    transfer.international_organisation if transfer is not None else "",
                    transfer.mechanism if transfer is not None else None,
                    transfer.scc_module if transfer is not None else None,
                )
                groups.setdefault(key, []).append(row.facts)
            rows = self._transfer_groups[activity.key] = [
                TransferRow(activity, flows[0], tuple(flows)) for flows in groups.values()
            ]
        return rows

    def retention_rows(self, activity: m.Activity) -> list[RetentionRow]:
        rows = self._retention.get(activity.key)
        if rows is None:
            rows = self._retention[activity.key] = retention_rows(activity)
        return rows

    def recipients(self, activity: m.Activity) -> list[m.Party]:
        """Listed recipients, then the parties the activity's flows reach that are not listed
        (flow targets, and operators of the systems flows deliver to)."""
        found = self._recipients.get(activity.key)
        if found is None:
            reached = self.facts.activities[activity.key].reached
            keys = [key for key, reach in reached.items() if reach.direct]
            found = [p for p in map(self.party, keys) if p is not None]
            self._recipients[activity.key] = found
        return found

    def open_findings(self, activity_key: str) -> list[Finding]:
        if self._open is None:
            self._open = defaultdict(list)
            for finding in self.findings:
                if finding.activity and not finding.waived:
                    self._open[finding.activity].append(finding)
        return self._open.get(activity_key, [])

    def party_activities(self, party_key: str) -> list[str]:
        """Names of the listed activities a party receives data in, sends data in, or hosts."""
        if self._party_activities is None:
            found: dict[str, dict[str, None]] = defaultdict(dict)
            for activity in self.activities:
                for party in self.recipients(activity):
                    found[party.key][activity.name] = None
                for flow in self.graph.flows_by_activity.get(activity.key, ()):
                    kind, _, key = flow.source.partition(":")
                    if kind == "party":
                        found[key][activity.name] = None
                for system_key in activity.systems:
                    system = self.graph.systems.get(system_key)
                    if system is not None and system.operator:
                        found[system.operator][activity.name] = None
            self._party_activities = {key: list(names) for key, names in found.items()}
        return self._party_activities.get(party_key, [])

    def activity_name(self, key: str | None) -> str:
        activity = self.graph.activities.get(key or "")
        return activity.name if activity is not None else key or ""


# --- helpers ----------------------------------------------------------------------------


def join(values: Iterable[str]) -> str:
    """Non-empty values on lines of their own, each once, in their first order."""
    if isinstance(values, list | tuple) and len(values) < 2:
        return (values[0] or "") if values else ""  # most lists hold one value or none
    return SEPARATOR.join(dict.fromkeys(filter(None, values)))


def contact_text(contact: m.Contact | None) -> str:
    if contact is None:
        return ""
    return ", ".join(
        part
        for part in (contact.name, contact.address, contact.email, contact.phone)
        if part.strip()
    )


def _date(day: dt.date | None) -> str:
    return day.isoformat() if day is not None else ""


def _enum(value: Any) -> str:
    return str(value).replace("_", " ") if value is not None else ""


def _law(law: m.LawCitation | None) -> str:
    if law is None:
        return ""
    text = f"{law.title} {law.provision}".strip()
    return f"{text} ({law.jurisdiction})"


def _basis(ctx: Context, basis: m.LawfulBasis) -> str:
    term = ctx.graph.vocab.lawful_bases.get(basis.basis)
    text = (
        f"{ctx.t('lawful_basis', term.title)} ({ctx.article(term.article)})"
        if term is not None
        else basis.basis
    )
    law = _law(basis.law)
    return f"{text}: {law}" if law else text


def _mechanism_title(ctx: Context, key: str | None) -> str:
    if not key:
        return ""
    found = ctx.graph.vocab.transfer_mechanisms.get(key)
    return ctx.t("transfer_mechanism", found.title) if found is not None else key


def _mechanism_family(ctx: Context, key: str | None) -> str:
    found = ctx.graph.vocab.transfer_mechanisms.get(key or "")
    return found.family if found is not None else ""


def _destination(ctx: Context, transfer: m.Transfer | None, country: str | None) -> str:
    if transfer is not None and transfer.international_organisation.strip():
        return transfer.international_organisation.strip()
    return ctx.country(country)


def _mechanism_line(ctx: Context, transfer: m.Transfer | None, where: str) -> str:
    if transfer is None or not transfer.mechanism:
        return f"{where}: {ctx.word('not_recorded')}" if where else ctx.word("not_recorded")
    text = _mechanism_title(ctx, transfer.mechanism)
    if transfer.scc_module:
        text += f", {ctx.scc_module(transfer.scc_module)}"
    return f"{where}: {text}" if where else text


def _exceptional(ctx: Context, transfer: m.Transfer | None, where: str) -> str:
    """The Art 49 derogation and its documentation, for a transfer that relies on one."""
    if transfer is None or _mechanism_family(ctx, transfer.mechanism) != "art49":
        return ""
    documentation = transfer.derogation_documentation.strip() or ctx.word("not_recorded")
    title = _mechanism_title(ctx, transfer.mechanism)
    return f"{where}: {title}: {documentation}" if where else f"{title}: {documentation}"


def _yes_no(ctx: Context, value: bool) -> str:
    return ctx.word("yes") if value else ctx.word("no")


def _none_if_empty(ctx: Context, text: str) -> str:
    return text or ctx.word("none")


def _na_if_empty(ctx: Context, text: str) -> str:
    return text or ctx.word("not_applicable")


def retention_rows(activity: m.Activity) -> list[RetentionRow]:
    """One row per data category (the rules naming it, else the activity-wide ones, else none),
    then rules for categories the activity does not list; an activity without categories shows
    its activity-wide rules."""
    by_category: dict[str, list[m.Retention]] = defaultdict(list)
    general: list[m.Retention] = []
    for rule in activity.retention:
        if rule.data_category:
            by_category[rule.data_category].append(rule)
        else:
            general.append(rule)
    found: list[RetentionRow] = []
    categories = list(dict.fromkeys(activity.data_categories))
    categories += [c for c in by_category if c not in categories]
    for category in categories:
        rules = by_category.get(category) or general
        if not rules:
            found.append(RetentionRow(activity, category, None))
        found.extend(RetentionRow(activity, category, rule) for rule in rules)
    if not categories:
        found.extend(RetentionRow(activity, None, rule) for rule in general)
    return found


def _period(ctx: Context, rule: m.Retention) -> str:
    if rule.period:
        return ctx.duration(rule.period)
    return ctx.word("indefinite") if rule.indefinite else ""
