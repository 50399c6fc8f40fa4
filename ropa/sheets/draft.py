"""The registry being built from a sheet: keys, and one entity per distinct name."""

from __future__ import annotations

import re
from typing import TypeVar

import msgspec

from ropa.domain import model as m
from ropa.domain.vocabulary import Vocabularies
from ropa.render import i18n
from ropa.sheets import text as t
from ropa.sheets.layouts import norm

_LABELLED = re.compile(r"^(?P<name>.*?)\s*\((?P<details>[^()]*)\)\s*$", re.S)


def slug(text: str, fallback: str = "item") -> str:
    words = norm(text).replace("_", " ").split()
    key = "-".join(words)[:60].strip("-")
    key = re.sub(r"[^A-Za-z0-9._-]", "", key.encode("ascii", "ignore").decode())
    return key if key and key[0].isalnum() else fallback


class Draft:
    """Entities by key, with lookups by name and by the labels ropa's workbooks show."""

    def __init__(self, vocab: Vocabularies, language: str = "en", *, exact: bool = False) -> None:
        self.vocab = vocab
        self.exact = exact
        """Labels as ropa writes them: matched exactly, never by a near spelling."""
        self.tr = i18n.translator(language)
        self.organisation = m.Organisation(key="organisation", name="Organisation")
        self.org_notes: list[str] = []
        self.parties: dict[str, m.Party] = {}
        self.systems: dict[str, m.System] = {}
        self.activities: dict[str, m.Activity] = {}
        self.records: dict[str, m.ProcessorRecord] = {}
        self.flows: dict[str, m.Flow] = {}
        self.terms: dict[str, m.Term] = {}
        self.notes: dict[str, list[str]] = {}
        self.pending_parents: dict[str, str] = {}
        """Party key -> the name of the party it is a sub-processor of, resolved at the end."""
        """Entity key -> text kept verbatim for its notes."""
        self._keys: set[tuple[str, str]] = set()
        self._party_first: dict[str, str] = {}
        self._party_second: dict[str, str] = {}
        self._systems: dict[str, str] = {}
        self._categories: dict[str, str] = {}
        self._subjects: dict[str, str] = {}

    def key(self, kind: str, wanted: str) -> str:
        key = slug(wanted, kind)
        candidate, n = key, 1
        while (kind, candidate) in self._keys:
            n += 1
            candidate = f"{key}-{n}"
        self._keys.add((kind, candidate))
        return candidate

    def claim(self, kind: str, key: str) -> str:
        """A key the sheet gives, when it is a valid one not yet taken; else one made from it."""
        if re.fullmatch(m.KEY_PATTERN, key) and len(key) <= 128 and (kind, key) not in self._keys:
            self._keys.add((kind, key))
            return key
        return self.key(kind, key)

    # --- vocabulary terms ---------------------------------------------------------------

    def _label_table(self, vocabulary: m.Vocabulary) -> dict[str, str]:
        table = self._categories if vocabulary == m.Vocabulary.DATA_CATEGORY else self._subjects
        if not table:
            entries = (
                self.vocab.data_categories
                if vocabulary == m.Vocabulary.DATA_CATEGORY
                else self.vocab.data_subject_categories
            )
            context = (
                "data_category" if vocabulary == m.Vocabulary.DATA_CATEGORY else "data_subject"
            )
            for key, entry in entries.items():
                for language in t.LANGUAGES:
                    table.setdefault(norm(i18n.translator(language)(context, entry.label)), key)
                table.setdefault(norm(key), key)
        return table

    def term(self, label: str, vocabulary: m.Vocabulary) -> tuple[str, float, bool]:
        """The vocabulary key for a label, how sure, and whether a new term was made."""
        table = self._label_table(vocabulary)
        found = t.best(label, table, None if self.exact else 90.0)
        if found is not None:
            return found.value, found.confidence, False
        key = self.key("term", label)
        self.terms[key] = m.Term(key=key, vocabulary=vocabulary, label=label.strip()[:500])
        table[norm(label)] = key
        return key, 100.0, True

    # --- parties and systems ---------------------------------------------------------------

    def party_label(self, party: m.Party) -> str:
        role = self.tr("party_role", i18n.ROLE_LABELS.get(party.role, "")) if party.role else ""
        country = self._country_name(party.country)
        details = [d for d in (role, country) if d]
        return f"{party.name} ({', '.join(details)})" if details else party.name

    def _country_name(self, code: str | None) -> str:
        if not code:
            return ""
        found = self.vocab.countries.get(code)
        return self.tr.country(code, found.name if found else code)

    def node_label(self, node: str) -> str:
        kind, _, key = node.partition(":")
        if kind == "party":
            party = self.parties[key]
            country = self._country_name(party.country)
            return f"{party.name} ({country})" if country else party.name
        system = self.systems[key]
        code = system.hosting_country
        if not code and system.operator:
            code = self.parties[system.operator].country
        country = self._country_name(code)
        return f"{system.name} ({country})" if country else system.name

    # --- lookups by name and label, kept as indexes (a sheet may hold thousands) -----

    def _party_labels(self, party: m.Party) -> tuple[list[str], list[str]]:
        """Names a party goes by: first its name and recipient label, then its node label."""
        node = norm(self.node_label(f"party:{party.key}"))
        return [norm(party.name), norm(self.party_label(party))], [node]

    def _system_labels(self, system: m.System) -> list[str]:
        return [norm(self.node_label(f"system:{system.key}")), norm(system.name)]

    def put_party(self, party: m.Party) -> m.Party:
        old = self.parties.get(party.key)
        if old is not None:
            first, second = self._party_labels(old)
            _forget(self._party_first, first, party.key)
            _forget(self._party_second, second, party.key)
        self.parties[party.key] = party
        first, second = self._party_labels(party)
        for label in first:
            self._party_first.setdefault(label, party.key)
        for label in second:
            self._party_second.setdefault(label, party.key)
        return party

    def put_system(self, system: m.System) -> m.System:
        old = self.systems.get(system.key)
        if old is not None:
            _forget(self._systems, self._system_labels(old), system.key)
        self.systems[system.key] = system
        for label in self._system_labels(system):
            self._systems.setdefault(label, system.key)
        return system

    def find_party(self, text: str) -> m.Party | None:
        """A party by its name, or by the label ropa's workbooks show for it."""
        wanted = norm(text)
        key = self._party_first.get(wanted) or self._party_second.get(wanted)
        return self.parties[key] if key is not None else None

    def party(self, text: str, role: m.PartyRole | None = None) -> tuple[m.Party, bool]:
        """The party a recipient cell names, made once per distinct name."""
        found = self.find_party(text)
        if found is not None:
            return found, False
        name, country, role_found = text.strip(), None, None
        labelled = _LABELLED.match(text.strip())
        if labelled:
            for detail in labelled.group("details").split(","):
                where = t.country(detail, self.vocab)
                what = t.party_role(detail)
                if where is not None and where.confidence >= 95 and country is None:
                    country = where.value
                elif what is not None and what.confidence >= 90 and role_found is None:
                    role_found = m.PartyRole(what.value)
            if country or role_found:
                name = labelled.group("name").strip()
                found = self.find_party(name)
                if found is not None:
                    return found, False
        key = self.key("party", name)
        party = m.Party(
            key=key,
            organisation=self.organisation.key,
            name=name[:500] or key,
            role=role_found or role,
            country=country,
        )
        return self.put_party(party), True

    def find_node(self, label: str) -> str | None:
        wanted = norm(label)
        key = self._systems.get(wanted)
        if key is not None:
            return f"system:{key}"
        key = self._party_second.get(wanted) or self._party_first.get(wanted)
        return f"party:{key}" if key is not None else None

    def system(self, label: str) -> str:
        """The system a "Name (Country)" label names, made once per distinct label."""
        found = self.find_node(label)
        if found is not None and found.startswith("system:"):
            return found.partition(":")[2]
        name, country = label.strip(), None
        labelled = _LABELLED.match(name)
        if labelled:
            where = t.country(labelled.group("details"), self.vocab)
            if where is not None and where.confidence >= 95:
                name, country = labelled.group("name").strip(), where.value
        key = self.key("system", name)
        self.put_system(
            m.System(
                key=key,
                organisation=self.organisation.key,
                name=name[:500] or key,
                hosting_country=country,
            )
        )
        return key

    def document(self) -> m.RegistryDocument:
        org = self.organisation
        if self.org_notes:
            org = _with_notes(org, self.org_notes)
        activities = [
            _with_notes(a, self.notes.get(f"activity:{a.key}", []))
            for a in self.activities.values()
        ]
        records = [
            _with_notes(r, self.notes.get(f"record:{r.key}", [])) for r in self.records.values()
        ]
        return m.RegistryDocument(
            organisations=[org],
            terms=list(self.terms.values()),
            parties=list(self.parties.values()),
            systems=list(self.systems.values()),
            activities=activities,
            processor_records=records,
            flows=list(self.flows.values()),
        )


def _forget(index: dict[str, str], labels: list[str], key: str) -> None:
    for label in labels:
        if index.get(label) == key:
            del index[label]


E = TypeVar("E", m.Organisation, m.Activity, m.ProcessorRecord)


def _with_notes(entity: E, notes: list[str]) -> E:
    if not notes:
        return entity
    text = "\n".join(filter(None, [entity.notes, *notes]))
    return msgspec.structs.replace(entity, notes=text[:20_000])
