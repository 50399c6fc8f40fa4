"""Creating, checking and revoking bearer tokens. Only a token's SHA-256 hash is stored.

The rows live behind ``ropa.store.tokens.TokenStore`` (reached as ``Repository.tokens``); this
module holds what a token means: who may have one, how a presented token is checked, and how
long a check is trusted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import time
from dataclasses import dataclass

from ropa.auth.roles import ORGANISATION_BOUND, Role
from ropa.domain.validation import InvalidInput, Problem
from ropa.services.errors import Conflict, NotFound
from ropa.store.tokens import TokenStore

PREFIX = "ropa_"
CACHE_SECONDS = 5.0
"""How long a verified token is trusted without asking the store again. A revocation takes effect
at once in the process that made it and within this time in every other worker."""
CACHE_LIMIT = 10_000


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


class TokenService:
    """Tokens of one store, with a short cache of verified tokens of its own."""

    def __init__(self, store: TokenStore) -> None:
        self.store = store
        self._verified: dict[str, tuple[float, Principal]] = {}

    async def create(self, name: str, role: Role, organisations: list[str] | None = None) -> str:
        """A new token for ``name``; the caller shows it once, the store keeps only its hash."""
        grants = sorted(set(organisations or ()))
        if role in ORGANISATION_BOUND and not grants:
            raise InvalidInput(
                [Problem("organisations", f"a {role} token needs at least one organisation")]
            )
        if not name.strip() or len(name) > 100:
            raise InvalidInput([Problem("name", "give a name of 1 to 100 characters")])
        if await self.store.exists(name):
            raise Conflict(f"a token named `{name}` already exists")
        token = PREFIX + secrets.token_urlsafe(32)
        await self.store.add(name, str(role), grants, digest(token), dt.datetime.now(dt.UTC))
        return token

    async def principal_for(self, token: str) -> Principal | None:
        """The principal a presented token stands for, or None for an unknown or revoked one."""
        if not token.startswith(PREFIX) or len(token) > 200:
            return None
        key = digest(token)
        cached = self._verified.get(key)
        if cached is not None and time.monotonic() - cached[0] < CACHE_SECONDS:
            return cached[1]
        row = await self.store.active(key)
        if row is None:
            self._verified.pop(key, None)
            return None
        principal = Principal(row.name, Role(row.role), frozenset(row.organisations))
        if len(self._verified) > CACHE_LIMIT:
            self._verified.clear()
        self._verified[key] = (time.monotonic(), principal)
        return principal

    async def revoke(self, name: str) -> None:
        if not await self.store.revoke(name, dt.datetime.now(dt.UTC)):
            raise NotFound(f"no active token named `{name}`")
        self._verified.clear()

    async def all_tokens(self) -> list[TokenInfo]:
        return [
            TokenInfo(
                name=r.name,
                role=Role(r.role),
                organisations=r.organisations,
                created_at=r.created_at,
                revoked_at=r.revoked_at,
            )
            for r in await self.store.all()
        ]
