"""Zones: where data stands for the transfer rules, seen from the EEA."""

from __future__ import annotations

import enum


class Zone(enum.StrEnum):
    """Where data stands for the transfer rules, seen from the EEA."""

    EEA = "eea"
    ADEQUATE = "adequate"
    """An adequacy decision is in force on the day and covers this importer."""
    THIRD = "third"
    DOMESTIC = "domestic"
    """Inside the judging regime's own territory when that is not the EEA (the UK, for the UK
    GDPR). The EU view never uses it."""
    UNKNOWN = "unknown"
