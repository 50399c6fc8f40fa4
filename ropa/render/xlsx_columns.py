"""What goes into each cell of the Article 30 workbook: row sources and named column extractors.

A workbook profile (``exports/profiles/*.yaml``) names, for every column, an extractor registered
here; the layout lives in the profile and the content here. Five registries:

- ``ROWS``: what a table iterates over (``activities``, ``processor_records``, ``transfers``,
  ``recipients``, ``retention``, ``findings``), for the whole organisation or one activity;
- ``COLUMNS``: per row source, the extractors ``(context, row) -> text`` its columns may name;
  a source whose rows belong to an activity (transfers, retention) may also name any activity
  extractor, which then reads the row's activity;
- ``CONTACTS``: the lines of the contact block (name, address, email, telephone);
- ``NOTES``: single values for the notes sheet;
- ``LISTS``: the enumerations of the lists sheet.

Every extractor returns plain text ("" for nothing recorded): several values joined with "; ",
dates in ISO 8601, human labels (data category labels, country names, lawful-basis titles with
their article) rather than keys. The writer makes the text safe for a spreadsheet.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ropa.domain import model as m
from ropa.graph import RegistryGraph
from ropa.rules.engine import SEVERITY_ORDER, Finding, Severity

SEPARATOR = "; "

DEFAULT_WORDS: dict[str, str] = {
    "yes": "Yes",
    "no": "No",
    "none": "None",
    "not_recorded": "Not recorded",
    "all_categories": "All data of the activity",
    "indefinite": "Indefinite",
    "from": "from",
    "year": "year",
    "years": "years",
    "month": "month",
    "months": "months",
    "week": "week",
    "weeks": "weeks",
    "day": "day",
    "days": "days",
    "hour": "hour",
    "hours": "hours",
    "minute": "minute",
    "minutes": "minutes",
    "second": "second",
    "seconds": "seconds",
}
"""The few words extractors add of their own; a profile may translate them (``words:``)."""

_ROLE_LABELS = {
    m.PartyRole.PROCESSOR: "processor",
    m.PartyRole.SUB_PROCESSOR: "sub-processor",
    m.PartyRole.INDEPENDENT_CONTROLLER: "independent controller",
    m.PartyRole.JOINT_CONTROLLER: "joint controller",
    m.PartyRole.AUTHORITY: "public authority",
}
_PROCESSOR_ROLES = (m.PartyRole.PROCESSOR, m.PartyRole.SUB_PROCESSOR)
_SCC_MODULES = {
    1: "Module 1 (controller to controller)",
    2: "Module 2 (controller to processor)",
    3: "Module 3 (processor to processor)",
    4: "Module 4 (processor to controller)",
}
_DURATION = re.compile(
    r"P(?:(?P<year>\d+)Y)?(?:(?P<month>\d+)M)?(?:(?P<week>\d+)W)?(?:(?P<day>\d+)D)?"
    r"(?:T(?:(?P<hour>\d+)H)?(?:(?P<minute>\d+)M)?(?:(?P<second>\d+)S)?)?"
)


# --- rows ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TransferRow:
    """A flow of an activity that is a transfer or whose destination is outside the EEA."""

    activity: m.Activity
    flow: m.Flow
    transfer: m.Transfer | None
    country: str | None
    """ISO code of the destination: the transfer's own, else where the flow's target sits."""


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

    graph: RegistryGraph
    organisation: m.Organisation
    findings: list[Finding]
    """This organisation's findings, in the engine's order."""
    judged_on: dt.date
    revision: int | None = None
    words: Mapping[str, str] = field(default_factory=lambda: DEFAULT_WORDS)
    profile_title: str = ""
    sheet_names: list[str] = field(default_factory=list)
    fiche_names: dict[str, str] = field(default_factory=dict)
    """Activity key -> the name of its fiche sheet, when the profile has fiches."""
    fiche_numbers: dict[str, int] = field(default_factory=dict)
    activities: list[m.Activity] = field(default_factory=list)
    processor_records: list[m.ProcessorRecord] = field(default_factory=list)
    parties: list[m.Party] = field(default_factory=list)
    _categories: dict[str, str] = field(default_factory=dict)
    _labels: dict[str, str] = field(default_factory=dict)
    """Labels of recipients (``recipient:<key>``) and of flow ends (their node id)."""
    _transfers: dict[str, list[TransferRow]] = field(default_factory=dict)
    _recipients: dict[str, list[m.Party]] = field(default_factory=dict)
    _retention: dict[str, list[RetentionRow]] = field(default_factory=dict)
    _open: dict[str, list[Finding]] | None = None
    _party_activities: dict[str, list[str]] | None = None

    @classmethod
    def build(
        cls,
        graph: RegistryGraph,
        organisation: m.Organisation,
        findings: Iterable[Finding],
        judged_on: dt.date,
        **extra: Any,
    ) -> Context:
        key = organisation.key
        return cls(
            graph=graph,
            organisation=organisation,
            findings=[f for f in findings if f.organisation == key],
            judged_on=judged_on,
            activities=[
                a
                for a in graph.activities.values()
                if a.organisation == key and a.status != m.ActivityStatus.RETIRED
            ],
            processor_records=[
                r
                for r in graph.processor_records.values()
                if r.organisation == key and r.status != m.ActivityStatus.RETIRED
            ],
            parties=[p for p in graph.parties.values() if p.organisation == key],
            **extra,
        )

    def word(self, key: str) -> str:
        return self.words.get(key, DEFAULT_WORDS.get(key, key))

    # labels ------------------------------------------------------------------------------

    def country(self, code: str | None) -> str:
        if not code:
            return ""
        found = self.graph.vocab.countries.get(code)
        return found.name if found else code

    def category(self, key: str) -> str:
        label = self._categories.get(key)
        if label is None:
            label = self._categories[key] = self.graph.category(key).label
        return label

    def subject(self, key: str) -> str:
        entry = self.graph.subject_categories.get(key)
        return entry.label if entry is not None else key

    def party(self, key: str) -> m.Party | None:
        return self.graph.parties.get(key)

    def party_label(self, party: m.Party) -> str:
        """The party's name with its role and country, e.g. "Google LLC (processor, United
        States)"."""
        label = self._labels.get(f"recipient:{party.key}")
        if label is None:
            role = _ROLE_LABELS.get(party.role, "") if party.role else ""
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
            rows = []
            for flow in self.graph.flows_by_activity.get(activity.key, ()):
                transfer = flow.transfer
                country = (transfer.destination_country if transfer else None) or (
                    None
                    if transfer is not None and transfer.international_organisation.strip()
                    else self.graph.country_of(flow.target)
                )
                leaves = bool(country) and not self.graph.vocab.is_eea(country)
                if transfer is not None or leaves:
                    rows.append(TransferRow(activity, flow, transfer, country))
            self._transfers[activity.key] = rows
        return rows

    def retention_rows(self, activity: m.Activity) -> list[RetentionRow]:
        rows = self._retention.get(activity.key)
        if rows is None:
            rows = self._retention[activity.key] = retention_rows(activity)
        return rows

    def recipients(self, activity: m.Activity) -> list[m.Party]:
        """Listed recipients, then parties the activity's flows reach that are not listed."""
        found = self._recipients.get(activity.key)
        if found is None:
            keys = list(activity.recipients or ())
            for flow in self.graph.flows_by_activity.get(activity.key, ()):
                kind, _, key = flow.target.partition(":")
                if kind == "party" and key not in keys:
                    keys.append(key)
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
    """Non-empty values joined with "; ", each once, in their first order."""
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
    text = f"{term.title} (Art {term.article})" if term is not None else basis.basis
    law = _law(basis.law)
    return f"{text}: {law}" if law else text


