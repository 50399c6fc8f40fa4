"""Writing a folded scene as a `DotGraph`: nodes, edges, clusters and the legend, sorted."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from ropa.domain import model as m
from ropa.facts import Facts, FlowFacts
from ropa.render.diagram.fold import Folder, Link, Shown
from ropa.render.diagram.layout import Path, cluster_fill, cluster_title
from ropa.render.diagram.looks import (
    BOUNDARY_FILL,
    CONTROL,
    EXPOSED_FILL,
    GROUP_LOOK,
    HUGE,
    INK,
    LARGE,
    MISSING_LOOK,
    MUTED,
    ORG_FILL,
    PARTY_LOOKS,
    PROBLEM,
    PROBLEM_RULES,
    START_FILL,
    SYSTEM_LOOKS,
    TOOLTIP_KEYS,
    TRANSFER,
    WARNING,
    WHITE,
    ZONE_FILLS,
    Look,
)
from ropa.render.diagram.scene import Scene, count
from ropa.render.diagram.words import destination_name, mechanism_title
from ropa.render.dot import (
    DotCluster,
    DotEdge,
    DotGraph,
    DotNode,
    Html,
    html_lines,
    html_text,
    key_text,
    name_text,
)
from ropa.rules.engine import Finding, Severity


@dataclass(slots=True)
class Marks:
    """Open findings by flow key and by system or party node."""

    flows: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    nodes: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    @classmethod
    def of(cls, findings: Iterable[Finding]) -> Marks:
        marks = cls()
        for finding in findings:
            if finding.waived:
                continue
            kind, _, key = finding.entity.partition(":")
            if kind == "flow":
                marks.flows[key].add(finding.rule)
            elif kind in ("system", "party") and finding.severity != Severity.INFO:
                marks.nodes[finding.entity].add(finding.rule)
        return marks


class Writer:
    """Turns a folded scene into a `DotGraph`, sorted throughout."""

    def __init__(
        self,
        facts: Facts,
        scene: Scene,
        folder: Folder,
        marks: Marks,
        detail: str,
        max_labels: int,
    ) -> None:
        self.facts = facts
        self.graph = facts.graph
        self.scene = scene
        self.folder = folder
        self.marks = marks
        self.detail = detail
        self.max_labels = max_labels
        self.used_looks: set[Look] = set()
        self.used_colours: set[str] = set()
        self.used_fills: set[str] = set()

    def build(self) -> DotGraph:
        scene, folder = self.scene, self.folder
        for ref in sorted(scene.nodes):
            folder.of(ref)
        links: dict[tuple[tuple[str, ...], tuple[str, ...]], Link] = defaultdict(Link)
        for key in sorted(scene.flows):
            flow = scene.flows[key]
            source, target = folder.of(flow.source), folder.of(flow.target)
            if source == target:
                folder.shown[source].internal += 1
            else:
                links[(source, target)].flows.append(flow)
        for source_ref, target_ref, kind in sorted(scene.control):
            source, target = folder.of(source_ref), folder.of(target_ref)
            if source != target:
                links[(source, target)].control.add(kind)

        shown = folder.shown
        ids = {key: f"n{i}" for i, key in enumerate(sorted(shown), start=1)}
        dot_nodes = {key: DotNode(ids[key], self._node_attrs(shown[key])) for key in sorted(shown)}

        edges: list[DotEdge] = []
        for (source, target), link in sorted(links.items()):
            if link.flows:
                edges.append(DotEdge(ids[source], ids[target], self._flow_attrs(link.flows)))
            if link.control:
                edges.append(DotEdge(ids[source], ids[target], self._control_attrs(link.control)))

        clusters, top = self._clusters(dot_nodes)
        result = DotGraph(
            graph=self._graph_attrs(len(edges)),
            node_defaults={
                "fontname": "Helvetica",
                "fontsize": "10",
                "style": "filled",
                "fillcolor": WHITE,
                "color": INK,
                "margin": "0.08,0.04",
            },
            edge_defaults={
                "fontname": "Helvetica",
                "fontsize": "8",
                "color": INK,
                "fontcolor": INK,
                "arrowsize": "0.7",
            },
            clusters=clusters,
            nodes=top,
            edges=edges,
        )
        result.clusters.append(self._legend())
        return result

    # --- nodes --------------------------------------------------------------------------

    def _node_attrs(self, node: Shown) -> dict[str, str | Html]:
        self.used_looks.add(node.look)
        members = sorted(node.members)
        lines = [f"<B>{html_lines(node.title)}</B>"]
        small: list[str] = []
        if node.look is GROUP_LOOK:
            small.append(html_text(self._member_counts(members)))
        elif node.subtitle:
            small.append(html_text(node.subtitle))
            operated = [ref for ref in members if ref != node.key[-1]]
            if operated:
                small.append(html_text(self._operated(operated)))
        if node.internal:
            small.append(html_text(count(node.internal, "internal flow", "internal flows")))
        lines.extend(f'<FONT POINT-SIZE="8" COLOR="{MUTED}">{s}</FONT>' for s in small)
        attrs: dict[str, str | Html] = {"shape": node.look.shape}
        if node.look.style != "filled":
            attrs["style"] = node.look.style
        if node.look is GROUP_LOOK:
            attrs["peripheries"] = "2"
            attrs["fillcolor"] = node.fill
            self.used_fills.add(node.fill)
        if self.scene.start in node.members:
            attrs["fillcolor"] = START_FILL
            self.used_fills.add(START_FILL)
        elif node.members & self.scene.exposed:
            attrs["fillcolor"] = EXPOSED_FILL
            self.used_fills.add(EXPOSED_FILL)
        rules = sorted({rule for ref in members for rule in self.marks.nodes.get(ref, ())})
        if rules:
            attrs["color"] = PROBLEM
            attrs["penwidth"] = "2"
            self.used_colours.add("node-finding")
        tooltip = self._names_tooltip(members)
        if rules:
            tooltip += " - findings: " + _capped(rules)
        attrs["tooltip"] = name_text(tooltip)
        attrs["label"] = Html("<BR/>".join(lines))
        return attrs

    def _names_tooltip(self, members: list[str]) -> str:
        """A node's tooltip: the names of what it stands for; a single system or party's key
        beside its name, which is how findings and the API address it."""
        if len(members) == 1:
            ref = members[0]
            name = self.graph.name_of(ref)
            return f"{name} ({ref})" if name != ref else ref
        names = (self.graph.name_of(ref) for ref in members)
        return _capped(sorted(names, key=lambda name: (name.casefold(), name)))

    def _member_counts(self, members: list[str]) -> str:
        systems = sum(1 for ref in members if ref.startswith("system:"))
        parties = sum(1 for ref in members if ref.startswith("party:"))
        other = len(members) - systems - parties
        parts = []
        if systems:
            parts.append(count(systems, "system", "systems"))
        if parties:
            parts.append(count(parties, "party", "parties"))
        if other:
            parts.append(count(other, "unknown node", "unknown nodes"))
        return " \u00b7 ".join(parts)

    def _operated(self, refs: list[str]) -> str:
        if len(refs) > self.max_labels:
            return f"+ {len(refs)} systems it operates"
        names = sorted(self.graph.name_of(ref) for ref in refs)
        return "+ " + "; ".join(_short(name, 40) for name in names)

    # --- edges -------------------------------------------------------------------------

    def _flow_attrs(self, flows: list[m.Flow]) -> dict[str, str | Html]:
        graph = self.graph
        lines: list[str] = []
        if len(flows) > 1:
            lines.append(count(len(flows), "flow", "flows"))
        if self.scene.edge_text == "activities":
            names = sorted(
                {
                    (
                        graph.activities[f.activity].name
                        if f.activity in graph.activities
                        else f.activity
                    )
                    for f in flows
                },
                key=lambda name: (name.casefold(), name),
            )
            lines.extend(self._listed(names, "activity", "activities"))
        else:
            keys = {key for flow in flows for key in flow.data_categories}
            labels = sorted(
                ((graph.category(key).label, key) for key in keys),
                key=lambda pair: (pair[0].casefold(), pair[0], pair[1]),
            )
            lines.extend(self._listed([label for label, _ in labels], "category", "categories"))
        crossing = [
            self.facts.flows[f.key]
            for f in flows
            if f.key in self.facts.flows and self.facts.flows[f.key].is_transfer
        ]
        if crossing:
            if len(crossing) < len(flows):
                lines.append(f"{len(crossing)} of {len(flows)} flows are transfers")
            transfers = sorted({_transfer_text(self.facts, f) for f in crossing})
            if len(transfers) > self.max_labels:
                lines.append(f"transfer: {len(transfers)} mechanisms or destinations")
            else:
                lines.extend(transfers)
        rules = sorted({rule for flow in flows for rule in self.marks.flows.get(flow.key, ())})
        problems = sorted({PROBLEM_RULES[rule] for rule in rules if rule in PROBLEM_RULES})
        others = [rule for rule in rules if rule not in PROBLEM_RULES]
        attrs: dict[str, str | Html] = {}
        if problems:
            colour, width = PROBLEM, "2.5"
        elif others:
            colour, width = WARNING, "2"
        elif crossing:
            colour, width = TRANSFER, "1.5"
        else:
            colour, width = INK, "1"
        self.used_colours.add(colour)
        if colour != INK:
            attrs["color"] = colour
            attrs["fontcolor"] = colour
            attrs["penwidth"] = width
        markup = [html_lines(line, width=EDGE_WIDTH) for line in lines]
        markup.extend(f"<B>! {html_text(text)}</B>" for text in problems)
        if others:
            text = (
                count(len(others), "other finding", "other findings")
                if len(others) > self.max_labels
                else ", ".join(others)
            )
            markup.append(html_text(f"finding: {text}"))
        tooltip = _keys_tooltip([f.key for f in flows], "flow")
        if rules:
            tooltip += " - findings: " + _capped(rules)
        attrs["tooltip"] = key_text(tooltip)
        attrs["label"] = Html("<BR/>".join(markup))
        return attrs

    def _listed(self, values: list[str], one: str, many: str) -> list[str]:
        if len(values) > self.max_labels:
            return [count(len(values), one, many)]
        return [_short(value, EDGE_WIDTH) for value in values]

    def _control_attrs(self, kinds: set[str]) -> dict[str, str | Html]:
        self.used_colours.add("control")
        words = {"operates": "operates", "sub_processor": "engages sub-processor"}
        return {
            "style": "dashed",
            "color": CONTROL,
            "arrowhead": "empty",
            "tooltip": key_text(", ".join(words[k] for k in sorted(kinds))),
        }

    # --- clusters ---------------------------------------------------------------------

    def _clusters(
        self, dot_nodes: dict[tuple[str, ...], DotNode]
    ) -> tuple[list[DotCluster], list[DotNode]]:
        shown = self.folder.shown
        paths: set[Path] = set()
        for node in shown.values():
            for depth in range(1, len(node.placement) + 1):
                paths.add(node.placement[:depth])
        cluster_ids = {path: f"cluster_{i}" for i, path in enumerate(sorted(paths), start=1)}
        built: dict[Path, DotCluster] = {}
        top: list[DotCluster] = []
        for path in sorted(paths):
            key = path[-1]
            fill = cluster_fill(key)
            self.used_fills.add(fill)
            attrs: dict[str, str | Html] = {
                "style": "filled,rounded,dashed" if key.kind == "boundary" else "filled,rounded",
                "fillcolor": fill,
                "color": "#7f8c99" if key.kind == "boundary" else "#4a5a6a",
                "fontname": "Helvetica",
                "fontsize": "11" if len(path) == 1 else "10",
                "labeljust": "l",
                "label": Html(html_lines(cluster_title(self.scene.layout, key), width=60)),
            }
            cluster = DotCluster(cluster_ids[path], attrs)
            built[path] = cluster
            (built[path[:-1]].clusters if len(path) > 1 else top).append(cluster)
        loose: list[DotNode] = []
        for node_key in sorted(shown):
            placement = shown[node_key].placement
            (built[placement].nodes if placement else loose).append(dot_nodes[node_key])
        return top, loose

    # --- graph and legend ---------------------------------------------------------------

    def _graph_attrs(self, edges: int) -> dict[str, str | Html]:
        subtitle = [*self.scene.subtitle, self._counts()]
        label = f'<B>{html_lines(self.scene.title, width=80)}</B><BR/><FONT POINT-SIZE="9">'
        label += "<BR/>".join(html_text(line) for line in subtitle) + "</FONT>"
        attrs: dict[str, str | Html] = {
            "charset": "UTF-8",
            "newrank": "true",
            "rankdir": "LR",
            "fontname": "Helvetica",
            "fontsize": "14",
            "labelloc": "t",
            "labeljust": "l",
            "nodesep": "0.25",
            "ranksep": "0.7",
            "outputorder": "edgesfirst",
            "label": Html(label),
        }
        if edges > HUGE:
            # dot ranks every flow left to right; thousands of vendor-to-vendor flows make
            # chains dozens of ranks deep, and dot then routes hundreds of thousands of virtual
            # nodes (minutes for the 2,000-system benchmark). osage, from the same binary, packs
            # the clusters as boxes and draws edges straight: seconds, and the same SVG on every
            # run. (fdp was tried: slower, overlapping clusters, and it crashes now and then on
            # Graphviz 2.43, see ellson/MOTHBALLED-graphviz#919.)
            attrs.update({"layout": "osage", "splines": "line"})
        elif edges > LARGE:
            # Straight edges (spline routing dominates from a few hundred edges on) and bounded
            # network-simplex and crossing-minimisation passes.
            attrs.update(
                {
                    "splines": "line",
                    "nslimit": "2",
                    "nslimit1": "2",
                    "mclimit": "0.2",
                    "searchsize": "10",
                }
            )
        return attrs

    def _counts(self) -> str:
        systems = sum(1 for ref in self.scene.nodes if ref.startswith("system:"))
        parties = sum(1 for ref in self.scene.nodes if ref.startswith("party:"))
        return (
            f"{count(systems, 'system', 'systems')} \u00b7 {count(parties, 'party', 'parties')}"
            f" \u00b7 {count(len(self.scene.flows), 'flow', 'flows')} \u00b7 detail: {self.detail}"
        )

    def _legend(self) -> DotCluster:
        looks = [
            *SYSTEM_LOOKS.values(),
            *PARTY_LOOKS.values(),
            GROUP_LOOK,
            MISSING_LOOK,
        ]
        nodes: list[DotNode] = []
        for i, look in enumerate((look for look in looks if look in self.used_looks), start=1):
            attrs: dict[str, str | Html] = {"shape": look.shape, "fontsize": "8", "height": "0.3"}
            if look.style != "filled":
                attrs["style"] = look.style
            if look is GROUP_LOOK:
                attrs["peripheries"] = "2"
                attrs["fillcolor"] = BOUNDARY_FILL
            attrs["label"] = Html(html_text(look.meaning))
            nodes.append(DotNode(f"legend_{i}", attrs))
        rows = [
            (INK, INK, "data flow: data categories, or N categories"),
            (TRANSFER, TRANSFER, "transfer outside the EEA: mechanism named"),
            (PROBLEM, PROBLEM, "no or invalid transfer mechanism, or an undeclared transfer"),
            (WARNING, WARNING, "flow with another open finding"),
            ("control", CONTROL, "dashed: a party operates a system or engages a sub-processor"),
            ("node-finding", PROBLEM, "red outline: system or party with an open finding"),
            (START_FILL, START_FILL, "the party whose breach is shown"),
            (EXPOSED_FILL, EXPOSED_FILL, "exposed by that breach"),
            (ORG_FILL, ORG_FILL, "organisation"),
            (BOUNDARY_FILL, BOUNDARY_FILL, "trust boundary (dashed outline)"),
            (ZONE_FILLS["eea"], ZONE_FILLS["eea"], "EEA"),
            (
                ZONE_FILLS["adequate"],
                ZONE_FILLS["adequate"],
                "adequacy decision in force for the importer",
            ),
            (ZONE_FILLS["third"], ZONE_FILLS["third"], "third country without adequacy"),
            (ZONE_FILLS["unknown"], ZONE_FILLS["unknown"], "country not recorded"),
        ]
        used = self.used_colours | self.used_fills
        table = "".join(
            f'<TR><TD BGCOLOR="{swatch}" WIDTH="28"> </TD>'
            f'<TD ALIGN="LEFT">{html_text(text)}</TD></TR>'
            for marker, swatch, text in rows
            if marker in used
        )
        if table:
            nodes.append(
                DotNode(
                    f"legend_{len(nodes) + 1}",
                    {
                        "shape": "plaintext",
                        "style": "",
                        "fontsize": "8",
                        "label": Html(
                            f'<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="3">{table}</TABLE>'
                        ),
                    },
                )
            )
        return DotCluster(
            "cluster_legend",
            {
                "style": "rounded",
                "color": "#bbbbbb",
                "fontname": "Helvetica",
                "fontsize": "10",
                "labeljust": "l",
                "label": Html("Legend"),
            },
            nodes=nodes,
        )


def _transfer_text(facts: Facts, flow: FlowFacts) -> str:
    """A transfer as an edge label line, in the vocabularies' words: where it goes and under
    which mechanism (or that there is none)."""
    where = destination_name(facts, flow)
    mechanism = mechanism_title(facts, flow) or "undeclared transfer"
    return f"transfer to {_short(where, 40)}:\n{mechanism}" if where else f"transfer: {mechanism}"


EDGE_WIDTH = 48
"""Edge label lines wrap at this many characters (names and labels are cut to it)."""


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def _capped(values: list[str]) -> str:
    shown = ", ".join(values[:TOOLTIP_KEYS])
    return shown + (
        f", and {len(values) - TOOLTIP_KEYS} more" if len(values) > TOOLTIP_KEYS else ""
    )


def _keys_tooltip(keys: list[str], prefix: str) -> str:
    label = f"{prefix}s: " if prefix and len(keys) > 1 else (f"{prefix}: " if prefix else "")
    return label + _capped(sorted(keys))
