"""The Art 13/14 notice of one organisation, written from what the registry holds.

Every statement names the registry entry it comes from; every open finding of the organisation
is marked next to the statement it concerns (or, where none does, in a closing section), so a
registry with gaps still gives a notice, and the notice shows them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ropa.domain import model as m
from ropa.facts import Facts
from ropa.notice import registry
from ropa.notice.model import Gap, Notice, Section, Statement
from ropa.notice.words import Sentences, sentences
from ropa.render.i18n import ROLE_LABELS
from ropa.rules.engine import Finding, catalogue

_REGIME = {m.Regime.EU_GDPR: "EU", m.Regime.UK_GDPR: "UK"}


class UnknownOrganisation(LookupError):
    """The registry holds no organisation with that key."""


def contact_text(contact: m.Contact | None, with_name: bool = False) -> str:
    """A contact's address, email and phone (and name), joined; empty when none is recorded."""
    if contact is None:
        return ""
    parts = (contact.name if with_name else "", contact.address, contact.email, contact.phone)
    return ", ".join(part.strip() for part in parts if part.strip())


def _join(values: Iterable[str], separator: str = "; ") -> str:
    return separator.join(dict.fromkeys(v.strip() for v in values if v.strip()))


def _sentence_end(text: str) -> str:
    text = " ".join(text.split())
    return text if text.endswith((".", "!", "?")) else f"{text}."


