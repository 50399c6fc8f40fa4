"""Data-flow diagrams of the registry as deterministic DOT text, and their rendering.

``dot(facts, findings, view, ...)`` builds a *scene* for the view (which systems, parties and
flows to draw, and how they cluster), maps it through the detail level (full, or collapsed to
parties and trust boundaries, or to one node per cluster), and writes DOT in sorted order with
synthetic ids, so that the same registry, in whatever order its document lists things, gives the
same text byte for byte. Golden-file tests compare that text without the ``dot`` binary;
``render`` runs the binary for SVG, PNG, PDF or laid-out DOT.

Views:

- ``organisation``: every system and party of one organisation (or of all of them);
- ``activity``: one activity's systems, recipients, joint controllers and flows;
- ``category``: one data category's lineage (`ropa.lineage.category_lineage`), edges labelled
  with the activities that move it;
- ``party``: what a breach at one party exposes (`ropa.lineage.party_impact`): what flows into
  it, the systems it operates, its sub-processors, drawn filled, and the flows it passes on;
- ``transfers``: flows that leave the EEA or are declared as transfers, nodes grouped by where
  they sit: EEA, adequate for the importer (a decision in force on the day that covers it), other
  third country.

The modules: ``scene`` (what a view draws), ``layout`` (cluster paths and titles), ``fold``
(detail levels), ``writer`` (DOT), ``looks`` (colours, shapes and words), ``words`` (transfers
in the vocabularies' words, shared with the map). Zones, transfers and
adequacy come from the derived facts (``ropa.facts``), as they do for the rules and the workbook.
"""

from __future__ import annotations

from collections.abc import Iterable

from ropa.facts import Facts
from ropa.render.diagram.fold import Folder
from ropa.render.diagram.layout import GeographicLayout, Layout
from ropa.render.diagram.scene import (
    DETAILS,
    VIEWS,
    MissingArgument,
    UnknownDetail,
    UnknownEntity,
    UnknownView,
    scene_activity,
    scene_category,
    scene_organisation,
    scene_party,
    scene_transfers,
)
from ropa.render.diagram.writer import Marks, Writer
from ropa.render.dot import (
    FORMATS,
    DiagramError,
    RendererUnavailable,
    RenderFailed,
    RenderTimeout,
    UnknownFormat,
    render,
)
from ropa.rules.engine import Finding

__all__ = [
    "DETAILS",
    "FORMATS",
    "VIEWS",
    "DiagramError",
    "MissingArgument",
    "RenderFailed",
    "RenderTimeout",
    "RendererUnavailable",
    "UnknownDetail",
    "UnknownEntity",
    "UnknownFormat",
    "UnknownView",
    "dot",
    "render",
]


def dot(
    facts: Facts,
    findings: Iterable[Finding],
    view: str,
    *,
    organisation: str | None = None,
    activity: str | None = None,
    category: str | None = None,
    party: str | None = None,
    detail: str = "full",
    max_labels: int = 3,
) -> str:
    """The DOT text of one view of the registry; the same input always gives the same text.

    ``facts`` are the registry's derived facts for the day it is judged on (zones, transfers,
    adequacy); ``findings`` are the rule engine's (waived ones are ignored).
    Raises `UnknownView`, `UnknownDetail`, `MissingArgument` or `UnknownEntity`.
    """
    if view not in VIEWS:
        raise UnknownView(f"unknown diagram view {view!r}; expected one of {', '.join(VIEWS)}")
    if detail not in DETAILS:
        raise UnknownDetail(
            f"unknown detail level {detail!r}; expected one of {', '.join(DETAILS)}"
        )
    if max_labels < 0:
        raise ValueError("max_labels must be 0 or more")
    graph = facts.graph
    layout = GeographicLayout(facts) if view == "transfers" else Layout(facts)
    if view == "organisation":
        scene = scene_organisation(graph, layout, organisation)
    elif view == "activity":
        scene = scene_activity(graph, layout, activity)
    elif view == "category":
        scene = scene_category(graph, layout, category, organisation)
    elif view == "party":
        scene = scene_party(graph, layout, party)
    else:
        scene = scene_transfers(graph, layout, organisation, facts.on)
    folder = Folder(graph, scene, detail)
    writer = Writer(facts, scene, folder, Marks.of(findings), detail, max_labels)
    return writer.build().text()
