"""Small helpers the rule themes share."""

from __future__ import annotations

from ropa.domain import model as m


def bases(activity: m.Activity) -> dict[str, m.LawfulBasis]:
    return {basis.basis: basis for basis in activity.lawful_bases}


def basis(activity: m.Activity, name: str) -> m.LawfulBasis | None:
    """The activity's basis of that name (the last one, as in ``bases``), without a dict."""
    for found in reversed(activity.lawful_bases):
        if found.basis == name:
            return found
    return None


def entity(kind: str, key: str) -> str:
    return f"{kind}:{key}"
