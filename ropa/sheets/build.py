"""From grids to a registry document and a report: recognise each sheet's table, then read
its rows in dependency order (organisation, recipients, activities, transfers, retention,
processor records)."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import TypeVar

import msgspec

from ropa.domain import model as m
from ropa.domain.vocabulary import Vocabularies
from ropa.sheets.activities import ActivityReader
from ropa.sheets.draft import Draft, slug
from ropa.sheets.errors import SheetError
from ropa.sheets.fields import IDENTIFYING
from ropa.sheets.layouts import Layout, Match, builtin_layouts, norm, recognise, score
from ropa.sheets.others import (
    read_contact_block,
    read_labels,
    read_party,
    read_record,
    read_retention,
    read_transfer,
)
from ropa.sheets.reader import Grid
from ropa.sheets.report import Ledger, SheetReport, TableFound
from ropa.sheets.rows import Row

ORDER = (
    "organisation",
    "parties",
    "activities",
    "transfers",
    "retention",
    "processor_records",
    "ignored",
)


class SheetImport(msgspec.Struct, kw_only=True):
    document: m.RegistryDocument
    report: SheetReport


def build(
    grids: list[Grid],
    vocab: Vocabularies,
    *,
    mapping: Layout | None = None,
    organisation: str | None = None,
    organisation_name: str | None = None,
) -> SheetImport:
    """The registry document the sheets describe, and what became of every cell."""
    layouts = ((mapping,) if mapping is not None else ()) + builtin_layouts()
    matches = [found for grid in grids if (found := recognise(grid, layouts)) is not None]
    matches.sort(key=lambda found: ORDER.index(found.table.rows))
    language = next((f.layout.language for f in matches if f.table.rows == "activities"), "en")
    ours = any(_made_by_ropa(grid) for grid in grids)
    split = "lines" if ours else "lists"
    draft = Draft(vocab, language, exact=ours)
    ledger = Ledger(grids)
    kinds = {found.table.rows for found in matches}
    tables = []
    for found in matches:
        tables.append(_table_found(found))
        _mark_headings(found, ledger)
        if found.table.rows == "organisation":
            read_labels(found, draft, ledger)
            continue
        if organisation or organisation_name:
            _name_organisation(draft, organisation, organisation_name)
        if found.table.rows == "activities":
            rows = range(found.header)
            contact_rows = read_contact_block(found, draft, ledger, rows)
            _titles_above(found, ledger, draft, contact_rows)
            reader = ActivityReader(
                draft,
                split,
                transfers="transfers" not in kinds,
                retention="retention" not in kinds,
                contracts="parties" not in kinds,
            )
            for row in _rows(found, ledger):
                _guarded(row, functools.partial(reader.read, row))
            continue
        contact_rows = read_contact_block(found, draft, ledger, range(max(found.header, 0)))
        _titles_above(found, ledger, draft, contact_rows)
        by_name = {norm(a.name): a.key for a in draft.activities.values()}
        for row in _rows(found, ledger):
            _guarded(row, functools.partial(_read_row, found, row, draft, by_name, split))
    if organisation or organisation_name:
        _name_organisation(draft, organisation, organisation_name)
    _resolve_parents(draft)
    _rekey_organisation(draft)
    return SheetImport(document=draft.document(), report=ledger.report(tables))


def _read_row(found: Match, row: Row, draft: Draft, by_name: dict[str, str], split: str) -> None:
    if found.table.rows == "parties":
        read_party(row, draft)
    elif found.table.rows == "transfers":
        read_transfer(row, draft, by_name, split)
    elif found.table.rows == "retention":
        read_retention(row, draft, by_name)
    elif found.table.rows == "processor_records":
        read_record(row, draft, split)
    else:
        for index, text in enumerate(found.grid.rows[row.r]):
            if text.strip():
                row.ledger.mark(found.grid.name, row.r, index, "derived")


def _guarded(row: Row, read: Callable[[], object]) -> None:
    """Read one row; a row whose values ropa cannot hold (a value too long, say) is reported
    cell by cell, and the rest of the sheet still reads."""
    try:
        read()
    except msgspec.ValidationError as error:
        for index, text in [*row.fields.values(), *row.others]:
            row.ledger.note(
                row.sheet, row.r, index, text, "not_mapped", f"row not imported: {error}"
            )
        return
    row.close()


def _made_by_ropa(grid: Grid) -> bool:
    """ropa's own workbooks put one value per line in a cell, and say so on their notes sheet;
    a sheet kept by hand may separate values with semicolons, bullets or commas too."""
    return any(
        len(row) > 1 and norm(row[0]) == "generated by" and row[1].startswith("ropa ")
        for row in grid.rows[:40]
    )


def _table_found(found: Match) -> TableFound:
    return TableFound(
        sheet=found.grid.name,
        layout=found.layout.name,
        rows=found.table.rows,
        heading_row=found.header + 1 if found.header >= 0 else 0,
        columns={c.heading: c.field for c in found.columns},
    )


def _mark_headings(found: Match, ledger: Ledger) -> None:
    if found.header < 0:
        return
    for column in found.columns:
        ledger.mark(found.grid.name, found.header, column.index, "heading")
        if column.score < 88:
            ledger.note(
                found.grid.name,
                found.header,
                column.index,
                column.heading,
                "low_confidence",
                f"heading read as the field {column.field}",
                column.score,
            )
    header = found.grid.rows[found.header]
    mapped = {c.index for c in found.columns}
    for index, text in enumerate(header):
        if text.strip() and index not in mapped:
            ledger.note(
                found.grid.name,
                found.header,
                index,
                text,
                "kept_in_notes",
                "heading of no known field: its cells are kept in each entry's notes",
            )


def _titles_above(found: Match, ledger: Ledger, draft: Draft, read: set[int]) -> None:
    """Text above the heading row: a group heading or title of the layout, else kept in the
    organisation's notes."""
    titles = [h for aliases in found.table.columns.values() for h in aliases]
    fields_row = {
        norm(w)
        for w in (
            "Name",
            "Address",
            "Email",
            "Telephone",
            "Nom",
            "Adresse",
            "Courriel",
            "Téléphone",
        )
    }
    for r in range(max(found.header, 0)):
        if r in read:
            continue
        for c, text in enumerate(found.grid.rows[r]):
            if not text.strip():
                continue
            if norm(text) in fields_row or _known_title(text, found, titles):
                ledger.mark(found.grid.name, r, c, "heading")
            else:
                draft.org_notes.append(f"{found.grid.name}: {text.strip()}")
                ledger.note(
                    found.grid.name,
                    r,
                    c,
                    text,
                    "kept_in_notes",
                    "text above the table: kept in the organisation's notes",
                )


