"""What stops a spreadsheet from being read: always a 4xx, naming the sheet and the cell."""

from __future__ import annotations


class SheetError(ValueError):
    """A spreadsheet ropa will not read, with where the problem is."""

    status = 422

    def __init__(self, message: str, *, sheet: str = "", cell: str = "") -> None:
        where = ", ".join(
            p for p in (f"sheet {sheet!r}" if sheet else "", cell and f"cell {cell}") if p
        )
        super().__init__(f"{where}: {message}" if where else message)
        self.sheet = sheet
        self.cell = cell


class SheetTooLarge(SheetError):
    """The file, or what it unpacks to, is over the limit."""

    status = 413


class UnsupportedSheet(SheetError):
    """Not a spreadsheet ropa reads (xlsx, ods, csv)."""

    status = 415
