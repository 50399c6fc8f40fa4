"""Columns of the controller record: one row per processing activity (Art 30(1))."""

from __future__ import annotations

from ropa.domain import model as m
from ropa.render.xlsx_columns.context import (
    _PROCESSOR_ROLES,
    Context,
    RetentionRow,
    _basis,
    _date,
    _destination,
    _exceptional,
    _law,
    _mechanism_line,
    _na_if_empty,
    _none_if_empty,
    _period,
    _yes_no,
    contact_text,
    join,
)
from ropa.render.xlsx_columns.registry import (
    column,
)

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
def _activity_name_or_key(ctx: Context, a: m.Activity) -> str:
    """The activity's name; with its key after it in the internal edition."""
    return f"{a.name} [{a.key}]" if ctx.internal else a.name


@column(A)
def _purposes(ctx: Context, a: m.Activity) -> str:
    return _stated(ctx, join(a.purposes))


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
            texts.append(key if ctx.internal else ctx.word("not_stated"))
            continue
        contact = contact_text(party.contact)
        texts.append(f"{party.name} ({contact})" if contact else party.name)
    return _none_if_empty(ctx, join(texts))


@column(A)
def _data_subjects(ctx: Context, a: m.Activity) -> str:
    return _stated(ctx, join(map(ctx.subject, a.data_subjects)))


@column(A)
def _data_categories(ctx: Context, a: m.Activity) -> str:
    return _stated(ctx, join(map(ctx.category, a.data_categories)))


def _sensitive(ctx: Context, a: m.Activity) -> list[str]:
    found = []
    for key in a.data_categories:
        info = ctx.graph.category(key)
        if info.special:
            found.append(f"{ctx.category(key)} ({ctx.article('9')})")
        if info.criminal:
            found.append(f"{ctx.category(key)} ({ctx.article('10')})")
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
    if text:
        return text
    return ctx.word("not_stated") if a.recipients is None else ctx.word("none")


def _recipients_where(ctx: Context, a: m.Activity, processors: bool) -> str:
    text = join(
        ctx.party_label(p) for p in ctx.recipients(a) if (p.role in _PROCESSOR_ROLES) == processors
    )
    if text:
        return text
    return ctx.word("not_stated") if a.recipients is None else ctx.word("none")


@column(A)
def _internal_recipients(ctx: Context, a: m.Activity) -> str:
    """The organisation's own service that receives the data: business function and owner."""
    if a.business_function and a.owner:
        return f"{a.business_function} ({a.owner})"
    return a.business_function or a.owner or ctx.word("not_stated")


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
    return join(texts) or ctx.word("not_applicable")


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
    if not ctx.transfer_rows(a):
        return ctx.word("not_applicable")
    return join(
        _mechanism_line(ctx, r.transfer, _destination(ctx, r.transfer, r.country))
        for r in ctx.transfer_rows(a)
    )


@column(A)
def _exceptional_transfer_safeguards(ctx: Context, a: m.Activity) -> str:
    return _na_if_empty(
        ctx,
        join(
            _exceptional(ctx, r.transfer, _destination(ctx, r.transfer, r.country))
            for r in ctx.transfer_rows(a)
        ),
    )


def _retention_entry(ctx: Context, row: RetentionRow, rules: dict[int, str]) -> str:
    """A category and how long it is kept; ``rules`` holds each rule's text once worked out
    (an activity-wide rule covers every category of its activity)."""
    label = ctx.category(row.category) if row.category else ctx.word("all_categories")
    rule = row.rule
    if rule is None:
        return f"{label}: {ctx.word('not_recorded')}"
    text = rules.get(id(rule))
    if text is None:
        text = rules[id(rule)] = _rule_text(ctx, rule)
    return f"{label}: {text}"


def _rule_text(ctx: Context, rule: m.Retention) -> str:
    period = _period(ctx, rule)
    if period and rule.trigger:
        period = f"{period} {ctx.word('from')} {ctx.t('trigger', rule.trigger)}"
    parts = [period, rule.criteria.strip(), rule.statement.strip()]
    if rule.legal_source.strip():
        parts.append(f"({rule.legal_source.strip()})")
    text = ""
    for part in filter(None, parts):
        if text:
            text += " " if text[-1] in ".!?)" or part.startswith("(") else ". "
        text += part
    return text or ctx.word("not_recorded")