def _mechanism_title(ctx: Context, key: str | None) -> str:
    if not key:
        return ""
    found = ctx.graph.vocab.transfer_mechanisms.get(key)
    return found.title if found is not None else key


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
        text += f", {_SCC_MODULES.get(transfer.scc_module, f'Module {transfer.scc_module}')}"
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


# --- registries ----------------------------------------------------------------------------

Extractor = Callable[[Context, Any], str]
RowSource = Callable[[Context, "m.Activity | None"], Iterable[Any]]

ROWS: dict[str, RowSource] = {}
COLUMNS: dict[str, dict[str, Extractor]] = defaultdict(dict)
CONTACTS: dict[str, Callable[[Context], tuple[str, str, str, str]]] = {}
NOTES: dict[str, Callable[[Context], str]] = {}
LISTS: dict[str, Callable[[Context], list[str]]] = {}

ACTIVITY_BOUND = ("transfers", "retention")
"""Row sources whose rows carry an ``activity``: they may name any activity extractor too."""


def rows(name: str) -> Callable[[RowSource], RowSource]:
    def register(function: RowSource) -> RowSource:
        ROWS[name] = function
        return function

    return register


def column(source: str, name: str | None = None) -> Callable[[Extractor], Extractor]:
    def register(function: Extractor) -> Extractor:
        COLUMNS[source][name or function.__name__.removeprefix("_")] = function
        return function

    return register


