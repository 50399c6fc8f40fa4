"""Columns of the transfers table: one row per flow that is a transfer."""

from __future__ import annotations

from ropa.domain import model as m
from ropa.render.xlsx_columns.context import (
    Context,
    TransferRow,
    _date,
    _destination,
    _mechanism_family,
    _mechanism_title,
    join,
)
from ropa.render.xlsx_columns.registry import (
    column,
)

T = "transfers"


@column(T)
def _flow_key(ctx: Context, r: TransferRow) -> str:
    return join(f.flow.key for f in r.flows)


@column(T)
def _flow_from(ctx: Context, r: TransferRow) -> str:
    return join(ctx.node_label(f.flow.source) for f in r.flows)


@column(T)
def _flow_to(ctx: Context, r: TransferRow) -> str:
    importer = r.facts.importer
    label = ctx.node_label(r.flow.target)
    if importer is not None and r.flow.target.startswith("system:"):
        return f"{label}, {ctx.word('operated_by')} {importer.name}"
    return label


@column(T)
def _flow_data_categories(ctx: Context, r: TransferRow) -> str:
    return join(ctx.category(key) for f in r.flows for key in f.flow.data_categories)


@column(T)
def _country_code(ctx: Context, r: TransferRow) -> str:
    return r.country or ""


@column(T)
def _country_name(ctx: Context, r: TransferRow) -> str:
    return _destination(ctx, r.transfer, r.country)


@column(T)
def _importer_role(ctx: Context, r: TransferRow) -> str:
    importer = r.facts.importer
    if importer is None:
        own = r.flow.target.startswith("system:")
        return ctx.word("own_system") if own else ctx.word("not_stated")
    return ctx.role(importer.role) or ctx.word("not_stated")


@column(T)
def _mechanism(ctx: Context, r: TransferRow) -> str:
    if r.transfer is None:
        return ctx.word("not_recorded")
    return _mechanism_title(ctx, r.transfer.mechanism) or ctx.word("not_recorded")


@column(T)
def _scc_module(ctx: Context, r: TransferRow) -> str:
    module = r.transfer.scc_module if r.transfer is not None else None
    return ctx.scc_module(module) or ctx.word("not_applicable")


@column(T)
def _adequacy_decision(ctx: Context, r: TransferRow) -> str:
    """The Art 45 decision in force on the day judged, for a transfer that relies on one."""
    if r.transfer is None or _mechanism_family(ctx, r.transfer.mechanism) not in (
        "adequacy",
        "dpf",
    ):
        return ctx.word("not_applicable")
    decision = r.facts.decision
    return (decision.decision or decision.key) if decision is not None else ctx.word("none")


def _dpf(ctx: Context, r: TransferRow) -> m.DpfCertification | None:
    importer = r.facts.importer
    return importer.dpf if importer is not None else None


@column(T)
def _dpf_status(ctx: Context, r: TransferRow) -> str:
    dpf = _dpf(ctx, r)
    if dpf is None:
        return ctx.word("not_stated")
    return ctx.word("certified") if dpf.certified else ctx.word("not_certified")


@column(T)
def _dpf_checked_on(ctx: Context, r: TransferRow) -> str:
    dpf = _dpf(ctx, r)
    return (_date(dpf.checked_on) if dpf is not None else "") or ctx.word("not_stated")


@column(T)
def _tia_reference(ctx: Context, r: TransferRow) -> str:
    found = r.transfer.tia_reference if r.transfer is not None else ""
    return found or ctx.word("not_stated")


@column(T)
def _derogation_documentation(ctx: Context, r: TransferRow) -> str:
    if r.transfer is None:
        return ctx.word("not_stated")
    documentation = r.transfer.derogation_documentation.strip()
    if documentation:
        return documentation
    if _mechanism_family(ctx, r.transfer.mechanism) == "art49":
        return ctx.word("not_stated")
    return ctx.word("not_applicable")


@column(T)
def _frequency(ctx: Context, r: TransferRow) -> str:
    frequency = r.transfer.frequency if r.transfer is not None else None
    return ctx.enum("frequency", frequency) if frequency else ctx.word("not_stated")


@column(T)
def _since(ctx: Context, r: TransferRow) -> str:
    return (_date(r.transfer.since) if r.transfer is not None else "") or ctx.word("not_stated")
