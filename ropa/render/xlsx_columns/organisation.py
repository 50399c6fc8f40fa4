"""The contact block, the notes sheet and the lists sheet."""

from __future__ import annotations

import importlib.metadata
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from ropa.domain import model as m
from ropa.render.xlsx_columns.context import (
    Context,
    join,
)
from ropa.render.xlsx_columns.registry import (
    CONTACTS,
    LISTS,
    NOTES,
)
from ropa.rules.engine import SEVERITY_ORDER, Severity


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
    organisation_role=lambda ctx: ctx.enum("organisation_role", ctx.organisation.role),
    registry_revision=lambda ctx: str(ctx.revision) if ctx.revision is not None else "",
    judged_on=lambda ctx: ctx.judged_on.isoformat(),
    profile_title=lambda ctx: ctx.profile_title,
    generator=lambda ctx: generator(),
    activity_count=lambda ctx: str(len(ctx.activities)),
    edition=lambda ctx: ctx.word(f"edition_{ctx.edition}"),
    open_finding_count=lambda ctx: str(sum(1 for f in ctx.findings if not f.waived)),
    sheet_list=lambda ctx: join(ctx.sheet_names),
)


# --- lists ----------------------------------------------------------------------------------------


def _titled(ctx: Context, context: str, entries: Iterable[Any]) -> list[str]:
    return [f"{ctx.t(context, e.title)} ({ctx.article(e.article)})" for e in entries]


def _mechanisms(ctx: Context) -> list[str]:
    texts = []
    for mechanism in ctx.graph.vocab.transfer_mechanisms.values():
        text = ctx.t("transfer_mechanism", mechanism.title)
        if mechanism.valid_until is not None:
            text += f" - {ctx.word('not_valid_from')} {mechanism.valid_until.isoformat()}"
        texts.append(text)
    return texts


def _values(context: str, values: Sequence[Any]) -> Callable[[Context], list[str]]:
    return lambda ctx: [ctx.enum(context, v) for v in values]


LISTS.update(
    lawful_bases=lambda ctx: _titled(ctx, "lawful_basis", ctx.graph.vocab.lawful_bases.values()),
    art9_conditions=lambda ctx: _titled(
        ctx, "art9_condition", ctx.graph.vocab.art9_conditions.values()
    ),
    transfer_mechanisms=_mechanisms,
    severities=lambda ctx: [str(s) for s in sorted(Severity, key=SEVERITY_ORDER.__getitem__)],
    party_roles=lambda ctx: [ctx.role(role) for role in m.PartyRole],
    activity_statuses=_values("activity_status", list(m.ActivityStatus)),
    dpia_statuses=_values("dpia_status", list(m.DpiaStatus)),
    transfer_frequencies=_values("frequency", list(m.TransferFrequency)),
    organisation_roles=_values("organisation_role", list(m.OrganisationRole)),
    data_categories=lambda ctx: sorted({ctx.category(key) for key in ctx.graph.categories}),
    data_subject_categories=lambda ctx: sorted(
        {ctx.subject(key) for key in ctx.graph.subject_categories}
    ),
    countries=lambda ctx: [f"{c.name} ({c.code})" for c in ctx.graph.vocab.countries.values()],
)