def extractor(source: str, name: str) -> Extractor | None:
    """The extractor a profile names for a column of rows from ``source`` (None if unknown)."""
    found = COLUMNS.get(source, {}).get(name)
    if found is None and source in ACTIVITY_BOUND:
        of_activity = COLUMNS["activities"].get(name)
        if of_activity is not None:
            return lambda ctx, row: of_activity(ctx, row.activity)
    return found


def extractor_names(source: str) -> list[str]:
    names = set(COLUMNS.get(source, {}))
    if source in ACTIVITY_BOUND:
        names |= set(COLUMNS["activities"])
    return sorted(names)


# --- row sources ------------------------------------------------------------------------------


@rows("activities")
def _activity_rows(ctx: Context, scope: m.Activity | None) -> Iterable[m.Activity]:
    return [scope] if scope is not None else ctx.activities


@rows("processor_records")
def _processor_rows(ctx: Context, scope: m.Activity | None) -> Iterable[m.ProcessorRecord]:
    return ctx.processor_records


@rows("transfers")
def _transfer_rows(ctx: Context, scope: m.Activity | None) -> Iterable[TransferRow]:
    for activity in [scope] if scope is not None else ctx.activities:
        yield from ctx.transfer_rows(activity)


@rows("recipients")
def _recipient_rows(ctx: Context, scope: m.Activity | None) -> Iterable[m.Party]:
    return ctx.recipients(scope) if scope is not None else ctx.parties


@rows("retention")
def _retention_rows(ctx: Context, scope: m.Activity | None) -> Iterable[RetentionRow]:
    for activity in [scope] if scope is not None else ctx.activities:
        yield from ctx.retention_rows(activity)


@rows("findings")
def _finding_rows(ctx: Context, scope: m.Activity | None) -> Iterable[Finding]:
    if scope is None:
        return ctx.findings
    return [f for f in ctx.findings if f.activity == scope.key]


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


# --- activity columns (Art 30(1)) ------------------------------------------------------------

A = "activities"


@column(A)
def _activity_key(ctx: Context, a: m.Activity) -> str:
    return a.key


@column(A)
def _activity_name(ctx: Context, a: m.Activity) -> str:
    return a.name


@column(A)
def _business_function(ctx: Context, a: m.Activity) -> str:
    return a.business_function


@column(A)
def _purposes(ctx: Context, a: m.Activity) -> str:
    return join(a.purposes)


@column(A)
def _main_purpose(ctx: Context, a: m.Activity) -> str:
    return a.purposes[0] if a.purposes else ""


@column(A)
def _other_purposes(ctx: Context, a: m.Activity) -> str:
    return join(a.purposes[1:])


@column(A)
def _joint_controllers(ctx: Context, a: m.Activity) -> str:
    texts = []
    for key in a.joint_controllers:
        party = ctx.party(key)
        if party is None:
            texts.append(key)
            continue
        contact = contact_text(party.contact)
        texts.append(f"{party.name} ({contact})" if contact else party.name)
    return _none_if_empty(ctx, join(texts))


@column(A)
def _data_subjects(ctx: Context, a: m.Activity) -> str:
    return join(map(ctx.subject, a.data_subjects))


@column(A)
def _data_categories(ctx: Context, a: m.Activity) -> str:
    return join(map(ctx.category, a.data_categories))


def _sensitive(ctx: Context, a: m.Activity) -> list[str]:
    found = []
    for key in a.data_categories:
        info = ctx.graph.category(key)
        if info.special:
            found.append(f"{info.label} (Art 9)")
        if info.criminal:
            found.append(f"{info.label} (Art 10)")
    return found


@column(A)
def _special_categories(ctx: Context, a: m.Activity) -> str:
    return _none_if_empty(ctx, join(_sensitive(ctx, a)))


@column(A)
def _sensitive_yes_no(ctx: Context, a: m.Activity) -> str:
    return _yes_no(ctx, bool(_sensitive(ctx, a)))


@column(A)
def _recipients(ctx: Context, a: m.Activity) -> str:
    text = join(ctx.party_label(p) for p in ctx.recipients(a))
    if text or a.recipients is None:
        return text
    return ctx.word("none")


def _recipients_where(ctx: Context, a: m.Activity, processors: bool) -> str:
    text = join(
        ctx.party_label(p) for p in ctx.recipients(a) if (p.role in _PROCESSOR_ROLES) == processors
    )
    return text or ("" if a.recipients is None and not ctx.recipients(a) else ctx.word("none"))


@column(A)
def _internal_recipients(ctx: Context, a: m.Activity) -> str:
    """The organisation's own service that receives the data: business function and owner."""
    if a.business_function and a.owner:
        return f"{a.business_function} ({a.owner})"
    return a.business_function or a.owner


