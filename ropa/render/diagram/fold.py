"""Detail levels: folding a scene's systems and parties into the nodes a diagram shows."""

from __future__ import annotations

from dataclasses import dataclass, field

from ropa.domain import model as m
from ropa.facts.geography import country_name
from ropa.graph import RegistryGraph, node_id
from ropa.render.diagram.layout import (
    Layout,
    Path,
    boundary_title,
    cluster_fill,
    cluster_title,
    org_name,
    path_text,
)
from ropa.render.diagram.looks import (
    BOUNDARY_FILL,
    GROUP_LOOK,
    MISSING_LOOK,
    PARTY_LOOKS,
    ROLE_WORDS,
    SYSTEM_KIND_WORDS,
    SYSTEM_LOOKS,
    WHITE,
    Look,
)
from ropa.render.diagram.scene import Scene


@dataclass(slots=True)
class Shown:
    """One node as drawn: a system or party, or a group of them."""

    key: tuple[str, ...]
    placement: Path
    title: str
    look: Look
    members: set[str] = field(default_factory=set)
    subtitle: str = ""
    internal: int = 0
    """Flows between members of the node, which have no edge of their own."""
    fill: str = WHITE


@dataclass(slots=True)
class Link:
    flows: list[m.Flow] = field(default_factory=list)
    control: set[str] = field(default_factory=set)


class Folder:
    """Maps scene nodes to display nodes for a detail level."""

    def __init__(self, graph: RegistryGraph, scene: Scene, detail: str) -> None:
        self.graph = graph
        self.scene = scene
        self.detail = detail
        self.shown: dict[tuple[str, ...], Shown] = {}
        self._of: dict[str, tuple[str, ...]] = {}

    def of(self, ref: str) -> tuple[str, ...]:
        key = self._of.get(ref)
        if key is None:
            key = self._of[ref] = self._fold(ref)
        return key

    def _fold(self, ref: str) -> tuple[str, ...]:
        graph, layout = self.graph, self.scene.layout
        endpoint = graph.endpoint(ref)
        path = layout.path(ref)
        if self.detail == "cluster" and path:
            return self._group(path, path[:-1], cluster_title(layout, path[-1]), ref)
        if self.detail == "party" and isinstance(endpoint, m.System):
            if endpoint.operator and endpoint.operator in graph.parties:
                operator = node_id("party", endpoint.operator)
                key = self._single(operator)
                self.shown[key].members.add(ref)
                return key
            boundary = endpoint.trust_boundary.strip()
            if layout.geographic:
                title = boundary_title(boundary)
                if len(graph.organisations) > 1:
                    title += f" ({org_name(graph, endpoint.organisation)})"
                key = ("group", *path_text(path), endpoint.organisation, boundary)
                return self._group(path, path, title, ref, key)
            return self._group(path, path[:-1], boundary_title(boundary), ref)
        return self._single(ref)

    def _single(self, ref: str) -> tuple[str, ...]:
        key = ("node", ref)
        if key not in self.shown:
            self.shown[key] = _shown_single(self.graph, self.scene.layout, ref, key)
        self.shown[key].members.add(ref)
        return key

    def _group(
        self,
        path: Path,
        placement: Path,
        title: str,
        ref: str,
        key: tuple[str, ...] | None = None,
    ) -> tuple[str, ...]:
        """The group node standing for ``path``: a whole cluster at cluster detail (filled like
        that cluster, e.g. by zone), or a trust boundary's own systems at party detail."""
        key = key or ("group", *path_text(path))
        if key not in self.shown:
            fill = cluster_fill(path[-1]) if self.detail == "cluster" else BOUNDARY_FILL
            self.shown[key] = Shown(
                key=key, placement=placement, title=title, look=GROUP_LOOK, fill=fill
            )
        self.shown[key].members.add(ref)
        return key


def _shown_single(graph: RegistryGraph, layout: Layout, ref: str, key: tuple[str, ...]) -> Shown:
    endpoint = graph.endpoint(ref)
    path = layout.path(ref)
    country = country_name(graph.vocab, graph.country_of(ref)) or "no country"
    if isinstance(endpoint, m.System):
        kind = str(endpoint.system_kind)
        look = SYSTEM_LOOKS.get(kind, SYSTEM_LOOKS["other"])
        subtitle = f"{SYSTEM_KIND_WORDS.get(kind, kind)} \u00b7 {country}"
    elif isinstance(endpoint, m.Party):
        role = str(endpoint.role) if endpoint.role else ""
        look = PARTY_LOOKS.get(role, PARTY_LOOKS[""])
        where = "international organisation" if endpoint.international_organisation else country
        subtitle = f"{ROLE_WORDS.get(role, 'role not recorded')} \u00b7 {where}"
    else:
        return Shown(key, path, ref, MISSING_LOOK, subtitle="not in the registry")
    return Shown(key, path, endpoint.name, look, subtitle=subtitle)