class _Writer:
    def __init__(self, facts: Facts, held: registry.Holds, say: Sentences) -> None:
        self.facts = facts
        self.graph = facts.graph
        self.held = held
        self.say = say
        self.tr = say.vocabulary

    # labels ---------------------------------------------------------------------------------

    def category(self, key: str) -> str:
        return self.tr("data_category", self.graph.category(key).label)

    def subject(self, key: str) -> str:
        entry = self.graph.subject_categories.get(key)
        return self.tr("data_subject", entry.label) if entry is not None else key

    def country(self, code: str | None) -> str:
        if not code:
            return ""
        found = self.graph.vocab.countries.get(code)
        return self.tr.country(code, found.name if found else code)

    def role(self, role: m.PartyRole | None) -> str:
        return self.tr("party_role", ROLE_LABELS[role]) if role is not None else ""

    def basis(self, basis: m.LawfulBasis) -> str:
        entry = self.graph.vocab.lawful_bases.get(basis.basis)
        title = self.tr("lawful_basis", entry.title) if entry is not None else basis.basis
        article = self.tr.article(entry.article) if entry is not None else ""
        if basis.interest.strip():
            return self.say(
                "basis_interest",
                basis=title,
                article=article,
                interest=_sentence_end(basis.interest),
            )
        if basis.basis == "consent" and basis.consent_withdrawal.strip():
            return self.say(
                "basis_consent",
                basis=title,
                article=article,
                how=basis.consent_withdrawal.strip().rstrip("."),
            )
        if basis.law is not None:
            law = _join((basis.law.title, basis.law.provision), " ")
            return self.say("basis_law", basis=title, article=article, law=law)
        return self.say("basis", basis=title, article=article)

    def names(self, activities: Sequence[m.Activity]) -> str:
        return _join((a.name for a in activities), "; ")

    # sections -------------------------------------------------------------------------------

    def controller(self) -> Section:
        org = self.held.organisation
        ref = f"organisation:{org.key}"
        section = Section(self.say("h_controller"), 2, ref=ref)
        add = section.statements.append
        add(Statement(self.say("controller", name=org.name), f"{ref}#controller"))
        contact = contact_text(org.contact)
        if contact:
            add(Statement(self.say("controller_contact", contact=contact), f"{ref}#contact"))
        for regime, representative in self.held.representatives:
            part = f"{ref}#representative/{regime}"
            label = _REGIME[regime]
            if representative is None:
                add(Statement(self.say("representative_missing", regime=label), part))
            else:
                text = self.say(
                    "representative",
                    regime=label,
                    name=representative.name or contact_text(representative),
                    contact=contact_text(representative),
                )
                add(Statement(text, part))
        dpo = org.dpo
        if dpo is not None and contact_text(dpo):
            name = dpo.name.strip() or "-"
            add(Statement(self.say("dpo", name=name, contact=contact_text(dpo)), f"{ref}#dpo"))
        elif org.dpo_designated or self.held.facts.dpo_grounds:
            add(Statement(self.say("dpo_missing"), f"{ref}#dpo"))
        return section

    def purposes(self) -> list[Section]:
        sections = [Section(self.say("h_purposes"), 2)]
        for activity in self.held.activities:
            ref = f"activity:{activity.key}"
            section = Section(activity.name, 3, ref=ref)
            add = section.statements.append
            purposes = _join((_sentence_end(p) for p in activity.purposes), " ") or activity.name
            add(Statement(self.say("purposes", purposes=purposes), f"{ref}#purposes"))
            if activity.data_categories:
                categories = _join((self.category(k) for k in activity.data_categories), ", ")
                add(Statement(self.say("categories", categories=categories), f"{ref}#categories"))
            if activity.data_subjects:
                subjects = _join((self.subject(k) for k in activity.data_subjects), ", ")
                add(Statement(self.say("subjects", subjects=subjects), f"{ref}#subjects"))
            for basis in activity.lawful_bases:
                add(Statement(self.basis(basis), f"{ref}#basis/{basis.basis}"))
            if not activity.lawful_bases:
                add(Statement(self.say("basis_missing"), f"{ref}#basis"))
            condition = self.graph.vocab.art9_conditions.get(activity.art9_condition or "")
            if condition is not None:
                text = self.say(
                    "special",
                    condition=self.tr("art9_condition", condition.title),
                    article=self.tr.article(condition.article),
                )
                add(Statement(text, f"{ref}#art9"))
            sections.append(section)
        return sections

    def recipients(self) -> Section:
        section = Section(self.say("h_recipients"), 2)
        add = section.statements.append
        for recipient in self.held.recipients:
            party = recipient.party
            details = _join((self.role(party.role), self.country(party.country)), ", ")
            text = self.say(
                "recipient",
                name=party.name,
                details=details or "-",
                activities=self.names(recipient.activities),
            )
            add(Statement(text.replace(" (-)", ""), f"party:{party.key}", item=True))
        for held in self.held.categories:
            category = held.category
            countries = ", ".join(self.country(c) for c in category.countries)
            details = _join((self.role(category.role), countries), ", ")
            text = self.say(
                "recipient_category",
                label=category.label,
                details=details or "-",
                activities=self.names(held.activities),
            )
            ref = f"activity:{held.activities[0].key}#recipients/{category.label}"
            add(Statement(text.replace(" (-)", ""), ref, item=True))
        if not section.statements:
            org = self.held.organisation
            add(
                Statement(
                    self.say("recipients_none", organisation=org.name),
                    f"organisation:{org.key}#recipients",
                )
            )
        return section

    def transfers(self) -> Section:
        section = Section(self.say("h_transfers"), 2)
        add = section.statements.append
        copy = False
        for transfer in self.held.transfers:
            importer = (
                transfer.importer.name
                if transfer.importer is not None
                else transfer.international_organisation or "-"
            )
            country = self.country(transfer.country) or transfer.international_organisation or "-"
            mechanism = transfer.mechanism
            if mechanism is None:
                text = self.say("transfer_missing", importer=importer, country=country)
            else:
                text = self.say(
                    "transfer",
                    importer=importer,
                    country=country,
                    mechanism=self.tr("transfer_mechanism", mechanism.title),
                    article=self.tr.article(mechanism.article),
                )
                copy = copy or mechanism.family in ("art46", "art47")
            add(Statement(text, transfer.entities[0], item=True))
        org = self.held.organisation
        if copy:
            contact = contact_text(org.dpo) or contact_text(org.contact) or org.name
            add(
                Statement(
                    self.say("transfer_copy", contact=contact), f"organisation:{org.key}#copy"
                )
            )
        if not self.held.transfers:
            add(Statement(self.say("transfers_none"), f"organisation:{org.key}#transfers"))
        return section

    def retention(self) -> list[Section]:
        sections = [Section(self.say("h_retention"), 2)]
        for activity in self.held.activities:
            ref = f"activity:{activity.key}"
            section = Section(activity.name, 3, ref=ref)
            add = section.statements.append
            for rule in activity.retention:
                part = f"{ref}#retention/{rule.data_category or 'all'}"
                label = (
                    self.category(rule.data_category)
                    if rule.data_category
                    else self.say("all_data")
                )
                add(Statement(self.kept(label, rule), part, item=True))
            if not activity.retention:
                add(Statement(self.say("retention_missing"), f"{ref}#retention"))
            sections.append(section)
        return sections

    def kept(self, label: str, rule: m.Retention) -> str:
        if rule.period:
            period = self.tr.duration(rule.period)
            if rule.trigger.strip():
                trigger = self.tr("trigger", rule.trigger.strip())
                text = self.say("retention_period", category=label, period=period, trigger=trigger)
            else:
                text = self.say("retention_period_plain", category=label, period=period)
            extra = _join((rule.criteria, rule.legal_source), " ")
            return f"{text} {_sentence_end(extra)}" if extra else text
        words = _join((rule.criteria, rule.statement, rule.art89_purpose), " ")
        if rule.indefinite and not words:
            words = self.tr.word("indefinite")
        return self.say("retention_criteria", category=label, criteria=_sentence_end(words or "-"))

    def sources(self) -> Section:
        section = Section(self.say("h_sources"), 2)
        for activity in self.held.activities:
            if activity.data_sources:
                text = self.say(
                    "sources",
                    activity=activity.name,
                    sources=_join(s.rstrip(".") for s in activity.data_sources),
                )
                section.statements.append(
                    Statement(text, f"activity:{activity.key}#sources", item=True)
                )
        return section

    def automated(self) -> Section:
        section = Section(self.say("h_automated"), 2)
        for activity in self.held.activities:
            decision = activity.automated_decisions
            if decision is not None:
                description = _join((decision.description, decision.safeguards), " ")
                text = self.say(
                    "automated", activity=activity.name, description=_sentence_end(description)
                )
                section.statements.append(
                    Statement(text, f"activity:{activity.key}#automated", item=True)
                )
        if not section.statements:
            org = self.held.organisation
            section.statements.append(
                Statement(self.say("automated_none"), f"organisation:{org.key}#automated")
            )
        return section

    def rights(self) -> Section:
        org = self.held.organisation
        ref = f"organisation:{org.key}#rights"
        section = Section(self.say("h_rights"), 2)
        for right in self.held.rights:
            section.statements.append(Statement(self.say(f"right_{right}"), f"{ref}/{right}", True))
        contact = contact_text(org.dpo) or contact_text(org.contact)
        if contact:
            section.statements.append(Statement(self.say("rights_contact", contact=contact), ref))
        return section


