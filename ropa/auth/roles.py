"""Roles and their permissions: the role matrix, as data."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    ADMIN = "admin"
    """Manages tokens, and may do everything a DPO may."""
    DPO = "dpo"
    """Reads and writes the registry and its waivers."""
    ARCHITECT = "architect"
    """Reads the registry, findings, queries, diagrams and exports."""
    REGULATOR = "regulator"
    """Reads workbook exports and findings of the organisations it is granted."""


class Permission(enum.StrEnum):
    READ_REGISTRY = "registry:read"
    WRITE_REGISTRY = "registry:write"
    READ_FINDINGS = "findings:read"
    READ_EXPORTS = "exports:read"
    READ_DIAGRAMS = "diagrams:read"
    READ_AUDIT = "audit:read"
    MANAGE_TOKENS = "tokens:manage"
    READ_VOCABULARY = "vocabulary:read"


_DPO = frozenset(Permission) - {Permission.MANAGE_TOKENS}
MATRIX: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.DPO: _DPO,
    Role.ARCHITECT: frozenset(
        {
            Permission.READ_REGISTRY,
            Permission.READ_FINDINGS,
            Permission.READ_EXPORTS,
            Permission.READ_DIAGRAMS,
            Permission.READ_VOCABULARY,
        }
    ),
    Role.REGULATOR: frozenset(
        {Permission.READ_FINDINGS, Permission.READ_EXPORTS, Permission.READ_VOCABULARY}
    ),
}
ORGANISATION_BOUND = frozenset({Role.REGULATOR})
"""Roles that see only the organisations their token grants."""


def allows(role: Role, permission: Permission) -> bool:
    return permission in MATRIX[role]