_GROUPS = (
    "Article 30 Record of Processing Activities",
    "Privacy notices",
    "Consent",
    "Access requests",
    "Data Protection Impact Assessments",
    "Personal data breaches",
    "Additional information",
    "Internal review",
    "Data Protection Act 2018 - special category or criminal conviction and offence data",
    "Record of processing activities (controller)",
    "Record of processing activities (processor)",
    "Name and contact details of the controller (Article 30(1)(a))",
    "Name and contact details of the processor (Article 30(2)(a))",
    "Transfers to third countries or international organisations",
    "Recipients",
    "Retention schedule",
    "Registre des activités de traitement de l'organisme (article 30.1 du RGPD)",
)
"""Group headings and sheet titles ropa's and the regulators' workbooks put above a table."""


def _known_title(text: str, found: Match, titles: list[str]) -> bool:
    return any(score(text, title) >= 92 for title in (*_GROUPS, *found.table.sheets))


def _rows(found: Match, ledger: Ledger) -> list[Row]:
    """The item rows under the heading row (for labels form, none); blank rows skipped."""
    if found.header < 0:
        return []
    rows = []
    needed = IDENTIFYING.get(found.table.rows, ())
    for r in range(found.header + 1, len(found.grid.rows)):
        if not any(text.strip() for text in found.grid.rows[r]):
            continue
        row = Row(found, r, ledger)
        if needed and not any(row.fields.get(f, (0, ""))[1].strip() for f in needed):
            if (
                found.table.rows == "activities"
                and row.has("business_function")
                and len(row.fields) > 1
            ):
                rows.append(row)
                continue
            for index, text in row.fields.values():
                ledger.note(
                    found.grid.name,
                    r,
                    index,
                    text,
                    "not_mapped",
                    f"a row without {' or '.join(needed)} is no entry",
                )
            for index, text in row.others:
                ledger.note(
                    found.grid.name,
                    r,
                    index,
                    text,
                    "not_mapped",
                    f"a row without {' or '.join(needed)} is no entry",
                )
            continue
        rows.append(row)
    return rows


def _name_organisation(draft: Draft, key: str | None, name: str | None) -> None:
    if key is not None and not re.fullmatch(m.KEY_PATTERN, key):
        raise SheetError(f"organisation key {key!r} is not {m.PATTERN_HELP[m.KEY_PATTERN]}")
    changes: dict[str, str] = {}
    if name:
        changes["name"] = name
    if key:
        changes["key"] = key
    draft.organisation = msgspec.structs.replace(draft.organisation, **changes)


def _resolve_parents(draft: Draft) -> None:
    for key, parent in draft.pending_parents.items():
        found = draft.find_party(parent)
        if found is not None and found.key != key:
            draft.put_party(msgspec.structs.replace(draft.parties[key], sub_processor_of=found.key))


def _rekey_organisation(draft: Draft) -> None:
    """Entities name their organisation by key: the one finally chosen."""
    org = draft.organisation
    if org.key == "organisation" and org.name != "Organisation":
        org = draft.organisation = msgspec.structs.replace(org, key=slug(org.name, "organisation"))
    draft.parties = {k: _owned(e, org.key) for k, e in draft.parties.items()}
    draft.systems = {k: _owned(e, org.key) for k, e in draft.systems.items()}
    draft.activities = {k: _owned(e, org.key) for k, e in draft.activities.items()}
    draft.records = {k: _owned(e, org.key) for k, e in draft.records.items()}


Owned = TypeVar("Owned", m.Party, m.System, m.Activity, m.ProcessorRecord)


def _owned(entity: Owned, organisation: str) -> Owned:
    if entity.organisation == organisation:
        return entity
    return msgspec.structs.replace(entity, organisation=organisation)
