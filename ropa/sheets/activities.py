"""A row of a controller record (Art 30(1)) read as a processing activity."""

from __future__ import annotations

import enum
import functools
import re
from typing import TypeVar

import msgspec

from ropa.domain import model as m
from ropa.render import i18n
from ropa.sheets import text as t
from ropa.sheets.draft import Draft
from ropa.sheets.layouts import norm
from ropa.sheets.rows import Row

EnumT = TypeVar("EnumT", bound=enum.Enum)
_LAW = re.compile(r"^(?P<text>.*?)\s*\((?P<jurisdiction>[A-Z]{2}|EU)\)\s*$", re.S)
_DATED = re.compile(r"^(?P<text>.*?)\s*\((?P<date>\d{4}-\d{2}-\d{2})\)\s*$")


def law(text: str) -> m.LawCitation | None:
    found = _LAW.match(text.strip())
    if found is None or not found.group("text").strip():
        return None
    return m.LawCitation(
        title=found.group("text").strip()[:2000], jurisdiction=found.group("jurisdiction")
    )


class ActivityReader:
    """Reads rows into activities of the draft; ``summaries`` says whether the controller
    columns that summarise transfers, retention and contracts are the only source of those."""

    def __init__(
        self, draft: Draft, split: str, *, transfers: bool, retention: bool, contracts: bool
    ) -> None:
        self.draft = draft
        self.split = split
        self.transfers_here = transfers
        self.retention_here = retention
        self.contracts_here = contracts

    def items(self, row: Row, field: str) -> list[str]:
        text = row.text(field)
        if not text or t.nothing(text) is not None:
            return []
        return t.items(text, self.split)

    def read(self, row: Row) -> m.Activity | None:
        d = self.draft
        notes: list[str] = []
        purposes = self.items(row, "purposes") + self.items(row, "purposes_other")
        name = row.text("name")
        if not name:
            name = (purposes[0] if purposes else row.text("business_function"))[:120]
            if not name:
                return None
        key = d.claim("activity", row.text("key")) if row.has("key") else d.key("activity", name)
        fields: dict[str, object] = {
            "key": key,
            "organisation": d.organisation.key,
            "name": name[:500],
            "business_function": _plain(row.text("business_function")),
            "purposes": purposes,
            "security_measures": self.items(row, "security_measures"),
            "rights": self.items(row, "rights"),
            "data_sources": self.items(row, "data_sources"),
            "owner": _plain(row.text("owner")),
            "art10_authority": _plain(row.text("art10_authority")),
        }
        fields["data_subjects"] = self._terms(
            row, "data_subjects", m.Vocabulary.DATA_SUBJECT_CATEGORY
        )
        fields["data_categories"] = self._terms(row, "data_categories", m.Vocabulary.DATA_CATEGORY)
        fields["lawful_bases"] = self._bases(row, notes)
        self._art9(row, fields, notes)
        fields["recipients"] = self._recipients(row)
        fields["joint_controllers"] = self._joint(row)
        fields["systems"] = [d.system(label) for label in self.items(row, "locations")]
        for field, attr in (("last_reviewed", "last_reviewed"), ("created_on", "created_on")):
            if row.has(field):
                day = t.date(row.text(field))
                if day is not None:
                    fields[attr] = day
                elif t.nothing(row.text(field)) is None:
                    row.keep(field, notes, "not a date: kept in the activity's notes")
        if row.has("status"):
            status = _enum(row.text("status"), m.ActivityStatus, "activity_status")
            if status is not None:
                fields["status"] = status
            else:
                row.keep("status", notes, "not an activity status: kept in the notes")
        fields["dpia"] = self._dpia(row, notes)
        fields["breach"] = self._breach(row)
        fields["schedule1"] = self._schedule1(row)
        fields["automated_decisions"] = self._automated(row)
        if row.has("notes"):
            text = row.text("notes")
            if t.nothing(text) is None:
                fields["notes"] = text
        if self.retention_here:
            fields["retention"] = self._retention(row, fields, notes)
        else:
            row.derived("retention")
        for field in ("processor_contracts",):
            if self.contracts_here:
                row.keep(field, notes, "contracts kept in the notes: record them on the parties")
            else:
                row.derived(field)
        for field in ("recipients_internal",):
            row.keep(field, notes, "internal recipients kept in the activity's notes")
        row.keep_others(notes)
        activity = msgspec.convert(
            {k: msgspec.to_builtins(v) for k, v in fields.items() if v is not None},
            m.Activity,
        )
        d.activities[key] = activity
        if notes:
            d.notes.setdefault(f"activity:{key}", []).extend(notes)
        if self.transfers_here:
            self._transfers(row, activity)
        else:
            for field in (
                "third_countries",
                "transfer_mechanisms",
                "exceptional_transfer_safeguards",
            ):
                row.derived(field)
        return activity

    # --- fields ------------------------------------------------------------------------

    def _terms(self, row: Row, field: str, vocabulary: m.Vocabulary) -> list[str]:
        keys: list[str] = []
        labels = self.items(row, field)
        if self.split != "lines":  # "Name, address, bank details" in one hand-filled cell
            labels = [part for label in labels for part in t.comma_items(label)]
        for label in labels:
            key, confidence, new = self.draft.term(label, vocabulary)
            if new and self.split != "lines":
                row.doubt(field, 80.0, f"'{label}' is no vocabulary term: added as a new term")
            row.doubt(field, confidence, f"'{label}' read as the term {key}")
            if key not in keys:
                keys.append(key)
        return keys

    def _bases(self, row: Row, notes: list[str]) -> list[m.LawfulBasis]:
        bases: dict[str, m.LawfulBasis] = {}
        for item in self.items(row, "lawful_bases"):
            found = t.lawful_basis(item, self.draft.vocab)
            if found is None:
                notes.append(f"Lawful basis: {item}")
                row.ledger.note(
                    row.sheet,
                    row.r,
                    row.fields["lawful_bases"][0],
                    item,
                    "kept_in_notes",
                    "no Art 6 basis recognised: kept in the notes",
                )
                continue
            row.doubt("lawful_bases", found.confidence, f"'{item}' read as {found.value}")
            _, _, tail = item.partition("): ")
            cited = law(tail) if tail else None
            if tail and cited is None:
                notes.append(f"Lawful basis {found.value}: {tail}")
            bases.setdefault(found.value, m.LawfulBasis(basis=found.value, law=cited))
        interests = self.items(row, "legitimate_interests")
        references = self.items(row, "lia_references")
        if interests or references:
            basis = bases.get("legitimate_interests") or m.LawfulBasis(basis="legitimate_interests")
            bases["legitimate_interests"] = msgspec.structs.replace(
                basis,
                interest="\n".join(interests)[:20_000],
                lia_reference="\n".join(references)[:2000],
            )
        records = self.items(row, "consent_records") if row.has("consent_records") else []
        if records:
            withdrawal_words = t.words("withdrawal")
            kept: list[str] = []
            withdrawal: list[str] = []
            for line in records:
                head, sep, rest = line.partition(": ")
                (withdrawal if sep and norm(head) in withdrawal_words else kept).append(
                    rest if sep and norm(head) in withdrawal_words else line
                )
            basis = bases.get("consent") or m.LawfulBasis(basis="consent")
            bases["consent"] = msgspec.structs.replace(
                basis,
                consent_record="\n".join(kept)[:2000],
                consent_withdrawal="\n".join(withdrawal)[:2000],
            )
        return list(bases.values())

    def _art9(self, row: Row, fields: dict[str, object], notes: list[str]) -> None:
        text = row.text("art9_condition")
        if not text or t.nothing(text) is not None:
            return
        found = t.art9_condition(text, self.draft.vocab)
        if found is None:
            row.keep("art9_condition", notes, "no Art 9 condition recognised: kept in the notes")
            return
        row.doubt("art9_condition", found.confidence, f"read as {found.value}")
        fields["art9_condition"] = found.value
        _, _, tail = text.partition("): ")
        if tail:
            fields["art9_law"] = law(tail)

    def _recipients(self, row: Row) -> list[str] | None:
        listed: list[str] | None = None
        for field, role in (
            ("recipients", None),
            ("recipients_external", None),
            ("recipients_processors", m.PartyRole.PROCESSOR),
        ):
            text = row.text(field)
            said = t.nothing(text)
            if said == "not_stated" and not text.strip():
                continue
            listed = listed if listed is not None else ([] if said != "not_stated" else None)
            if said is not None:
                continue
            for item in t.items(text, self.split):
                party, new = self.draft.party(item, role)
                if new and self.split != "lines":
                    row.doubt(field, 85.0, f"'{item}' added as the recipient {party.name}")
                listed = listed if listed is not None else []
                if party.key not in listed:
                    listed.append(party.key)
        return listed

    def _joint(self, row: Row) -> list[str]:
        keys = []
        for item in self.items(row, "joint_controllers"):
            name = item.split(" (", 1)[0] if self.split == "lines" else item
            party, _ = self.draft.party(name, m.PartyRole.JOINT_CONTROLLER)
            keys.append(party.key)
        return keys

    def _dpia(self, row: Row, notes: list[str]) -> m.Dpia | None:
        if not (row.has("dpia_required") or row.has("dpia_progress") or row.has("dpia_reference")):
            return None
        required = row.text("dpia_required")
        progress = row.text("dpia_progress")
        reference = row.text("dpia_reference")
        status: m.DpiaStatus | None = None
        completed = None
        if progress and t.nothing(progress) is None:
            dated = _DATED.match(progress)
            if dated:
                progress, completed = dated.group("text"), t.date(dated.group("date"))
            status = _enum(progress, m.DpiaStatus, "dpia_status")
            if status is None:
                row.keep("dpia_progress", notes, "not a DPIA status: kept in the notes")
        answer = t.yes_no(required) if required else None
        if status is None:
            if answer is False or t.nothing(progress) == "not_applicable":
                status = m.DpiaStatus.NOT_REQUIRED
            elif answer is True:
                status = m.DpiaStatus.IN_PROGRESS
                row.doubt(
                    "dpia_required", 80.0, "a DPIA is required: its status read as in progress"
                )
            elif (
                required
                and t.nothing(required) is None
                and _enum(required, m.DpiaStatus, "dpia_status")
            ):
                status = _enum(required, m.DpiaStatus, "dpia_status")
        if status is None and (not reference or t.nothing(reference) is not None):
            return None
        ref = reference if reference and t.nothing(reference) is None else ""
        return m.Dpia(
            status=status or m.DpiaStatus.NOT_ASSESSED, reference=ref, completed_on=completed
        )

    def _breach(self, row: Row) -> m.BreachLog | None:
        occurred = t.yes_no(row.text("breach_occurred"))
        if occurred is None:
            return None
        return m.BreachLog(occurred=occurred, records=self.items(row, "breach_records"))

    def _schedule1(self, row: Row) -> m.Schedule1Policy | None:
        fields = (
            "schedule1_condition",
            "schedule1_policy_document",
            "schedule1_retained_per_policy",
            "schedule1_non_adherence",
        )
        texts = {f: row.text(f) for f in fields}
        if not any(v and t.nothing(v) is None for v in texts.values()):
            return None
        return m.Schedule1Policy(
            condition=_plain(texts["schedule1_condition"]),
            policy_document=_plain(texts["schedule1_policy_document"]),
            retained_per_policy=t.yes_no(texts["schedule1_retained_per_policy"]),
            non_adherence_reasons=_plain(texts["schedule1_non_adherence"]),
        )

    def _automated(self, row: Row) -> m.AutomatedDecision | None:
        lines = self.items(row, "automated_decisions")
        if not lines:
            return None
        effect_words = t.words("art22_effect")
        ground_words = t.words("art22_ground")
        description, effect, ground, ground_text = [], False, None, ""
        for line in lines:
            head, sep, rest = line.partition(": ")
            if norm(line) in effect_words:
                effect = True
            elif sep and norm(head) in ground_words:
                ground = _enum(rest, m.Art22Ground, "art22_ground")
                ground_text = "" if ground else rest
            else:
                description.append(line)
        return m.AutomatedDecision(
            description="\n".join(description),
            legal_or_similar_effect=effect,
            ground=ground,
            art22_ground=ground_text,
        )

    def _retention(
        self, row: Row, fields: dict[str, object], notes: list[str]
    ) -> list[m.Retention]:
        rules = []
        categories = list(fields.get("data_categories") or [])  # type: ignore[call-overload]
        everything = t.words("all_categories")
        for item in self.items(row, "retention"):
            head, sep, rest = item.partition(": ")
            category = None
            if sep:
                if norm(head) in everything:
                    category, item = None, rest
                else:
                    key, confidence, new = self.draft.term(head, m.Vocabulary.DATA_CATEGORY)
                    if not new and (key in categories or confidence >= 95):
                        category, item = key, rest
                    elif new:
                        self.draft.terms.pop(key, None)
            period = t.retention(item)
            if period is None:
                rules.append(m.Retention(data_category=category, criteria=item[:20_000]))
                row.doubt("retention", 70.0, "no period found: kept as deletion criteria")
                continue
            row.doubt("retention", period.confidence, f"read as {period.period}")
            rules.append(
                m.Retention(
                    data_category=category,
                    period=period.period,
                    trigger=period.trigger[:2000],
                    criteria=period.rest[:20_000],
                )
            )
        return rules

    def _transfers(self, row: Row, activity: m.Activity) -> None:
        """Third countries named in the controller row: one flow per country, to the listed
        recipient in that country, else to a recipient named after the country."""
        d = self.draft
        countries: list[str] = []
        for item in self.items(row, "third_countries"):
            for part in t.comma_items(item) if self.split != "lines" else [item]:
                found = t.country(part, d.vocab)
                if found is None:
                    row.doubt("third_countries", 0.0, f"'{part}' is no country: not imported")
                    continue
                row.doubt("third_countries", found.confidence, f"'{part}' read as {found.value}")
                countries.append(found.value)
        if not countries:
            return
        mechanisms = self.items(row, "transfer_mechanisms") + self.items(
            row, "exceptional_transfer_safeguards"
        )
        source = activity.systems[0] if activity.systems else d.system(f"{activity.name} systems")
        for code in dict.fromkeys(countries):
            recipient = next(
                (d.parties[k] for k in activity.recipients or [] if d.parties[k].country == code),
                None,
            )
            if recipient is None:
                recipient, _ = d.party(f"Recipient in {d._country_name(code)}")
                recipient = d.put_party(msgspec.structs.replace(recipient, country=code))
                row.doubt(
                    "third_countries",
                    60.0,
                    f"no recipient named in {code}: added '{recipient.name}'",
                )
            mechanism = None
            for text in mechanisms:
                found = t.mechanism(text, d.vocab)
                if found is not None:
                    mechanism = found.value
                    row.doubt("transfer_mechanisms", found.confidence, f"read as {found.value}")
                    break
            key = d.key("flow", f"{activity.key}-{code.lower()}")
            d.flows[key] = m.Flow(
                key=key,
                activity=activity.key,
                source=f"system:{source}",
                target=f"party:{recipient.key}",
                data_categories=list(activity.data_categories),
                transfer=m.Transfer(destination_country=code, mechanism=mechanism),
            )


def _plain(text: str) -> str:
    return "" if t.nothing(text) is not None else text.strip()


def _enum(text: str, kind: type[EnumT], context: str = "") -> EnumT | None:
    """An enumeration member from its value or its label ("in progress"), in any language."""
    found = _members(kind, context).get(norm(text))
    return found if isinstance(found, kind) else None


@functools.cache
def _members(kind: type[enum.Enum], context: str) -> dict[str, enum.Enum]:
    table: dict[str, enum.Enum] = {}
    for member in kind:
        label = str(member.value).replace("_", " ")
        table[norm(str(member.value))] = table[norm(label)] = member
        for lang in t.LANGUAGES if context else ():
            table.setdefault(norm(i18n.translator(lang)(context, label)), member)
    return table
