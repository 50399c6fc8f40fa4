"""Columns of the processor record: one row per processing on behalf of a controller (Art 30(2))."""

from __future__ import annotations

from ropa.domain import model as m
from ropa.render.xlsx_columns.context import (
    Context,
    _date,
    _destination,
    _exceptional,
    _mechanism_line,
    _na_if_empty,
    _none_if_empty,
    contact_text,
    join,
)
from ropa.render.xlsx_columns.registry import (
    column,
)

P = "processor_records"


@column(P)
def _record_key(ctx: Context, r: m.ProcessorRecord) -> str:
    return r.key


@column(P)
def _controller(ctx: Context, r: m.ProcessorRecord) -> str:
    return contact_text(r.controller)


@column(P)
def _controller_representative(ctx: Context, r: m.ProcessorRecord) -> str:
    return contact_text(r.controller_representative) or ctx.word("not_applicable")


@column(P)
def _controller_dpo(ctx: Context, r: m.ProcessorRecord) -> str:
    return contact_text(r.controller_dpo) or ctx.word("not_stated")


@column(P)
def _processing_categories(ctx: Context, r: m.ProcessorRecord) -> str:
    return join(r.processing_categories) or ctx.word("not_stated")


@column(P)
def _record_data_categories(ctx: Context, r: m.ProcessorRecord) -> str:
    return join(ctx.category(key) for key in r.data_categories) or ctx.word("not_stated")


@column(P)
def _record_data_subjects(ctx: Context, r: m.ProcessorRecord) -> str:
    return join(ctx.subject(key) for key in r.data_subjects) or ctx.word("not_stated")


@column(P)
def _sub_processors(ctx: Context, r: m.ProcessorRecord) -> str:
    texts = []
    for key in r.sub_processors:
        party = ctx.party(key)
        if party is None:
            texts.append(key if ctx.internal else ctx.word("not_stated"))
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
    if not r.transfers:
        return ctx.word("not_applicable")
    return join(
        _mechanism_line(ctx, t, _destination(ctx, t, t.destination_country)) for t in r.transfers
    )


@column(P)
def _record_exceptional_transfer_safeguards(ctx: Context, r: m.ProcessorRecord) -> str:
    return _na_if_empty(
        ctx,
        join(
            _exceptional(ctx, t, _destination(ctx, t, t.destination_country)) for t in r.transfers
        ),
    )


@column(P)
def _record_security_measures(ctx: Context, r: m.ProcessorRecord) -> str:
    return join(r.security_measures) or ctx.word("not_stated")


@column(P)
def _record_contract(ctx: Context, r: m.ProcessorRecord) -> str:
    if r.contract is None:
        return ctx.word("not_stated")
    signed = r.contract.signed_on
    return f"{r.contract.reference} ({signed.isoformat()})" if signed else r.contract.reference


@column(P)
def _record_last_reviewed(ctx: Context, r: m.ProcessorRecord) -> str:
    return _date(r.last_reviewed) or ctx.word("not_stated")


@column(P)
def _record_status(ctx: Context, r: m.ProcessorRecord) -> str:
    return ctx.enum("activity_status", r.status)


@column(P)
def _record_notes(ctx: Context, r: m.ProcessorRecord) -> str:
    return r.notes or ctx.word("none")
