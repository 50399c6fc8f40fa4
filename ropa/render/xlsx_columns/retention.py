"""Columns of the retention table: one row per data category and the rule covering it."""

from __future__ import annotations

from ropa.render.xlsx_columns.context import (
    Context,
    RetentionRow,
    _period,
)
from ropa.render.xlsx_columns.registry import (
    column,
)

RT = "retention"


@column(RT)
def _retention_category(ctx: Context, r: RetentionRow) -> str:
    return ctx.category(r.category) if r.category else ctx.word("all_categories")


@column(RT)
def _retention_period(ctx: Context, r: RetentionRow) -> str:
    if r.rule is None:
        return ctx.word("not_recorded")
    return _period(ctx, r.rule)


@column(RT)
def _retention_period_or_criteria(ctx: Context, r: RetentionRow) -> str:
    """The period, or failing that the deletion criteria (or the statement made)."""
    if r.rule is None:
        return ctx.word("not_recorded")
    return (
        _period(ctx, r.rule)
        or r.rule.criteria.strip()
        or r.rule.statement.strip()
        or ctx.word("not_recorded")
    )


@column(RT)
def _retention_trigger(ctx: Context, r: RetentionRow) -> str:
    return ctx.t("trigger", r.rule.trigger) if r.rule is not None else ""


@column(RT)
def _retention_criteria(ctx: Context, r: RetentionRow) -> str:
    return r.rule.criteria if r.rule is not None else ""


@column(RT)
def _retention_legal_source(ctx: Context, r: RetentionRow) -> str:
    return r.rule.legal_source if r.rule is not None else ""


@column(RT)
def _retention_statement(ctx: Context, r: RetentionRow) -> str:
    return r.rule.statement if r.rule is not None else ""
