"""Rows of the other tables: the organisation, recipients, transfers, retention, processor
records."""

from __future__ import annotations

import re

import msgspec

from ropa.domain import model as m
from ropa.sheets import text as t
from ropa.sheets.activities import _enum, _plain
from ropa.sheets.draft import Draft
from ropa.sheets.layouts import Match, norm, score
from ropa.sheets.report import Ledger
from ropa.sheets.rows import Row

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_PHONE = re.compile(r"^\+?[\d\s().-]{6,}$")


def contact(text: str) -> m.Contact | None:
    """ "Name, address, email, phone" as ropa writes a contact; the email and phone by shape."""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts or t.nothing(text) is not None:
        return None
    email = next((p for p in parts if _EMAIL.match(p)), "")
    phone = next((p for p in reversed(parts) if _PHONE.match(p)), "")
    rest = [p for p in parts if p not in (email, phone)]
    return m.Contact(
        name=rest[0] if rest else "", address=", ".join(rest[1:]), email=email, phone=phone
    )


def read_labels(match: Match, draft: Draft, ledger: Ledger) -> None:
    """The organisation's name, key and role from label/value lines (ropa's notes sheet)."""
    org = draft.organisation
    values: dict[str, str] = {}
    for column in match.columns:
        r = column.index
        cells = match.grid.rows[r]
        ledger.mark(match.grid.name, r, 0, "heading")
        for c in range(1, len(cells)):
            if cells[c].strip():
                outcome = "derived" if column.field == "derived" else "mapped"
                ledger.mark(match.grid.name, r, c, outcome)
        if column.field != "derived" and len(cells) > 1:
            values[column.field] = cells[1].strip()
    changes: dict[str, object] = {}
    if values.get("organisation_name"):
        changes["name"] = values["organisation_name"][:500]
    if values.get("organisation_key") and re.fullmatch(m.KEY_PATTERN, values["organisation_key"]):
        changes["key"] = values["organisation_key"]
    role = _enum(values.get("organisation_role", ""), m.OrganisationRole)
    if role is not None:
        changes["role"] = role
    draft.organisation = msgspec.structs.replace(org, **changes)


def read_contact_block(match: Match, draft: Draft, ledger: Ledger, header_rows: range) -> set[int]:
    """The contact rows above the table (controller, DPO, representative, registration):
    the rows read."""
    block = match.table.contact_block
    done: set[int] = set()
    if not block:
        return done
    org = draft.organisation
    changes: dict[str, object] = {}
    for r in header_rows:
        cells = match.grid.rows[r]
        if not cells or not cells[0].strip():
            continue
        role = next(
            (
                name
                for name, labels in block.items()
                if max(score(cells[0], x) for x in labels) >= 90
            ),
            None,
        )
        if role is None:
            continue
        done.add(r)
        parts = [
            c.strip() if t.nothing(c) is None else "" for c in [*cells[1:5], "", "", "", ""][:4]
        ]
        for c, text in enumerate(cells):
            if text.strip():
                ledger.mark(match.grid.name, r, c, "heading" if c == 0 else "mapped")
        if role == "registration":
            changes["registration_number"] = parts[0]
            found = t.country(parts[1], draft.vocab) if parts[1] else None
            if found is not None:
                changes["establishment_country"] = found.value
            continue
        if not any(parts):
            continue
        person = m.Contact(name=parts[0], address=parts[1], email=parts[2], phone=parts[3])
        if role == "controller":
            name, person = _controller_name(parts[0], org.name), person
            changes["name"] = name[0] or org.name
            person = msgspec.structs.replace(person, name=name[1])
            if any((person.name, person.address, person.email, person.phone)):
                changes["contact"] = person
        elif role == "dpo":
            changes["dpo"] = person
        elif role == "representative":
            changes["eu_representative"] = person
    if changes:
        draft.organisation = msgspec.structs.replace(org, **changes)
    return done


def _controller_name(text: str, known: str) -> tuple[str, str]:
    """(organisation name, contact name) from "Org (Contact person)", as ropa writes it when
    the contact's name differs from the organisation's."""
    if known != "Organisation":
        if text == known:
            return known, ""
        if text.startswith(known + " (") and text.endswith(")"):
            return known, text[len(known) + 2 : -1]
    inner = re.match(r"^(?P<org>.*?) \((?P<person>.*)\)$", text)
    if inner is not None:
        return inner.group("org"), inner.group("person")
    return text, ""


