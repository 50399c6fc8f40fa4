"""Columns of the internal findings table: one row per finding."""

from __future__ import annotations

from ropa.render.xlsx_columns.context import (
    Context,
    _yes_no,
)
from ropa.render.xlsx_columns.registry import (
    column,
)
from ropa.rules.engine import Finding

F = "findings"


@column(F)
def _finding_id(ctx: Context, f: Finding) -> str:
    return f.id


@column(F)
def _severity(ctx: Context, f: Finding) -> str:
    return str(f.severity)


@column(F)
def _rule(ctx: Context, f: Finding) -> str:
    return f.rule


@column(F)
def _finding_title(ctx: Context, f: Finding) -> str:
    return f.title


@column(F)
def _finding_article(ctx: Context, f: Finding) -> str:
    return f.article


@column(F)
def _finding_entity(ctx: Context, f: Finding) -> str:
    return f.entity


@column(F)
def _finding_activity(ctx: Context, f: Finding) -> str:
    return ctx.activity_name(f.activity) if f.activity else ""


@column(F)
def _message(ctx: Context, f: Finding) -> str:
    return f.message


@column(F)
def _remedy(ctx: Context, f: Finding) -> str:
    return f.remedy


@column(F)
def _waived(ctx: Context, f: Finding) -> str:
    return _yes_no(ctx, f.waived)


@column(F)
def _waiver_reason(ctx: Context, f: Finding) -> str:
    return f.waiver.reason if f.waiver is not None else ""


@column(F)
def _waiver_accepted_by(ctx: Context, f: Finding) -> str:
    return f.waiver.accepted_by if f.waiver is not None else ""


@column(F)
def _waiver_expiry(ctx: Context, f: Finding) -> str:
    if f.waiver is None:
        return ""
    expiry = f.waiver.expires_on.isoformat()
    return f"{expiry} (expired)" if f.waiver.expired else expiry