# --- gaps -------------------------------------------------------------------------------------

_PARTS_BY_THEME = {
    "lawful_basis": "#basis",
    "retention": "#retention",
    "transfers": "",
    "eprivacy": "#basis",
}
_PARTS_BY_RULE = (
    ("DPO", "#dpo"),
    ("ART27", "#representative"),
    ("LI-", "#basis/legitimate_interests"),
    ("CONSENT", "#basis/consent"),
)


def _preferred_part(finding: Finding) -> str:
    for word, part in _PARTS_BY_RULE:
        if word in finding.rule:
            return part
    meta = catalogue().get(finding.rule)
    return _PARTS_BY_THEME.get(meta.theme, "") if meta is not None else ""


def _target(finding: Finding, by_entity: dict[str, list[Statement]]) -> Statement | None:
    candidates = by_entity.get(finding.entity, [])
    if not candidates and finding.entity.startswith("flow:") and finding.activity:
        candidates = by_entity.get(f"activity:{finding.activity}", [])
    if not candidates:
        return None
    part = _preferred_part(finding)
    if part == "#retention":
        _, _, detail = finding.id.partition("/")
        for statement in candidates:
            if statement.ref.endswith(f"#retention/{detail}"):
                return statement
    if part:
        for statement in candidates:
            if f"{statement.ref}/".partition("#")[2].startswith(part[1:]):
                return statement
    return candidates[0]


