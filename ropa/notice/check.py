"""A published notice checked against the registry: what the registry holds that the notice
does not disclose, and what the notice says that the registry contradicts.

The registry's side is ``ropa.notice.registry.holds`` (the same list the generator writes from);
the notice's side is ``ropa.notice.reading``. Matching is deterministic: names and their aliases,
vocabulary labels in every supported language (the record's catalogues), synonyms from
``data/terms.yaml``, and periods parsed from numbers and units. Each gap becomes a ``Finding``
whose rule is a check of ``data/checks.yaml``, so it prints like ``ropa validate``'s findings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ropa.domain import model as m
from ropa.domain.vocabulary import wording
from ropa.facts import Facts
from ropa.graph import days_in
from ropa.notice import registry
from ropa.notice.build import contact_text, organisation_key
from ropa.notice.matching import (
    Phrases,
    aliases,
    content_words,
    normalise,
    overlap,
    periods,
    phrases,
)
from ropa.notice.reading import Block, Read
from ropa.notice.words import LANGUAGES, checks, every, terms
from ropa.render.i18n import translator
from ropa.rules.engine import Finding

PURPOSE_MATCH = 0.6
"""Share of a purpose's (or activity name's) words a passage must hold to describe it."""
LABEL_MATCH = 0.7
"""Share of a recipient category's or data category's words a passage must hold."""
INTEREST_MATCH = 0.5
CRITERIA_MATCH = 0.5


@dataclass(frozen=True, slots=True)
class NoticeGap:
    check: str
    entity: str
    message: str
    detail: str = ""
    line: int | None = None
    """Where in the notice (a contradiction); None for what the notice leaves out."""

    @property
    def id(self) -> str:
        return f"{self.check}@{self.entity}" + (f"/{self.detail}" if self.detail else "")


_PHONE = re.compile(r"\+?\d[\d ()/.-]{6,}\d")


def _translations(context: str, english: str) -> list[str]:
    return [english, *(translator(lang)(context, english) for lang in LANGUAGES if lang != "en")]


def _countries(facts: Facts, code: str) -> list[str]:
    english = facts.graph.vocab.countries.get(code)
    names = [english.name if english else code]
    names += [translator(lang).country(code, names[0]) for lang in LANGUAGES if lang != "en"]
    names += every(terms().countries.get(code, {}))
    return names


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?;])\s+", text) if s.strip()]


class _Checker:
    def __init__(self, read: Read, facts: Facts, held: registry.Holds) -> None:
        self.read = read
        self.facts = facts
        self.held = held
        self.norms = [b.norm for b in read.blocks]
        self.words = [content_words(b.text) for b in read.blocks]
        self.raw = read.text.lower()
        self.digits = re.sub(r"\D", "", read.text)
        self.gaps: list[NoticeGap] = []
        self.denied: set[str] = set()
        """The passages (``line-N``) already reported as denying sharing."""
        self.org = f"organisation:{held.organisation.key}"
        self.vocab = facts.graph.vocab
        found = terms()
        self.transfer_words = phrases(every(found.transfer_words))
        self.retention_words = phrases(every(found.retention_words))

    def gap(
        self, check: str, entity: str, message: str, detail: str = "", line: int | None = None
    ) -> None:
        self.gaps.append(NoticeGap(check, entity, message, detail, line))

    # where -----------------------------------------------------------------------------------

    def blocks_with(self, wanted: Phrases, among: Iterable[int] | None = None) -> list[int]:
        indexes = range(len(self.norms)) if among is None else among
        return [i for i in indexes if wanted.found(self.norms[i])]

    def anywhere(self, wanted: Phrases) -> bool:
        return bool(wanted) and bool(self.blocks_with(wanted))

    def contact_found(self, contact: m.Contact | None) -> bool:
        if contact is None:
            return False
        if contact.email.strip() and contact.email.strip().lower() in self.raw:
            return True
        digits = re.sub(r"\D", "", contact.phone)
        if len(digits) >= 6 and digits in self.digits:
            return True
        address = normalise(contact.address)
        return bool(address) and any(address in norm for norm in self.norms)

    def named(self, name: str) -> bool:
        """A name, one of its aliases, or (for a descriptive name of three words or more) most
        of its words in one passage."""
        if self.anywhere(phrases(aliases(name))):
            return True
        wanted = content_words(name)
        return len(wanted) >= 3 and any(
            overlap(wanted, words) >= LABEL_MATCH for words in self.words
        )

    def section_blocks(self, sections: set[int]) -> list[int]:
        return [i for i, b in enumerate(self.read.blocks) if b.section in sections]

    # checks ----------------------------------------------------------------------------------

    def controller(self) -> None:
        org = self.held.organisation
        if not self.anywhere(phrases(aliases(org.name))):
            self.gap("NOTICE-CONTROLLER-MISSING", self.org, f"the notice does not name {org.name}")
        contact = org.contact
        if contact is not None and contact_text(contact):
            if not self.contact_found(contact):
                self.gap(
                    "NOTICE-CONTACT-MISSING",
                    self.org,
                    "the notice gives none of the contact details recorded: "
                    + contact_text(contact),
                )
        elif "@" not in self.raw and not _PHONE.search(self.read.text):
            self.gap(
                "NOTICE-CONTACT-MISSING",
                self.org,
                "neither the registry nor the notice gives a contact for the controller",
            )
        for regime, representative in self.held.representatives:
            if representative is None:
                continue
            named = (
                self.anywhere(phrases(aliases(representative.name)))
                if representative.name
                else False
            )
            if not named and not self.contact_found(representative):
                self.gap(
                    "NOTICE-REPRESENTATIVE-MISSING",
                    self.org,
                    f"the notice does not name the representative ({regime}): "
                    f"{contact_text(representative, with_name=True)}",
                    str(regime),
                )
        dpo = org.dpo
        if (
            dpo is not None
            and (dpo.email.strip() or dpo.phone.strip())
            and not self.contact_found(dpo)
        ):
            self.gap(
                "NOTICE-DPO-CONTACT-MISSING",
                self.org,
                f"the notice does not give the DPO's contact recorded: {contact_text(dpo)}",
            )

    def basis_phrases(self, key: str) -> Phrases:
        values = every(terms().lawful_bases.get(key, {}))
        entry = self.vocab.lawful_bases.get(key)
        if entry is not None:
            values += _translations("lawful_basis", entry.title)
        return phrases(values)

    def purpose_sections(self, activity: m.Activity) -> set[int]:
        """The sections of the notice that describe the activity (its name or a purpose)."""
        labels = [content_words(t) for t in (activity.name, *activity.purposes)]
        labels = [words for words in labels if words]
        return {
            self.read.blocks[i].section
            for i, words in enumerate(self.words)
            if any(overlap(label, words) >= PURPOSE_MATCH for label in labels)
        }

    def purposes(self) -> None:
        found = {a.key: self.purpose_sections(a) for a in self.held.activities}
        sharing: dict[int, int] = {}
        for sections in found.values():
            for section in sections:
                sharing[section] = sharing.get(section, 0) + 1
        for activity in self.held.activities:
            entity = f"activity:{activity.key}"
            sections = found[activity.key]
            if not sections:
                self.gap(
                    "NOTICE-PURPOSE-MISSING",
                    entity,
                    f"the notice does not describe `{activity.name}`",
                )
                continue
            if not activity.lawful_bases:
                self.untied(activity, sections, sharing)
                continue
            near = self.section_blocks(sections)
            for basis in activity.lawful_bases:
                entry = self.vocab.lawful_bases.get(basis.basis)
                title = entry.title if entry is not None else basis.basis
                if not self.blocks_with(self.basis_phrases(basis.basis), near):
                    self.gap(
                        "NOTICE-BASIS-MISSING",
                        entity,
                        f"the notice does not give `{title}` as the basis of `{activity.name}`",
                        basis.basis,
                    )
                    continue
                interest = content_words(basis.interest)
                if interest and not any(
                    overlap(interest, self.words[i]) >= INTEREST_MATCH for i in near
                ):
                    self.gap(
                        "NOTICE-INTEREST-MISSING",
                        entity,
                        f"the notice does not describe the legitimate interest of "
                        f"`{activity.name}`: {basis.interest.strip()}",
                    )

    def untied(self, activity: m.Activity, sections: set[int], sharing: dict[int, int]) -> None:
        """An activity the registry records no basis for: the notice must tie one to it, in a
        section of its own or one that names a single basis for all the purposes it lists."""
        listed: set[str] = set()
        for section in sections:
            blocks = self.section_blocks({section})
            here = {
                k
                for k in self.vocab.lawful_bases
                if self.blocks_with(self.basis_phrases(k), blocks)
            }
            if here and (len(here) == 1 or sharing.get(section, 0) == 1):
                return
            listed |= here
        if listed:
            message = (
                f"the notice lists several lawful bases ({', '.join(sorted(listed))}) beside many "
                f"purposes, and ties none to `{activity.name}`; the registry records none"
            )
        else:
            message = (
                f"neither the registry nor the notice gives a lawful basis for `{activity.name}`"
            )
        self.gap("NOTICE-BASIS-MISSING", f"activity:{activity.key}", message)

    def recipients(self) -> None:
        for recipient in self.held.recipients:
            party = recipient.party
            if not self.named(party.name):
                used = "; ".join(a.name for a in recipient.activities)
                self.gap(
                    "NOTICE-RECIPIENT-MISSING",
                    f"party:{party.key}",
                    f"the notice does not name {party.name}, which receives data for: {used}",
                )
        for held in self.held.categories:
            label = held.category.label
            wanted = content_words(label)
            if self.anywhere(phrases([label])) or any(
                overlap(wanted, words) >= LABEL_MATCH for words in self.words
            ):
                continue
            self.gap(
                "NOTICE-RECIPIENT-MISSING",
                f"activity:{held.activities[0].key}",
                f"the notice does not name the recipient category `{label}`",
                normalise(label).replace(" ", "-"),
            )

    def mechanism_phrases(self, transfer: registry.Transfer) -> Phrases:
        found = terms()
        mechanism = transfer.mechanism
        values: list[str] = []
        if mechanism is not None:
            values += _translations("transfer_mechanism", mechanism.title)
            values += every(found.mechanisms.get(mechanism.key, {}))
            values += every(found.mechanism_families.get(mechanism.family, {}))
        return phrases(values)

    def transfers(self) -> None:
        for transfer in self.held.transfers:
            importer = (
                phrases(aliases(transfer.importer.name)) if transfer.importer else phrases([])
            )
            places = (
                phrases(_countries(self.facts, transfer.country))
                if transfer.country
                else phrases(aliases(transfer.international_organisation))
            )
            if not places:
                continue
            where = transfer.country or transfer.international_organisation
            told = [
                i
                for i in self.blocks_with(places)
                if importer.found(self.norms[i]) or self.transfer_words.found(self.norms[i])
            ]
            name = transfer.importer.name if transfer.importer else where
            if not told:
                self.gap(
                    "NOTICE-TRANSFER-MISSING",
                    transfer.entity,
                    f"the notice does not say that data goes to {name} in {where}",
                    transfer.detail,
                )
                continue
            if transfer.mechanism is None:
                continue  # nothing recorded to disclose: `ropa validate` reports the gap
            safeguard = self.mechanism_phrases(transfer)
            beside = importer if importer else places  # the importer's own safeguard
            near = [i for i in self.blocks_with(safeguard) if beside.found(self.norms[i])]
            if not near:
                self.gap(
                    "NOTICE-SAFEGUARD-MISSING",
                    transfer.entity,
                    f"the notice does not give the safeguard of the transfer to {name} in "
                    f"{where}: {transfer.mechanism.title}",
                    transfer.detail,
                )

    def category_phrases(self, key: str | None) -> Phrases:
        if key is None:
            return phrases([])
        label = self.facts.graph.category(key).label
        synonyms = every(terms().data_categories.get(key, {}))
        return phrases([*_translations("data_category", label), key.replace("_", " "), *synonyms])

    def retention(self) -> None:
        periods_by_category: dict[str | None, list[float]] = {}
        for kept in self.held.retention:
            if kept.rule.period and (days := days_in(kept.rule.period)) is not None:
                periods_by_category.setdefault(kept.rule.data_category, []).append(days)
        stated = [periods(norm) for norm in self.norms]
        for kept in self.held.retention:
            rule = kept.rule
            entity = f"activity:{kept.activity.key}"
            category = rule.data_category
            label = self.facts.graph.category(category).label if category else "all data"
            wanted = self.category_phrases(category)
            label_words = content_words(label) if category else frozenset()
            mentions = [
                i for i in range(len(self.norms)) if self.mentions(i, category, wanted, label_words)
            ]
            if rule.period:
                days = days_in(rule.period)
                if days is None:
                    continue
                if any(p.covers(days) for i in mentions for p in stated[i]):
                    continue
                said = [p for i in mentions if self.alone(i, category) for p in stated[i]]
                held = periods_by_category.get(category, [])
                if category and said and not any(p.covers(d) for p in said for d in held):
                    self.gap(
                        "NOTICE-RETENTION-CONTRADICTED",
                        entity,
                        f"the notice keeps {label} for "
                        + ", ".join(dict.fromkeys(p.text for p in said))
                        + f"; the registry records {rule.period}",
                        kept.detail,
                    )
                else:
                    self.gap(
                        "NOTICE-RETENTION-MISSING",
                        entity,
                        f"the notice does not give the period for {label} in "
                        f"`{kept.activity.name}`: {rule.period}",
                        kept.detail,
                    )
                continue
            criteria = content_words(rule.criteria)
            if not criteria:
                continue  # a statement alone, or indefinite: nothing definite to disclose
            if not any(self.retention_words.found(self.norms[i]) for i in mentions) and not any(
                overlap(criteria, words) >= CRITERIA_MATCH for words in self.words
            ):
                self.gap(
                    "NOTICE-RETENTION-MISSING",
                    entity,
                    f"the notice does not say how long {label} is kept in "
                    f"`{kept.activity.name}`: {' '.join(rule.criteria.split())}",
                    kept.detail,
                )

    def alone(self, index: int, category: str | None) -> bool:
        """Whether a block names no data category of the organisation's but ``category``."""
        others = {
            key
            for activity in self.held.activities
            for key in activity.data_categories
            if key != category
        }
        norm = self.norms[index]
        return not any(self.label_phrases(key).found(norm) for key in others)

    def label_phrases(self, key: str) -> Phrases:
        label = self.facts.graph.category(key).label
        return phrases(_translations("data_category", label))

    def mentions(
        self, index: int, category: str | None, wanted: Phrases, label_words: frozenset[str]
    ) -> bool:
        """Whether a block speaks of the category (or, for a rule on all data, of keeping data)."""
        norm = self.norms[index]
        if category is None:
            return self.retention_words.found(norm)
        if wanted.found(norm):
            return True
        return bool(label_words) and overlap(label_words, self.words[index]) >= LABEL_MATCH

    def notice_only(self) -> None:
        """What the notice itself owes where the registry holds nothing definite: a safeguard
        for the transfers the notice speaks of, and some retention period."""
        found = terms()
        if not self.held.transfers:
            told = self.blocks_with(phrases(every(found.transfer_statements)))
            safeguards = phrases(
                [
                    *(p for by in found.mechanisms.values() for p in every(by)),
                    *(p for by in found.mechanism_families.values() for p in every(by)),
                ]
            )
            if told and not self.anywhere(safeguards):
                line = self.read.blocks[told[0]].line
                self.gap(
                    "NOTICE-SAFEGUARD-MISSING",
                    self.org,
                    f"line {line} says data goes abroad, and the notice names no safeguard "
                    f"(the registry records no transfer either)",
                    "notice",
                    line,
                )
        if not any(k.rule.period for k in self.held.retention) and not any(
            self.retention_words.found(norm) and periods(norm) for norm in self.norms
        ):
            self.gap(
                "NOTICE-RETENTION-MISSING",
                self.org,
                "neither the registry nor the notice gives any retention period",
                "period",
            )

    def rights(self) -> None:
        found = terms().rights
        for right in self.held.rights:
            if not self.anywhere(phrases(every(found[right]))):
                self.gap(
                    "NOTICE-RIGHT-MISSING",
                    self.org,
                    f"the notice does not mention the right: {right.replace('_', ' ')}",
                    right,
                )

    def automated(self) -> None:
        wanted = phrases(every(terms().automated_decisions))
        for activity in self.held.activities:
            if activity.automated_decisions is not None and not self.anywhere(wanted):
                self.gap(
                    "NOTICE-AUTOMATED-MISSING",
                    f"activity:{activity.key}",
                    f"the notice does not disclose the automated decision of `{activity.name}`",
                )

    def contradictions(self) -> None:
        said = wording().statements
        found = terms()
        denials = [
            (d.phrase, d.scope) for language in said.sharing_denials.values() for d in language
        ]
        denials += [
            (d.phrase, d.scope) for language in found.sharing_denials.values() for d in language
        ]
        anyone = phrases(phrase for phrase, scope in denials if scope == "anyone")
        third = phrases(phrase for phrase, scope in denials if scope != "anyone")
        exceptions = phrases([*every(said.exceptions), *every(found.exceptions)])
        transfer_denials = phrases([*every(said.transfer_denials), *every(found.transfer_denials)])
        places = phrases(every(said.transfer_places))
        everyone = [r.party.name for r in self.held.recipients] + [
            c.category.label for c in self.held.categories
        ]
        third_parties = list(self.held.third_parties)
        for block in self.read.blocks:
            if block.heading:
                continue
            for sentence in _sentences(block.text):
                norm = normalise(sentence)
                if exceptions.found(norm):
                    continue
                self.contradiction(block, norm, anyone, everyone, third, third_parties)
                if transfer_denials.found(norm) and places.found(norm) and self.held.transfers:
                    names = ", ".join(
                        dict.fromkeys(
                            t.importer.name if t.importer else t.detail for t in self.held.transfers
                        )
                    )
                    self.gap(
                        "NOTICE-TRANSFER-CONTRADICTED",
                        self.org,
                        f"line {block.line} denies transfers; the registry records transfers "
                        f"to {names}",
                        f"line-{block.line}",
                        block.line,
                    )

    def contradiction(
        self,
        block: Block,
        norm: str,
        anyone: Phrases,
        everyone: list[str],
        third: Phrases,
        third_parties: list[str],
    ) -> None:
        detail = f"line-{block.line}"
        if detail in self.denied:  # one contradiction per passage, however many sentences
            return
        if anyone.found(norm) and everyone:
            names = ", ".join(everyone)
        elif third.found(norm) and third_parties:
            names = ", ".join(third_parties)
        else:
            return
        self.denied.add(detail)
        self.gap(
            "NOTICE-SHARING-CONTRADICTED",
            self.org,
            f"line {block.line} denies sharing; the registry records recipients: {names}",
            detail,
            block.line,
        )