@column(A)
def _external_recipients(ctx: Context, a: m.Activity) -> str:
    return _recipients_where(ctx, a, processors=False)


@column(A)
def _processor_recipients(ctx: Context, a: m.Activity) -> str:
    return _recipients_where(ctx, a, processors=True)


@column(A)
def _processor_contracts(ctx: Context, a: m.Activity) -> str:
    texts = []
    for party in ctx.recipients(a):
        if party.role not in _PROCESSOR_ROLES:
            continue
        contract = party.contract
        if contract is None:
            texts.append(f"{party.name}: {ctx.word('not_recorded')}")
        elif contract.signed_on is not None:
            texts.append(f"{party.name}: {contract.reference} ({contract.signed_on.isoformat()})")
        else:
            texts.append(f"{party.name}: {contract.reference}")
    return join(texts)


@column(A)
def _third_countries(ctx: Context, a: m.Activity) -> str:
    return _none_if_empty(
        ctx, join(_destination(ctx, r.transfer, r.country) for r in ctx.transfer_rows(a))
    )


@column(A)
def _transfers_yes_no(ctx: Context, a: m.Activity) -> str:
    return _yes_no(ctx, bool(ctx.transfer_rows(a)))


@column(A)
def _transfer_mechanisms(ctx: Context, a: m.Activity) -> str:
    return join(
        _mechanism_line(ctx, r.transfer, _destination(ctx, r.transfer, r.country))
        for r in ctx.transfer_rows(a)
    )


@column(A)
def _exceptional_transfer_safeguards(ctx: Context, a: m.Activity) -> str:
    return _none_if_empty(
        ctx,
        join(
            _exceptional(ctx, r.transfer, _destination(ctx, r.transfer, r.country))
            for r in ctx.transfer_rows(a)
        ),
    )


def _period(ctx: Context, rule: m.Retention) -> str:
    if rule.period:
        return ctx.duration(rule.period)
    return ctx.word("indefinite") if rule.indefinite else ""


def _retention_entry(ctx: Context, row: RetentionRow) -> str:
    label = ctx.category(row.category) if row.category else ctx.word("all_categories")
    rule = row.rule
    if rule is None:
        return f"{label}: {ctx.word('not_recorded')}"
    period = _period(ctx, rule)
    if period and rule.trigger:
        period = f"{period} {ctx.word('from')} {rule.trigger}"
    parts = [period, rule.criteria.strip(), rule.statement.strip()]
    if rule.legal_source.strip():
        parts.append(f"({rule.legal_source.strip()})")
    text = ""
    for part in filter(None, parts):
        if text:
            text += " " if text[-1] in ".!?)" or part.startswith("(") else ". "
        text += part
    return f"{label}: {text or ctx.word('not_recorded')}"


@column(A)
def _retention_schedule(ctx: Context, a: m.Activity) -> str:
    return join(_retention_entry(ctx, row) for row in ctx.retention_rows(a))


@column(A)
def _security_measures(ctx: Context, a: m.Activity) -> str:
    return join(a.security_measures)


@column(A)
def _lawful_bases(ctx: Context, a: m.Activity) -> str:
    return join(_basis(ctx, basis) for basis in a.lawful_bases)


@column(A)
def _art9_condition(ctx: Context, a: m.Activity) -> str:
    if not a.art9_condition:
        return ""
    term = ctx.graph.vocab.art9_conditions.get(a.art9_condition)
    text = f"{term.title} (Art {term.article})" if term is not None else a.art9_condition
    law = _law(a.art9_law)
    return f"{text}: {law}" if law else text


@column(A)
def _art10_authority(ctx: Context, a: m.Activity) -> str:
    return a.art10_authority


@column(A)
def _legitimate_interests(ctx: Context, a: m.Activity) -> str:
    return join(b.interest.strip() for b in a.lawful_bases if b.basis == "legitimate_interests")


@column(A)
def _lia_references(ctx: Context, a: m.Activity) -> str:
    return join(b.lia_reference for b in a.lawful_bases if b.basis == "legitimate_interests")


@column(A)
def _rights(ctx: Context, a: m.Activity) -> str:
    return join(a.rights)


@column(A)
def _automated_decisions(ctx: Context, a: m.Activity) -> str:
    decision = a.automated_decisions
    if decision is None:
        return ""
    parts = [decision.description.strip()]
    if decision.legal_or_similar_effect:
        parts.append("Legal or similarly significant effect (Art 22)")
    if decision.art22_ground:
        parts.append(f"Art 22(2) ground: {decision.art22_ground}")
    return join(parts)


@column(A)
def _data_sources(ctx: Context, a: m.Activity) -> str:
    return join(a.data_sources)


