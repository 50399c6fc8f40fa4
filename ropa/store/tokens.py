"""API token rows: only a token's SHA-256 hash is stored. The rules about tokens (who may have
one, how a presented token is checked and cached) live in ``ropa.auth.tokens``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ropa.store.tables import ApiToken


@dataclass(frozen=True, slots=True)
class TokenRow:
    name: str
    role: str
    organisations: list[str]
    created_at: dt.datetime
    revoked_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class ActiveToken:
    name: str
    role: str
    organisations: list[str]


def _grants(value: str) -> list[str]:
    return [o for o in value.split(",") if o]


class TokenStore:
    """The ``ropa_token`` table on one engine (through a table class bound to it)."""

    def __init__(self, table: type[ApiToken]) -> None:
        self.table = table

    async def exists(self, name: str) -> bool:
        return bool(await self.table.exists().where(self.table.name == name))

    async def add(
        self, name: str, role: str, organisations: list[str], token_hash: str, at: dt.datetime
    ) -> None:
        await self.table.insert(
            self.table(
                name=name,
                role=role,
                organisations=",".join(organisations),
                token_hash=token_hash,
                created_at=at,
            )
        )

    async def active(self, token_hash: str) -> ActiveToken | None:
        """The unrevoked token with this hash, if any."""
        table = self.table
        row = (
            await table.select(table.name, table.role, table.organisations)
            .where((table.token_hash == token_hash) & table.revoked_at.is_null())
            .first()
        )
        if row is None:
            return None
        return ActiveToken(row["name"], row["role"], _grants(row["organisations"]))

    async def revoke(self, name: str, at: dt.datetime) -> bool:
        """Revoke the active token named ``name``; False when there is none."""
        table = self.table
        revoked = (
            await table.update({table.revoked_at: at})
            .where((table.name == name) & table.revoked_at.is_null())
            .returning(table.id)
        )
        return bool(revoked)

    async def all(self) -> list[TokenRow]:
        """Every token, revoked ones too, by name."""
        table = self.table
        rows = await table.select(
            table.name, table.role, table.organisations, table.created_at, table.revoked_at
        ).order_by(table.name)
        return [
            TokenRow(
                r["name"], r["role"], _grants(r["organisations"]), r["created_at"], r["revoked_at"]
            )
            for r in rows
        ]