def read_party(row: Row, draft: Draft) -> m.Party | None:
    name = row.text("name")
    if not name:
        return None
    existing = draft.find_party(name) if not row.has("key") else None
    key = (
        existing.key
        if existing
        else (draft.claim("party", row.text("key")) if row.has("key") else draft.key("party", name))
    )
    fields: dict[str, object] = {
        "key": key,
        "organisation": draft.organisation.key,
        "name": name[:500],
    }
    role_text = row.text("role")
    if role_text and t.nothing(role_text) is None:
        found = t.party_role(role_text)
        if found is not None:
            row.doubt("role", found.confidence, f"read as {found.value}")
            fields["role"] = found.value
        else:
            row.skip("role", "no party role recognised")
    code = row.text("country_code")
    if code and code.upper() in draft.vocab.countries:
        fields["country"] = code.upper()
        row.derived("country")
    elif row.text("country") and t.nothing(row.text("country")) is None:
        found = t.country(row.text("country"), draft.vocab)
        if found is not None:
            fields["country"] = found.value
            row.doubt("country", found.confidence, f"read as {found.value}")
    fields["contact"] = contact(row.text("contact"))
    reference = _plain(row.text("contract_reference"))
    day = t.date(row.text("contract_date"))
    if reference or day:
        fields["contract"] = m.Contract(reference=reference[:2000], signed_on=day)
    fields["sub_processor_authorisation"] = _plain(row.text("sub_processor_authorisation"))
    fields["joint_arrangement"] = _plain(row.text("joint_arrangement"))
    fields["description"] = row.text("description")
    dpf = row.text("dpf_status")
    if dpf and t.nothing(dpf) is None:
        certified = norm(dpf) in {norm(w) for w in ("certified", "certifie", "zertifiziert")}
        fields["dpf"] = m.DpfCertification(
            certified=certified, checked_on=t.date(row.text("dpf_checked_on"))
        )
    else:
        row.derived("dpf_checked_on")
    notes: list[str] = []
    row.keep_others(notes)
    if notes:
        fields["description"] = "\n".join(filter(None, [str(fields["description"]), *notes]))
    party = msgspec.convert(
        {k: msgspec.to_builtins(v) for k, v in fields.items() if v not in (None, "")}, m.Party
    )
    draft.put_party(party)
    parent = row.text("sub_processor_of")
    if parent and t.nothing(parent) is None:
        draft.pending_parents[key] = parent
    return party


def read_retention(row: Row, draft: Draft, by_name: dict[str, str]) -> None:
    activity_key, name = row.text("activity_key"), row.text("activity")
    if activity_key not in draft.activities:
        activity_key = by_name.get(norm(name), "")
    if not activity_key:
        row.skip("activity", "no activity of that name in the record")
        for field in list(row.fields):
            row.skip(field, "the row's activity is not in the record")
        return
    activity = draft.activities[activity_key]
    label = row.text("data_category")
    category = None
    if label and norm(label) not in t.words("all_categories"):
        category, confidence, _ = draft.term(label, m.Vocabulary.DATA_CATEGORY)
        row.doubt("data_category", confidence, f"read as {category}")
    period_text = row.text("period")
    said = t.nothing(period_text) if period_text else None
    others = [_plain(row.text(f)) for f in ("trigger", "criteria", "legal_source", "statement")]
    if said == "not_stated" and period_text and not any(others):
        return
    rule: dict[str, object] = {"data_category": category}
    if period_text and norm(period_text) in t.words("indefinite"):
        rule["indefinite"] = True
    elif period_text and said is None:
        period = t.retention(period_text)
        if period is None or period.period is None:
            rule["criteria"] = period_text
            row.doubt("period", 60.0, "no period found: kept as deletion criteria")
        else:
            rule["period"] = period.period
            row.doubt("period", period.confidence, f"read as {period.period}")
    trigger, criteria, source, statement = others
    rule["trigger"] = trigger
    rule["criteria"] = "\n".join(filter(None, [str(rule.get("criteria", "")), criteria]))
    rule["legal_source"] = source
    rule["statement"] = statement
    retention = msgspec.convert({k: v for k, v in rule.items() if v not in (None, "")}, m.Retention)
    if retention not in activity.retention:
        draft.activities[activity_key] = msgspec.structs.replace(
            activity, retention=[*activity.retention, retention]
        )


