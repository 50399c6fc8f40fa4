"""Moments named in requests: ISO 8601 dates and date-times, parsed strictly.

Python's ``fromisoformat`` takes more than a person would write (``111111111111`` is a
date-time to it); a moment must first look like ``2026-11-22`` or ``2026-11-22T10:00:00+01:00``.
Moments are brought into UTC and clamped to the calendar: ``0001-01-01T00:00:00+14:00`` lies
before the year 1 in UTC and is the first moment there is, ``9999-12-31T23:59:59-14:00`` the
last.
"""

from __future__ import annotations

import datetime as dt
import re

from ropa.domain.model import PATTERN_HELP

INSTANT_PATTERN = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"([Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)?)?$"
)
_INSTANT = re.compile(INSTANT_PATTERN)
PATTERN_HELP.setdefault(INSTANT_PATTERN, "an ISO 8601 date or date-time such as 2026-11-22T10:00Z")
FIRST = dt.datetime.min.replace(tzinfo=dt.UTC)
LAST = dt.datetime.max.replace(tzinfo=dt.UTC)


def parse_instant(text: str) -> dt.datetime:
    """The moment ``text`` names, as written (naive if it names no zone); ValueError if it is
    not an ISO 8601 date or date-time."""
    text = text.strip()
    if not _INSTANT.match(text):
        raise ValueError(f"not an ISO 8601 date or date-time: {text!r}")
    return dt.datetime.fromisoformat(text.upper().replace("Z", "+00:00"))


def is_date(text: str) -> bool:
    return len(text.strip()) == 10


def to_utc(moment: dt.datetime) -> dt.datetime:
    """``moment`` in UTC (naive means UTC), clamped to the first and last moment there is."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    try:
        return moment.astimezone(dt.UTC)
    except OverflowError:
        return FIRST if moment.year == dt.MINYEAR else LAST


def end_of_day(moment: dt.datetime) -> dt.datetime:
    """The last microsecond of ``moment``'s day (for a bare date: as it stood that day)."""
    try:
        return moment + dt.timedelta(days=1) - dt.timedelta(microseconds=1)
    except OverflowError:
        return dt.datetime.max.replace(tzinfo=moment.tzinfo)
