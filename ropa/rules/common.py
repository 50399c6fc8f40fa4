"""Small helpers the rule themes share."""

from __future__ import annotations

from ropa.domain import model as m


def bases(activity: m.Activity) -> dict[str, m.LawfulBasis]:
    return {basis.basis: basis for basis in activity.lawful_bases}


def entity(kind: str, key: str) -> str:
    return f"{kind}:{key}"
