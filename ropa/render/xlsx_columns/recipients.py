"""Columns of the recipients table: one row per party."""

from __future__ import annotations

from ropa.domain import model as m
from ropa.render.xlsx_columns.context import (
    Context,
    _date,
    contact_text,
    join,
)
from ropa.render.xlsx_columns.registry import (
    column,
)

R = "recipients"


@column(R)
def _party_key(ctx: Context, p: m.Party) -> str:
    return p.key


@column(R)
def _party_name(ctx: Context, p: m.Party) -> str:
    return p.name


@column(R)
def _party_role(ctx: Context, p: m.Party) -> str:
    return ctx.role(p.role) or ctx.word("not_stated")


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
        return ctx.word("not_stated")
    return ctx.word("certified") if p.dpf.certified else ctx.word("not_certified")


@column(R)
def _party_dpf_checked_on(ctx: Context, p: m.Party) -> str:
    return _date(p.dpf.checked_on) if p.dpf is not None else ""


@column(R)
def _party_activities(ctx: Context, p: m.Party) -> str:
    return join(ctx.party_activities(p.key))


@column(R)
def _party_description(ctx: Context, p: m.Party) -> str:
    return p.description
