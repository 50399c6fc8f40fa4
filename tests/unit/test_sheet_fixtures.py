"""The committed fixture sheets are what tests/fixtures/sheets/make.py writes: cell for cell
(the xlsx's timestamps aside), byte for byte for the CSV, the ODS's content when LibreOffice is
installed to convert it."""

from __future__ import annotations

import importlib.util
import shutil
import zipfile
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from openpyxl import load_workbook

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sheets"


def _make(folder: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_sheets", FIXTURES / "make.py")
    assert spec is not None and spec.loader is not None
    make = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make)
    make.HERE = folder
    return make


def _cells(path: Path) -> list[Any]:
    book = load_workbook(path)
    return [
        (sheet.title, sorted(map(str, sheet.merged_cells.ranges)), list(sheet.values))
        for sheet in book.worksheets
    ]


def test_xlsx_and_csv_are_what_make_writes(tmp_path: Path) -> None:
    make = _make(tmp_path)
    make.ico_messy()
    make.itnet_seed()
    assert _cells(tmp_path / "ico-messy.xlsx") == _cells(FIXTURES / "ico-messy.xlsx")
    written = (tmp_path / "itnet-seed.csv").read_bytes()
    assert written == (FIXTURES / "itnet-seed.csv").read_bytes()


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_ods_is_what_make_writes(tmp_path: Path) -> None:
    _make(tmp_path).cnil_register()

    def content(path: Path) -> bytes:
        with zipfile.ZipFile(path) as ods:
            return ods.read("content.xml")

    assert content(tmp_path / "cnil-registre.ods") == content(FIXTURES / "cnil-registre.ods")
