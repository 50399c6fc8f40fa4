"""What goes into each cell of the Article 30 workbook: row sources and named column extractors.

A workbook profile (``exports/profiles/*.yaml``) names, for every column, an extractor registered
here; the layout lives in the profile and the content here. Five registries:

- ``ROWS``: what a table iterates over (``activities``, ``processor_records``, ``transfers``,
  ``recipients``, ``retention``, ``findings``), for the whole organisation or one activity;
- ``COLUMNS``: per row source, the extractors ``(context, row) -> text`` its columns may name;
  a source whose rows belong to an activity (transfers, retention) may also name any activity
  extractor, which then reads the row's activity;
- ``CONTACTS``: the lines of the contact block (name, address, email, telephone);
- ``NOTES``: single values for the notes sheet;
- ``LISTS``: the enumerations of the lists sheet.

Every extractor returns plain text ("" for nothing recorded): several values on lines of their own,
dates in ISO 8601, human labels (data category labels, country names, lawful-basis titles with
their article) rather than keys. The writer makes the text safe for a spreadsheet.
"""

from ropa.render.xlsx_columns import (  # noqa: F401 - imported to register their columns
    activities,
    findings,
    organisation,
    processors,
    recipients,
    retention,
    security,
    sources,
    transfers,
)
from ropa.render.xlsx_columns.context import DEFAULT_WORDS, Context, RetentionRow, TransferRow
from ropa.render.xlsx_columns.registry import (
    COLUMNS,
    CONTACTS,
    LISTS,
    NOTES,
    ROWS,
    Extractor,
    extractor,
    extractor_names,
)

__all__ = [
    "COLUMNS",
    "CONTACTS",
    "DEFAULT_WORDS",
    "LISTS",
    "NOTES",
    "ROWS",
    "Context",
    "Extractor",
    "RetentionRow",
    "TransferRow",
    "extractor",
    "extractor_names",
]
