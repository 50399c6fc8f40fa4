"""Creating, checking and revoking bearer tokens. Only a token's SHA-256 hash is stored."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import time
from dataclasses import dataclass

from ropa.auth.roles import ORGANISATION_BOUND, Role
from ropa.domain.validation import InvalidInput, Problem
from ropa.services.errors import Conflict, NotFound
from ropa.store.tables import ApiToken

PREFIX = "ropa_"
CACHE_SECONDS = 5.0
"""How long a verified token is trusted without asking the store again. A revocation takes effect
at once in the process that made it and within this time in every other worker."""
_verified: dict[str, tuple[float, Principal]] = {}


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a request acts for."""

    name: str
    role: Role
    organisations: frozenset[str] = frozenset()

    @property
    def actor(self) -> str:
        """How the audit trail names this principal."""
        return f"{self.name} ({self.role})"

    def may_see(self, organisation: str | None) -> bool:
        if self.role not in ORGANISATION_BOUND:
            return True
        return organisation is not None and organisation in self.organisations


@dataclass(frozen=True, slots=True)
class TokenInfo:
    name: str
    role: Role
    organisations: list[str]
    created_at: dt.datetime
    revoked_at: dt.datetime | None


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_token(name: str, role: Role, organisations: list[str] | None = None) -> str:
    """A new token for ``name``; the caller shows it once, the store keeps only its hash."""
    grants = sorted(set(organisations or ()))
    if role in ORGANISATION_BOUND and not grants:
        raise InvalidInput(
            [Problem("organisations", f"a {role} token needs at least one organisation")]
        )
    if not name.strip() or len(name) > 100:
        raise InvalidInput([Problem("name", "give a name of 1 to 100 characters")])
    if await ApiToken.exists().where(ApiToken.name == name):
        raise Conflict(f"a token named `{name}` already exists")
    token = PREFIX + secrets.token_urlsafe(32)
    await ApiToken.insert(
        ApiToken(
            name=name,
            role=str(role),
            organisations=",".join(grants),
            token_hash=digest(token),
            created_at=dt.datetime.now(dt.UTC),
        )
    )
    return token


async def principal_for(token: str) -> Principal | None:
    """The principal a presented token stands for, or None for an unknown or revoked one."""
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    key = digest(token)
    cached = _verified.get(key)
    if cached is not None and time.monotonic() - cached[0] < CACHE_SECONDS:
        return cached[1]
    row = (
        await ApiToken.select(ApiToken.name, ApiToken.role, ApiToken.organisations)
        .where((ApiToken.token_hash == key) & ApiToken.revoked_at.is_null())
        .first()
    )
    if row is None:
        _verified.pop(key, None)
        return None
    grants = frozenset(o for o in row["organisations"].split(",") if o)
    principal = Principal(row["name"], Role(row["role"]), grants)
    if len(_verified) > 10_000:
        _verified.clear()
    _verified[key] = (time.monotonic(), principal)
    return principal


async def revoke_token(name: str) -> None:
    revoked = (
        await ApiToken.update({ApiToken.revoked_at: dt.datetime.now(dt.UTC)})
        .where((ApiToken.name == name) & ApiToken.revoked_at.is_null())
        .returning(ApiToken.id)
    )
    if not revoked:
        raise NotFound(f"no active token named `{name}`")
    _verified.clear()


async def list_tokens() -> list[TokenInfo]:
    rows = await ApiToken.select().order_by(ApiToken.name)
    return [
        TokenInfo(
            name=r["name"],
            role=Role(r["role"]),
            organisations=[o for o in r["organisations"].split(",") if o],
            created_at=r["created_at"],
            revoked_at=r["revoked_at"],
        )
        for r in rows
    ]
