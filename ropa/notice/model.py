"""A generated notice before it is rendered: sections of statements, each traced to the record."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Gap:
    """An open finding marked where the notice would otherwise say more."""

    finding: str
    """The finding id, e.g. ``TRANSFER-MISSING-MECHANISM@flow:analytics-ios``."""
    text: str
    """The marker in the notice's language ("Gap in the record: ...")."""


@dataclass(slots=True)
class Statement:
    text: str
    ref: str
    """The registry entry the statement comes from: ``organisation:<key>``, ``activity:<key>``,
    ``party:<key>``, ``flow:<key>``, with ``#<part>`` where one entry gives several statements
    (``activity:push#retention/phone_number``)."""
    item: bool = False
    """One of a list (recipients, transfers, retention rules, rights) rather than a paragraph."""
    gaps: list[Gap] = field(default_factory=list)

    @property
    def entity(self) -> str:
        return self.ref.partition("#")[0]


@dataclass(slots=True)
class Section:
    heading: str
    level: int
    """2 for the notice's sections, 3 for a purpose within one."""
    statements: list[Statement] = field(default_factory=list)
    ref: str = ""


@dataclass(slots=True)
class Notice:
    language: str
    title: str
    organisation: str
    """The organisation's key."""
    day: dt.date
    revision: int | None
    intro: Statement
    sections: list[Section]
    gap_heading: str = ""
    references_heading: str = ""

    def statements(self) -> list[Statement]:
        return [self.intro, *(s for section in self.sections for s in section.statements)]
