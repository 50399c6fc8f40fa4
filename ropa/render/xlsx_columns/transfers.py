"""Columns of the transfers table: one row per flow that is a transfer."""

from __future__ import annotations

from ropa.domain import model as m
from ropa.render.xlsx_columns.context import (
    _ROLE_LABELS,
    _SCC_MODULES,
    Context,
    TransferRow,
    _date,
    _destination,
    _enum,
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
    return r.flow.key


@column(T)
def _flow_from(ctx: Context, r: TransferRow) -> str:
    return ctx.node_label(r.flow.source)


@column(T)
def _flow_to(ctx: Context, r: TransferRow) -> str:
    importer = r.facts.importer
    label = ctx.node_label(r.flow.target)
    if importer is not None and r.flow.target.startswith("system:"):
        return f"{label}, operated by {importer.name}"
    return label


@column(T)
def _flow_data_categories(ctx: Context, r: TransferRow) -> str:
    return join(ctx.category(key) for key in r.flow.data_categories)


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
        return "own system" if r.flow.target.startswith("system:") else ""
    return _ROLE_LABELS.get(importer.role, "") if importer.role else ""


@column(T)
def _mechanism(ctx: Context, r: TransferRow) -> str:
    if r.transfer is None:
        return ctx.word("not_recorded")
    return _mechanism_title(ctx, r.transfer.mechanism) or ctx.word("not_recorded")


@column(T)
def _scc_module(ctx: Context, r: TransferRow) -> str:
    module = r.transfer.scc_module if r.transfer is not None else None
    return _SCC_MODULES.get(module, f"Module {module}") if module else ""


@column(T)
def _adequacy_decision(ctx: Context, r: TransferRow) -> str:
    """The Art 45 decision in force on the day judged, for a transfer that relies on one."""
    if r.transfer is None or _mechanism_family(ctx, r.transfer.mechanism) not in (
        "adequacy",
        "dpf",
    ):
        return ""
    decision = r.facts.decision
    return (decision.decision or decision.key) if decision is not None else ""


def _dpf(ctx: Context, r: TransferRow) -> m.DpfCertification | None:
    importer = r.facts.importer
    return importer.dpf if importer is not None else None


@column(T)
def _dpf_status(ctx: Context, r: TransferRow) -> str:
    dpf = _dpf(ctx, r)
    if dpf is None:
        return ""
    return "certified" if dpf.certified else "not certified"


@column(T)
def _dpf_checked_on(ctx: Context, r: TransferRow) -> str:
    dpf = _dpf(ctx, r)
    return _date(dpf.checked_on) if dpf is not None else ""


@column(T)
def _tia_reference(ctx: Context, r: TransferRow) -> str:
    return r.transfer.tia_reference if r.transfer is not None else ""


@column(T)
def _derogation_documentation(ctx: Context, r: TransferRow) -> str:
    if r.transfer is None:
        return ""
    documentation = r.transfer.derogation_documentation.strip()
    if documentation:
        return documentation
    if _mechanism_family(ctx, r.transfer.mechanism) == "art49":
        return ctx.word("not_recorded")
    return ""


@column(T)
def _frequency(ctx: Context, r: TransferRow) -> str:
    return _enum(r.transfer.frequency) if r.transfer is not None else ""


@column(T)
def _since(ctx: Context, r: TransferRow) -> str:
    return _date(r.transfer.since) if r.transfer is not None else ""