def _mark(
    notice: Notice, findings: Iterable[Finding], say: Sentences, held: registry.Holds
) -> None:
    by_entity: dict[str, list[Statement]] = {}
    for statement in notice.statements()[1:]:  # the introduction is no statement of fact
        by_entity.setdefault(statement.entity, []).append(statement)
    for transfer, statement in _transfer_statements(notice, held):
        for entity in transfer.entities:
            by_entity.setdefault(entity, []).insert(0, statement)
    rest = Section(say("h_gaps"), 2)
    for finding in findings:
        if finding.organisation != held.organisation.key or finding.waived:
            continue
        gap = Gap(finding.id, say("gap", title=say.finding(finding.title)))
        target = _target(finding, by_entity)
        if target is None:
            target = Statement(f"{finding.message}", finding.entity, item=True)
            rest.statements.append(target)
        target.gaps.append(gap)
    if rest.statements:
        notice.sections.append(rest)


def _transfer_statements(
    notice: Notice, held: registry.Holds
) -> list[tuple[registry.Transfer, Statement]]:
    by_ref = {s.ref: s for section in notice.sections for s in section.statements}
    return [(t, by_ref[t.entities[0]]) for t in held.transfers if t.entities[0] in by_ref]


def organisation_key(facts: Facts, organisation: str | None) -> str:
    """The organisation to write for: the one named, or the registry's only one."""
    if organisation is not None:
        if organisation not in facts.organisations:
            raise UnknownOrganisation(f"no organisation `{organisation}` in the registry")
        return organisation
    if len(facts.organisations) == 1:
        return next(iter(facts.organisations))
    raise UnknownOrganisation("the registry holds several organisations: name one")


def build_notice(
    facts: Facts,
    findings: Iterable[Finding],
    organisation: str | None,
    language: str = "en",
    revision: int | None = None,
) -> Notice:
    """The notice of ``organisation`` in ``language`` (en, de or fr)."""
    say = sentences(language)
    key = organisation_key(facts, organisation)
    held = registry.holds(facts, key)
    writer = _Writer(facts, held, say)
    org = held.organisation
    sections = [
        writer.controller(),
        *writer.purposes(),
        writer.recipients(),
        writer.transfers(),
        *writer.retention(),
        writer.sources(),
        writer.automated(),
        writer.rights(),
    ]
    notice = Notice(
        language=language,
        title=say("title", organisation=org.name),
        organisation=key,
        day=facts.on,
        revision=revision,
        intro=Statement(
            say("intro", organisation=org.name, day=facts.on.isoformat()),
            f"organisation:{key}",
        ),
        sections=[s for s in sections if s.statements or s.level == 2],
        gap_heading=say("h_gaps"),
        references_heading=say("h_references"),
    )
    _mark(notice, findings, say, held)
    notice.sections = [s for s in notice.sections if s.statements or _has_children(notice, s)]
    return notice


def _has_children(notice: Notice, section: Section) -> bool:
    """A level-2 heading followed by level-3 sections with statements of their own."""
    index = notice.sections.index(section)
    for later in notice.sections[index + 1 :]:
        if later.level <= section.level:
            return False
        if later.statements:
            return True
    return False