@column(A)
def _consent_records(ctx: Context, a: m.Activity) -> str:
    texts = []
    for basis in a.lawful_bases:
        if basis.basis != "consent":
            continue
        record = basis.consent_record.strip()
        if basis.consent_withdrawal:
            record = f"{record} Withdrawal: {basis.consent_withdrawal.strip()}".strip()
        texts.append(record)
    return join(texts)


@column(A)
def _locations(ctx: Context, a: m.Activity) -> str:
    return join(ctx.node_label(f"system:{key}") for key in a.systems)


_DPIA_REQUIRED = {
    m.DpiaStatus.NOT_REQUIRED: "no",
    m.DpiaStatus.SCREENING: "",
    m.DpiaStatus.IN_PROGRESS: "yes",
    m.DpiaStatus.COMPLETED: "yes",
}


@column(A)
def _dpia_required(ctx: Context, a: m.Activity) -> str:
    if a.dpia is None or a.dpia.status == m.DpiaStatus.NOT_ASSESSED:
        return ctx.word("not_recorded")
    word = _DPIA_REQUIRED.get(a.dpia.status, "")
    return ctx.word(word) if word else _enum(a.dpia.status)


@column(A)
def _dpia_progress(ctx: Context, a: m.Activity) -> str:
    if a.dpia is None:
        return ""
    text = _enum(a.dpia.status)
    return f"{text} ({a.dpia.completed_on.isoformat()})" if a.dpia.completed_on else text


@column(A)
def _dpia_reference(ctx: Context, a: m.Activity) -> str:
    return a.dpia.reference if a.dpia is not None else ""


@column(A)
def _last_reviewed(ctx: Context, a: m.Activity) -> str:
    return _date(a.last_reviewed)


@column(A)
def _owner(ctx: Context, a: m.Activity) -> str:
    return a.owner


@column(A)
def _status(ctx: Context, a: m.Activity) -> str:
    return _enum(a.status)


@column(A)
def _notes(ctx: Context, a: m.Activity) -> str:
    return a.notes


@column(A)
def _open_findings(ctx: Context, a: m.Activity) -> str:
    return join(f"{f.rule} ({f.severity})" for f in ctx.open_findings(a.key))


@column(A)
def _fiche_sheet(ctx: Context, a: m.Activity) -> str:
    return ctx.fiche_names.get(a.key, "")


@column(A)
def _controller_contact(ctx: Context, a: m.Activity) -> str:
    org = ctx.organisation
    return contact_text(org.contact) or org.name


@column(A)
def _dpo_contact(ctx: Context, a: m.Activity) -> str:
    return contact_text(ctx.organisation.dpo)


@column(A)
def _representative_contact(ctx: Context, a: m.Activity) -> str:
    return contact_text(ctx.organisation.eu_representative)


# --- processor record columns (Art 30(2)) ----------------------------------------------------

P = "processor_records"


@column(P)
def _record_key(ctx: Context, r: m.ProcessorRecord) -> str:
    return r.key


@column(P)
def _controller(ctx: Context, r: m.ProcessorRecord) -> str:
    return contact_text(r.controller)


@column(P)
def _controller_representative(ctx: Context, r: m.ProcessorRecord) -> str:
    return contact_text(r.controller_representative)


@column(P)
def _controller_dpo(ctx: Context, r: m.ProcessorRecord) -> str:
    return contact_text(r.controller_dpo)


@column(P)
def _processing_categories(ctx: Context, r: m.ProcessorRecord) -> str:
    return join(r.processing_categories)


@column(P)
def _record_data_categories(ctx: Context, r: m.ProcessorRecord) -> str:
    return join(ctx.category(key) for key in r.data_categories)


@column(P)
def _record_data_subjects(ctx: Context, r: m.ProcessorRecord) -> str:
    return join(ctx.subject(key) for key in r.data_subjects)


@column(P)
def _sub_processors(ctx: Context, r: m.ProcessorRecord) -> str:
    texts = []
    for key in r.sub_processors:
        party = ctx.party(key)
        if party is None:
            texts.append(key)
            continue
        text = party.name
        if party.country:
            text += f" ({ctx.country(party.country)})"
        if party.sub_processor_authorisation:
            text += f": {party.sub_processor_authorisation.strip()}"
        texts.append(text)
    return _none_if_empty(ctx, join(texts))


@column(P)
def _record_third_countries(ctx: Context, r: m.ProcessorRecord) -> str:
    return _none_if_empty(
        ctx, join(_destination(ctx, t, t.destination_country) for t in r.transfers)
    )


@column(P)
def _record_transfer_mechanisms(ctx: Context, r: m.ProcessorRecord) -> str:
    return join(
        _mechanism_line(ctx, t, _destination(ctx, t, t.destination_country)) for t in r.transfers
    )