@column(A)
def _retention_schedule(ctx: Context, a: m.Activity) -> str:
    rules: dict[int, str] = {}  # by the rule's identity: the activity's rules outlive the call
    return _stated(ctx, join(_retention_entry(ctx, row, rules) for row in ctx.retention_rows(a)))


@column(A)
def _security_measures(ctx: Context, a: m.Activity) -> str:
    return _stated(ctx, join(a.security_measures))


@column(A)
def _lawful_bases(ctx: Context, a: m.Activity) -> str:
    return _stated(ctx, join(_basis(ctx, basis) for basis in a.lawful_bases))


@column(A)
def _art9_condition(ctx: Context, a: m.Activity) -> str:
    if not a.art9_condition:
        special = any(ctx.graph.category(key).special for key in a.data_categories)
        return ctx.word("not_stated") if special else ctx.word("not_applicable")
    term = ctx.graph.vocab.art9_conditions.get(a.art9_condition)
    text = (
        f"{ctx.t('art9_condition', term.title)} ({ctx.article(term.article)})"
        if term is not None
        else a.art9_condition
    )
    law = _law(a.art9_law)
    return f"{text}: {law}" if law else text


@column(A)
def _art10_authority(ctx: Context, a: m.Activity) -> str:
    if a.art10_authority:
        return a.art10_authority
    criminal = any(ctx.graph.category(key).criminal for key in a.data_categories)
    return ctx.word("not_stated") if criminal else ctx.word("not_applicable")


@column(A)
def _legitimate_interests(ctx: Context, a: m.Activity) -> str:
    bases = [b for b in a.lawful_bases if b.basis == "legitimate_interests"]
    if not bases:
        return ctx.word("not_applicable")
    return _stated(ctx, join(b.interest.strip() for b in bases))


@column(A)
def _lia_references(ctx: Context, a: m.Activity) -> str:
    bases = [b for b in a.lawful_bases if b.basis == "legitimate_interests"]
    if not bases:
        return ctx.word("not_applicable")
    return _stated(ctx, join(b.lia_reference for b in bases))


@column(A)
def _rights(ctx: Context, a: m.Activity) -> str:
    return _stated(ctx, join(a.rights))


@column(A)
def _automated_decisions(ctx: Context, a: m.Activity) -> str:
    decision = a.automated_decisions
    if decision is None:
        return ctx.word("not_stated")
    parts = [decision.description.strip()]
    if decision.legal_or_similar_effect:
        parts.append(ctx.word("art22_effect"))
    ground = ctx.enum("art22_ground", decision.ground) if decision.ground else ""
    ground = ground or decision.art22_ground.strip()
    if ground:
        parts.append(f"{ctx.word('art22_ground')}: {ground}")
    return join(parts) or ctx.word("not_stated")


@column(A)
def _data_sources(ctx: Context, a: m.Activity) -> str:
    return _stated(ctx, join(a.data_sources))


@column(A)
def _consent_records(ctx: Context, a: m.Activity) -> str:
    texts = []
    consent = False
    for basis in a.lawful_bases:
        if basis.basis != "consent":
            continue
        consent = True
        record = basis.consent_record.strip()
        if basis.consent_withdrawal:
            withdrawal = f"{ctx.word('withdrawal')}: {basis.consent_withdrawal.strip()}"
            record = f"{record}\n{withdrawal}".strip()
        texts.append(record)
    if not consent:
        return ctx.word("not_applicable")
    return _stated(ctx, join(texts))


@column(A)
def _locations(ctx: Context, a: m.Activity) -> str:
    return _stated(ctx, join(ctx.node_label(f"system:{key}") for key in a.systems))


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
    return ctx.word(word) if word else ctx.enum("dpia_status", a.dpia.status)


@column(A)
def _dpia_progress(ctx: Context, a: m.Activity) -> str:
    if a.dpia is None:
        return ctx.word("not_stated")
    if a.dpia.status == m.DpiaStatus.NOT_REQUIRED:
        return ctx.word("not_applicable")
    text = ctx.enum("dpia_status", a.dpia.status)
    return f"{text} ({a.dpia.completed_on.isoformat()})" if a.dpia.completed_on else text


