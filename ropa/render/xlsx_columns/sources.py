"""Row sources: what each kind of table iterates over."""

from __future__ import annotations

from collections.abc import Iterable

from ropa.domain import model as m
from ropa.render.xlsx_columns.context import (
    Context,
    RetentionRow,
    TransferRow,
)
from ropa.render.xlsx_columns.registry import (
    rows,
)
from ropa.rules.engine import Finding


@rows("activities")
def _activity_rows(ctx: Context, scope: m.Activity | None) -> Iterable[m.Activity]:
    return [scope] if scope is not None else ctx.activities


@rows("processor_records")
def _processor_rows(ctx: Context, scope: m.Activity | None) -> Iterable[m.ProcessorRecord]:
    return ctx.processor_records


@rows("transfers")
def _transfer_rows(ctx: Context, scope: m.Activity | None) -> Iterable[TransferRow]:
    for activity in [scope] if scope is not None else ctx.activities:
        yield from ctx.transfer_rows(activity)


@rows("transfer_groups")
def _transfer_group_rows(ctx: Context, scope: m.Activity | None) -> Iterable[TransferRow]:
    """One row per transfer (importer, destination and mechanism), whatever its flows."""
    for activity in [scope] if scope is not None else ctx.activities:
        yield from ctx.transfer_groups(activity)


@rows("recipients")
def _recipient_rows(ctx: Context, scope: m.Activity | None) -> Iterable[m.Party]:
    return ctx.recipients(scope) if scope is not None else ctx.parties


@rows("retention")
def _retention_rows(ctx: Context, scope: m.Activity | None) -> Iterable[RetentionRow]:
    for activity in [scope] if scope is not None else ctx.activities:
        yield from ctx.retention_rows(activity)


@rows("findings")
def _finding_rows(ctx: Context, scope: m.Activity | None) -> Iterable[Finding]:
    if scope is None:
        return ctx.findings
    return [f for f in ctx.findings if f.activity == scope.key]