@column(P)
def _record_exceptional_transfer_safeguards(ctx: Context, r: m.ProcessorRecord) -> str:
    return _none_if_empty(
        ctx,
        join(
            _exceptional(ctx, t, _destination(ctx, t, t.destination_country)) for t in r.transfers
        ),
    )


@column(P)
def _record_security_measures(ctx: Context, r: m.ProcessorRecord) -> str:
    return join(r.security_measures)


@column(P)
def _record_contract(ctx: Context, r: m.ProcessorRecord) -> str:
    if r.contract is None:
        return ""
    signed = r.contract.signed_on
    return f"{r.contract.reference} ({signed.isoformat()})" if signed else r.contract.reference


@column(P)
def _record_last_reviewed(ctx: Context, r: m.ProcessorRecord) -> str:
    return _date(r.last_reviewed)


@column(P)
def _record_status(ctx: Context, r: m.ProcessorRecord) -> str:
    return _enum(r.status)


@column(P)
def _record_notes(ctx: Context, r: m.ProcessorRecord) -> str:
    return r.notes


# --- transfer columns ---------------------------------------------------------------------------

T = "transfers"


def _importer(ctx: Context, node: str) -> m.Party | None:
    endpoint = ctx.graph.endpoint(node)
    if isinstance(endpoint, m.System):
        return ctx.party(endpoint.operator or "")
    return endpoint


@column(T)
def _flow_key(ctx: Context, r: TransferRow) -> str:
    return r.flow.key


@column(T)
def _flow_from(ctx: Context, r: TransferRow) -> str:
    return ctx.node_label(r.flow.source)


@column(T)
def _flow_to(ctx: Context, r: TransferRow) -> str:
    importer = _importer(ctx, r.flow.target)
    label = ctx.node_label(r.flow.target)
    if importer is not None and r.flow.target.startswith("system:"):
        return f"{label}, operated by {importer.name}"
    return label


@column(T)
def _flow_data_categories(ctx: Context, r: TransferRow) -> str:
    return join(ctx.category(key) for key in r.flow.data_categories)


@column(T)
def _country_code(ctx: Context, r: TransferRow) -> str:
    return r.country or ""


@column(T)
def _country_name(ctx: Context, r: TransferRow) -> str:
    return _destination(ctx, r.transfer, r.country)


@column(T)
def _importer_role(ctx: Context, r: TransferRow) -> str:
    importer = _importer(ctx, r.flow.target)
    if importer is None:
        return "own system" if r.flow.target.startswith("system:") else ""
    return _ROLE_LABELS.get(importer.role, "") if importer.role else ""


@column(T)
def _mechanism(ctx: Context, r: TransferRow) -> str:
    if r.transfer is None:
        return ctx.word("not_recorded")
    return _mechanism_title(ctx, r.transfer.mechanism) or ctx.word("not_recorded")


@column(T)
def _scc_module(ctx: Context, r: TransferRow) -> str:
    module = r.transfer.scc_module if r.transfer is not None else None
    return _SCC_MODULES.get(module, f"Module {module}") if module else ""


@column(T)
def _adequacy_decision(ctx: Context, r: TransferRow) -> str:
    """The Art 45 decision in force on the day judged, for a transfer that relies on one."""
    if r.transfer is None or _mechanism_family(ctx, r.transfer.mechanism) not in (
        "adequacy",
        "dpf",
    ):
        return ""
    organisation = r.transfer.international_organisation.strip().casefold()
    for decision in ctx.graph.vocab.adequacy_decisions.values():
        matches = (r.country and decision.country == r.country) or (
            organisation and (decision.organisation or "").casefold() == organisation
        )
        if matches and decision.in_force_on(ctx.judged_on):
            return decision.decision or decision.key
    return ""


def _dpf(ctx: Context, r: TransferRow) -> m.DpfCertification | None:
    importer = _importer(ctx, r.flow.target)
    return importer.dpf if importer is not None else None


@column(T)
def _dpf_status(ctx: Context, r: TransferRow) -> str:
    dpf = _dpf(ctx, r)
    if dpf is None:
        return ""
    return "certified" if dpf.certified else "not certified"


@column(T)
def _dpf_checked_on(ctx: Context, r: TransferRow) -> str:
    dpf = _dpf(ctx, r)
    return _date(dpf.checked_on) if dpf is not None else ""


@column(T)
def _tia_reference(ctx: Context, r: TransferRow) -> str:
    return r.transfer.tia_reference if r.transfer is not None else ""


