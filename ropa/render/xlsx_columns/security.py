"""Security measures under the headings a regulator's form uses (the CNIL's checkboxes).

The record keeps each measure as the keeper wrote it; a fiche in the CNIL's layout shows them
under its headings: user access control, traceability, software protection, backup,
encryption, control of processors, other measures. Each measure goes under the first heading
whose words it uses (English or French), and under "other" when none fits; nothing is dropped.
"""

from __future__ import annotations

import re

from ropa.domain import model as m
from ropa.render.xlsx_columns.context import Context, join
from ropa.render.xlsx_columns.registry import column

HEADINGS: dict[str, tuple[str, ...]] = {
    "encryption": (
        "encrypt",
        "tls",
        "srtp",
        "aes",
        "https",
        "cipher",
        "hash",
        "pseudonym",
        "chiffr",
        "at rest",
        "end-to-end",
        "e2e",
    ),
    "access_control": (
        "access",
        "authenticat",
        "authoris",
        "authoriz",
        "mfa",
        "2fa",
        "two-factor",
        "password",
        "least privilege",
        "role-based",
        "rbac",
        "sso",
        "permission",
        "accès",
        "habilitation",
    ),
    "traceability": (
        "log",
        "audit trail",
        "monitor",
        "journal",
        "traçab",
        "traceab",
        "siem",
        "alert",
    ),
    "backup": ("backup", "back-up", "back up", "restore", "replica", "redundan", "sauvegard"),
    "software_protection": (
        "patch",
        "update",
        "antivirus",
        "anti-virus",
        "malware",
        "vulnerab",
        "harden",
        "firewall",
        "pentest",
        "penetration",
        "code review",
        "sandbox",
        "signed",
        "mise à jour",
    ),
    "processor_control": (
        "processor",
        "vendor",
        "supplier",
        "art 28",
        "article 28",
        "sous-traitant",
        "dpa ",
    ),
}
_PATTERNS = {
    name: re.compile("|".join(re.escape(word) for word in words), re.IGNORECASE)
    for name, words in HEADINGS.items()
}


def heading_of(measure: str) -> str:
    for name, pattern in _PATTERNS.items():
        if pattern.search(measure):
            return name
    return "other"


def _under(ctx: Context, a: m.Activity, heading: str) -> str:
    found = join(x for x in a.security_measures if heading_of(x) == heading)
    return found or ctx.word("none")


def _register(heading: str) -> None:
    @column("activities", f"security_{heading}")
    def extract(ctx: Context, a: m.Activity) -> str:
        return _under(ctx, a, heading)


for _heading in (*HEADINGS, "other"):
    _register(_heading)