def read_transfer(row: Row, draft: Draft, by_name: dict[str, str], split: str) -> None:
    activity_key, name = row.text("activity_key"), row.text("activity")
    if activity_key not in draft.activities:
        activity_key = by_name.get(norm(name), "")
    if not activity_key:
        for field in list(row.fields):
            row.skip(field, "the row's activity is not in the record")
        return
    target_text = row.text("target")
    target_label, _, operator = target_text.partition(", operated by ")
    target = draft.find_node(target_label) if target_label else None
    if target is None and target_label:
        party = draft.find_party(target_label)
        target = f"party:{party.key}" if party else f"system:{draft.system(target_label)}"
    if operator and target and target.startswith("system:"):
        party, _ = draft.party(operator)
        key = target.partition(":")[2]
        draft.put_system(msgspec.structs.replace(draft.systems[key], operator=party.key))
    sources = [s for s in t.items(row.text("source"), split)] or ["Own systems"]
    categories = []
    for label in t.items(row.text("data_categories"), split):
        key, confidence, _ = draft.term(label, m.Vocabulary.DATA_CATEGORY)
        row.doubt("data_categories", confidence, f"'{label}' read as {key}")
        categories.append(key)
    code = row.text("country_code").upper()
    country_text = row.text("country")
    transfer: dict[str, object] = {}
    if code in draft.vocab.countries:
        transfer["destination_country"] = code
        if country_text and norm(country_text) != norm(draft._country_name(code)):
            transfer["international_organisation"] = country_text
    elif country_text and t.nothing(country_text) is None:
        found = t.country(country_text, draft.vocab)
        if found is not None and found.confidence >= 90:
            transfer["destination_country"] = found.value
        else:
            transfer["international_organisation"] = country_text
    mechanism_text = row.text("mechanism")
    if mechanism_text and t.nothing(mechanism_text) is None:
        found = t.mechanism(mechanism_text, draft.vocab)
        if found is not None:
            transfer["mechanism"] = found.value
            row.doubt("mechanism", found.confidence, f"read as {found.value}")
        else:
            row.skip("mechanism", "no transfer mechanism recognised")
    module = t.scc_module(row.text("scc_module"))
    if module:
        transfer["scc_module"] = module
    transfer["tia_reference"] = _plain(row.text("tia_reference"))
    transfer["derogation_documentation"] = _plain(row.text("derogation_documentation"))
    frequency = _enum(row.text("frequency"), m.TransferFrequency, "frequency")
    if frequency is not None:
        transfer["frequency"] = frequency
    since = t.date(row.text("since"))
    if since is not None:
        transfer["since"] = since
    said = {k for k, v in transfer.items() if v not in (None, "")}
    declared = bool(said - {"destination_country", "international_organisation"})
    if not declared and t.nothing(row.text("derogation_documentation")) == "not_stated":
        # ropa writes "Not stated" there only for a flow with no transfer recorded at all: one
        # that leaves the EEA undeclared, its destination being where its target sits.
        transfer = {}
    flow_keys = t.items(row.text("flow_keys"), split)
    for i, source_label in enumerate(sources):
        source = draft.find_node(source_label) or f"system:{draft.system(source_label)}"
        wanted = flow_keys[i] if i < len(flow_keys) else ""
        key = (
            draft.claim("flow", wanted) if wanted else draft.key("flow", f"{activity_key}-transfer")
        )
        draft.flows[key] = m.Flow(
            key=key,
            activity=activity_key,
            source=source,
            target=target or source,
            data_categories=categories,
            transfer=msgspec.convert(
                {k: msgspec.to_builtins(v) for k, v in transfer.items() if v not in (None, "")},
                m.Transfer,
            )
            if transfer
            else None,
        )


def _sub_processor(draft: Draft, line: str) -> str:
    """A sub-processor as ropa lists it: "Name (Country): authorisation"."""
    name = line.partition(": ")[0]
    party = draft.find_party(name) or draft.find_party(name.rsplit(" (", 1)[0])
    if party is None:
        party, _ = draft.party(name, m.PartyRole.SUB_PROCESSOR)
    return party.key


def read_record(row: Row, draft: Draft, split: str) -> None:
    controller = contact(row.text("controller"))
    if controller is None:
        return
    key = (
        draft.claim("record", row.text("key"))
        if row.has("key")
        else draft.key("record", controller.name)
    )

    def items(field: str) -> list[str]:
        text = row.text(field)
        return [] if not text or t.nothing(text) is not None else t.items(text, split)

    notes: list[str] = []
    subjects = [
        draft.term(x, m.Vocabulary.DATA_SUBJECT_CATEGORY)[0] for x in items("data_subjects")
    ]
    categories = [draft.term(x, m.Vocabulary.DATA_CATEGORY)[0] for x in items("data_categories")]
    subs = [_sub_processor(draft, line) for line in items("sub_processors")]
    mechanisms: dict[str, tuple[str | None, int | None]] = {}
    for line in items("transfer_mechanisms"):
        where, _, what = line.rpartition(": ")
        found = t.mechanism(what, draft.vocab) if what else None
        mechanisms[norm(where)] = (found.value if found else None, t.scc_module(what))
    transfers = []
    for item in items("third_countries"):
        found = t.country(item, draft.vocab)
        mechanism, module = mechanisms.get(norm(item), (None, None))
        transfers.append(
            m.Transfer(
                destination_country=found.value if found and found.confidence >= 90 else None,
                international_organisation="" if found and found.confidence >= 90 else item,
                mechanism=mechanism,
                scc_module=module,
            )
        )
    contract_text = _plain(row.text("contract"))
    status = _enum(row.text("status"), m.ActivityStatus, "activity_status")
    row.derived("exceptional_transfer_safeguards")
    row.keep_others(notes)
    record = m.ProcessorRecord(
        key=key,
        organisation=draft.organisation.key,
        controller=controller,
        controller_representative=contact(row.text("controller_representative")),
        controller_dpo=contact(row.text("controller_dpo")),
        processing_categories=items("processing_categories"),
        data_subjects=list(dict.fromkeys(subjects)),
        data_categories=list(dict.fromkeys(categories)),
        sub_processors=list(dict.fromkeys(subs)),
        transfers=transfers,
        security_measures=items("security_measures"),
        contract=m.Contract(reference=contract_text) if contract_text else None,
        last_reviewed=t.date(row.text("last_reviewed")),
        status=status or m.ActivityStatus.ACTIVE,
        notes=_plain(row.text("notes")),
    )
    draft.records[key] = record
    if notes:
        draft.notes.setdefault(f"record:{key}", []).extend(notes)