@column(A)
def _dpia_reference(ctx: Context, a: m.Activity) -> str:
    if a.dpia is not None and a.dpia.reference:
        return a.dpia.reference
    if a.dpia is not None and a.dpia.status == m.DpiaStatus.NOT_REQUIRED:
        return ctx.word("not_applicable")
    return ctx.word("not_stated")


@column(A)
def _last_reviewed(ctx: Context, a: m.Activity) -> str:
    return _date(a.last_reviewed) or ctx.word("not_stated")


@column(A)
def _created_on(ctx: Context, a: m.Activity) -> str:
    return _date(a.created_on) or ctx.word("not_stated")


@column(A)
def _owner(ctx: Context, a: m.Activity) -> str:
    return a.owner or ctx.word("not_stated")


@column(A)
def _status(ctx: Context, a: m.Activity) -> str:
    return ctx.enum("activity_status", a.status)


@column(A)
def _notes(ctx: Context, a: m.Activity) -> str:
    return a.notes or ctx.word("none")


@column(A)
def _open_findings(ctx: Context, a: m.Activity) -> str:
    return join(f"{f.rule} ({f.severity})" for f in ctx.open_findings(a.key)) or ctx.word("none")


# --- personal data breaches (ICO columns 24-25) -------------------------------------------


@column(A)
def _breach_occurred(ctx: Context, a: m.Activity) -> str:
    if a.breach is None:
        return ctx.word("not_stated")
    return _yes_no(ctx, a.breach.occurred)


@column(A)
def _breach_records(ctx: Context, a: m.Activity) -> str:
    if a.breach is None:
        return ctx.word("not_stated")
    if not a.breach.occurred:
        return ctx.word("not_applicable")
    return _stated(ctx, join(a.breach.records))


# --- UK DPA 2018 Schedule 1 (ICO columns 26-30) -------------------------------------------


def _sensitive_data(ctx: Context, a: m.Activity) -> bool:
    return any(info.special or info.criminal for info in map(ctx.graph.category, a.data_categories))


def _schedule1(ctx: Context, a: m.Activity, value: str) -> str:
    """A Schedule 1 cell: the value, else "Not applicable" for an activity without special
    category or criminal offence data, else "Not stated"."""
    if value:
        return value
    if a.schedule1 is None and not _sensitive_data(ctx, a):
        return ctx.word("not_applicable")
    return ctx.word("not_stated")


@column(A)
def _schedule1_condition(ctx: Context, a: m.Activity) -> str:
    return _schedule1(ctx, a, a.schedule1.condition if a.schedule1 is not None else "")


@column(A)
def _schedule1_lawful_bases(ctx: Context, a: m.Activity) -> str:
    if a.schedule1 is None and not _sensitive_data(ctx, a):
        return ctx.word("not_applicable")
    return _lawful_bases(ctx, a)


@column(A)
def _schedule1_policy_document(ctx: Context, a: m.Activity) -> str:
    return _schedule1(ctx, a, a.schedule1.policy_document if a.schedule1 is not None else "")


@column(A)
def _schedule1_retained_per_policy(ctx: Context, a: m.Activity) -> str:
    found = a.schedule1.retained_per_policy if a.schedule1 is not None else None
    return _schedule1(ctx, a, _yes_no(ctx, found) if found is not None else "")


@column(A)
def _schedule1_non_adherence(ctx: Context, a: m.Activity) -> str:
    if a.schedule1 is not None and a.schedule1.retained_per_policy:
        return ctx.word("not_applicable")
    text = a.schedule1.non_adherence_reasons.strip() if a.schedule1 is not None else ""
    return _schedule1(ctx, a, text)


@column(A)
def _fiche_sheet(ctx: Context, a: m.Activity) -> str:
    return ctx.fiche_names.get(a.key, "")


@column(A)
def _controller_contact(ctx: Context, a: m.Activity) -> str:
    org = ctx.organisation
    return contact_text(org.contact) or org.name


@column(A)
def _dpo_contact(ctx: Context, a: m.Activity) -> str:
    return contact_text(ctx.organisation.dpo) or ctx.word("none")


@column(A)
def _representative_contact(ctx: Context, a: m.Activity) -> str:
    return contact_text(ctx.organisation.eu_representative) or ctx.word("not_applicable")


def _stated(ctx: Context, text: str) -> str:
    return text or ctx.word("not_stated")