@column(T)
def _derogation_documentation(ctx: Context, r: TransferRow) -> str:
    if r.transfer is None:
        return ""
    documentation = r.transfer.derogation_documentation.strip()
    if documentation:
        return documentation
    if _mechanism_family(ctx, r.transfer.mechanism) == "art49":
        return ctx.word("not_recorded")
    return ""


@column(T)
def _frequency(ctx: Context, r: TransferRow) -> str:
    return _enum(r.transfer.frequency) if r.transfer is not None else ""


@column(T)
def _since(ctx: Context, r: TransferRow) -> str:
    return _date(r.transfer.since) if r.transfer is not None else ""


# --- recipient columns -------------------------------------------------------------------------

R = "recipients"


@column(R)
def _party_key(ctx: Context, p: m.Party) -> str:
    return p.key


@column(R)
def _party_name(ctx: Context, p: m.Party) -> str:
    return p.name


@column(R)
def _party_role(ctx: Context, p: m.Party) -> str:
    return _ROLE_LABELS.get(p.role, "") if p.role else ctx.word("not_recorded")


@column(R)
def _party_country_code(ctx: Context, p: m.Party) -> str:
    return p.country or ""


@column(R)
def _party_country(ctx: Context, p: m.Party) -> str:
    return ctx.country(p.country)


@column(R)
def _party_contact(ctx: Context, p: m.Party) -> str:
    return contact_text(p.contact)


@column(R)
def _contract_reference(ctx: Context, p: m.Party) -> str:
    return p.contract.reference if p.contract is not None else ""


@column(R)
def _contract_date(ctx: Context, p: m.Party) -> str:
    return _date(p.contract.signed_on) if p.contract is not None else ""


@column(R)
def _sub_processor_of(ctx: Context, p: m.Party) -> str:
    if not p.sub_processor_of:
        return ""
    parent = ctx.party(p.sub_processor_of)
    return parent.name if parent is not None else p.sub_processor_of


@column(R)
def _sub_processor_authorisation(ctx: Context, p: m.Party) -> str:
    return p.sub_processor_authorisation


@column(R)
def _joint_arrangement(ctx: Context, p: m.Party) -> str:
    return p.joint_arrangement


@column(R)
def _party_dpf_status(ctx: Context, p: m.Party) -> str:
    if p.dpf is None:
        return ""
    return "certified" if p.dpf.certified else "not certified"


@column(R)
def _party_dpf_checked_on(ctx: Context, p: m.Party) -> str:
    return _date(p.dpf.checked_on) if p.dpf is not None else ""


@column(R)
def _party_activities(ctx: Context, p: m.Party) -> str:
    return join(ctx.party_activities(p.key))


@column(R)
def _party_description(ctx: Context, p: m.Party) -> str:
    return p.description


# --- retention columns -----------------------------------------------------------------------

RT = "retention"


@column(RT)
def _retention_category(ctx: Context, r: RetentionRow) -> str:
    return ctx.category(r.category) if r.category else ctx.word("all_categories")


@column(RT)
def _retention_period(ctx: Context, r: RetentionRow) -> str:
    if r.rule is None:
        return ctx.word("not_recorded")
    return _period(ctx, r.rule)


@column(RT)
def _retention_period_or_criteria(ctx: Context, r: RetentionRow) -> str:
    """The period, or failing that the deletion criteria (or the statement made)."""
    if r.rule is None:
        return ctx.word("not_recorded")
    return (
        _period(ctx, r.rule)
        or r.rule.criteria.strip()
        or r.rule.statement.strip()
        or ctx.word("not_recorded")
    )


@column(RT)
def _retention_trigger(ctx: Context, r: RetentionRow) -> str:
    return r.rule.trigger if r.rule is not None else ""


@column(RT)
def _retention_criteria(ctx: Context, r: RetentionRow) -> str:
    return r.rule.criteria if r.rule is not None else ""


@column(RT)
def _retention_legal_source(ctx: Context, r: RetentionRow) -> str:
    return r.rule.legal_source if r.rule is not None else ""


@column(RT)
def _retention_statement(ctx: Context, r: RetentionRow) -> str:
    return r.rule.statement if r.rule is not None else ""


# --- finding columns ------------------------------------------------------------------------

F = "findings"


@column(F)
def _finding_id(ctx: Context, f: Finding) -> str:
    return f.id


@column(F)
def _severity(ctx: Context, f: Finding) -> str:
    return str(f.severity)


@column(F)
def _rule(ctx: Context, f: Finding) -> str:
    return f.rule


@column(F)
def _finding_title(ctx: Context, f: Finding) -> str:
    return f.title


@column(F)
def _finding_article(ctx: Context, f: Finding) -> str:
    return f.article


@column(F)
def _finding_entity(ctx: Context, f: Finding) -> str:
    return f.entity