def check_notice(read: Read, facts: Facts, organisation: str | None) -> list[NoticeGap]:
    """What the notice leaves out of, or contradicts in, ``organisation``'s registry."""
    key = organisation_key(facts, organisation)
    checker = _Checker(read, facts, registry.holds(facts, key))
    checker.controller()
    checker.purposes()
    checker.recipients()
    checker.transfers()
    checker.retention()
    checker.notice_only()
    checker.rights()
    checker.automated()
    checker.contradictions()
    return checker.gaps


def findings(gaps: Iterable[NoticeGap], organisation: str) -> list[Finding]:
    """The gaps as findings, for the validator's text, JSON and SARIF writers."""
    catalogue = checks()
    found = []
    for gap in gaps:
        meta = catalogue[gap.check]
        found.append(
            Finding(
                id=gap.id,
                rule=gap.check,
                severity=meta.severity,
                title=meta.title,
                article=meta.article,
                message=gap.message,
                remedy=meta.remedy,
                entity=gap.entity,
                organisation=organisation,
                activity=gap.entity.partition(":")[2]
                if gap.entity.startswith("activity:")
                else None,
            )
        )
    return found


def as_json(finding: Finding) -> dict[str, object]:
    """A finding as the notice check's JSON reports it."""
    return {
        "id": finding.id,
        "check": finding.rule,
        "severity": str(finding.severity),
        "article": finding.article,
        "title": finding.title,
        "message": finding.message,
        "remedy": finding.remedy,
        "entity": finding.entity,
    }