@column(F)
def _finding_activity(ctx: Context, f: Finding) -> str:
    return ctx.activity_name(f.activity) if f.activity else ""


@column(F)
def _message(ctx: Context, f: Finding) -> str:
    return f.message


@column(F)
def _remedy(ctx: Context, f: Finding) -> str:
    return f.remedy


@column(F)
def _waived(ctx: Context, f: Finding) -> str:
    return _yes_no(ctx, f.waived)


@column(F)
def _waiver_reason(ctx: Context, f: Finding) -> str:
    return f.waiver.reason if f.waiver is not None else ""


@column(F)
def _waiver_accepted_by(ctx: Context, f: Finding) -> str:
    return f.waiver.accepted_by if f.waiver is not None else ""


@column(F)
def _waiver_expiry(ctx: Context, f: Finding) -> str:
    if f.waiver is None:
        return ""
    expiry = f.waiver.expires_on.isoformat()
    return f"{expiry} (expired)" if f.waiver.expired else expiry


# --- contact block ---------------------------------------------------------------------------


def _contact_cells(contact: m.Contact | None) -> tuple[str, str, str, str]:
    if contact is None:
        return ("", "", "", "")
    return (contact.name, contact.address, contact.email, contact.phone)


def _organisation_contact(ctx: Context) -> tuple[str, str, str, str]:
    org = ctx.organisation
    name, address, email, phone = _contact_cells(org.contact)
    if name and name != org.name:
        name = f"{org.name} ({name})"
    return (name or org.name, address, email, phone)


def _registration(ctx: Context) -> tuple[str, str, str, str]:
    org = ctx.organisation
    return (org.registration_number, ctx.country(org.establishment_country), "", "")


CONTACTS.update(
    organisation=_organisation_contact,
    dpo=lambda ctx: _contact_cells(ctx.organisation.dpo),
    representative=lambda ctx: _contact_cells(ctx.organisation.eu_representative),
    registration=_registration,
)


# --- notes -------------------------------------------------------------------------------------


def generator() -> str:
    try:
        version = importlib.metadata.version("ropa")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - run from a bare tree
        version = "unknown"
    return f"ropa {version}"


NOTES.update(
    organisation_name=lambda ctx: ctx.organisation.name,
    organisation_key=lambda ctx: ctx.organisation.key,
    organisation_role=lambda ctx: _enum(ctx.organisation.role),
    registry_revision=lambda ctx: str(ctx.revision) if ctx.revision is not None else "",
    judged_on=lambda ctx: ctx.judged_on.isoformat(),
    profile_title=lambda ctx: ctx.profile_title,
    generator=lambda ctx: generator(),
    activity_count=lambda ctx: str(len(ctx.activities)),
    open_finding_count=lambda ctx: str(sum(1 for f in ctx.findings if not f.waived)),
    sheet_list=lambda ctx: join(ctx.sheet_names),
)


# --- lists ----------------------------------------------------------------------------------------


def _titled(entries: Iterable[Any]) -> list[str]:
    return [f"{e.title} (Art {e.article})" for e in entries]


def _mechanisms(ctx: Context) -> list[str]:
    texts = []
    for mechanism in ctx.graph.vocab.transfer_mechanisms.values():
        text = mechanism.title
        if mechanism.valid_until is not None:
            text += f" - not valid from {mechanism.valid_until.isoformat()}"
        texts.append(text)
    return texts


def _values(values: Sequence[Any]) -> Callable[[Context], list[str]]:
    return lambda ctx: [_enum(v) for v in values]


LISTS.update(
    lawful_bases=lambda ctx: _titled(ctx.graph.vocab.lawful_bases.values()),
    art9_conditions=lambda ctx: _titled(ctx.graph.vocab.art9_conditions.values()),
    transfer_mechanisms=_mechanisms,
    severities=lambda ctx: [str(s) for s in sorted(Severity, key=SEVERITY_ORDER.__getitem__)],
    party_roles=lambda ctx: [_ROLE_LABELS[role] for role in m.PartyRole],
    activity_statuses=_values(list(m.ActivityStatus)),
    dpia_statuses=_values(list(m.DpiaStatus)),
    transfer_frequencies=_values(list(m.TransferFrequency)),
    organisation_roles=_values(list(m.OrganisationRole)),
    data_categories=lambda ctx: sorted({info.label for info in ctx.graph.categories.values()}),
    data_subject_categories=lambda ctx: sorted(
        {entry.label for entry in ctx.graph.subject_categories.values()}
    ),
    countries=lambda ctx: [f"{c.name} ({c.code})" for c in ctx.graph.vocab.countries.values()],
)
