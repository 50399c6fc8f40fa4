"""How diagrams look: colours, shapes, words, and the size thresholds for layout."""

from __future__ import annotations

from dataclasses import dataclass

# --- colours and shapes ----------------------------------------------------------------------
# Six-digit hex only: Graphviz 2.43 rejects the three-digit form.

INK = "#333333"
MUTED = "#666666"
TRANSFER = "#1f77b4"
PROBLEM = "#d62728"
WARNING = "#e6550d"
CONTROL = "#8c8c8c"
WHITE = "#ffffff"
EXPOSED_FILL = "#fff1c1"
START_FILL = "#ffc857"
ORG_FILL = "#f7f9fb"
BOUNDARY_FILL = "#e9eef5"
ZONE_FILLS = {"eea": "#e8f5e9", "adequate": "#fff8e1", "third": "#fdecea", "unknown": "#f0f0f0"}
ZONE_RANK = {"eea": 1, "adequate": 2, "third": 3, "unknown": 4}
ZONE_TITLES = {
    "eea": "EEA",
    "adequate": "Adequate countries",
    "third": "Other third countries",
    "unknown": "Country not recorded",
}


@dataclass(frozen=True, slots=True)
class Look:
    """How a kind of node is drawn, and what the legend says of it."""

    shape: str
    meaning: str
    style: str = "filled"


SYSTEM_LOOKS: dict[str, Look] = {
    "app": Look("component", "app (component)"),
    "server": Look("box3d", "server (3-D box)"),
    "database": Look("cylinder", "database (cylinder)"),
    "device": Look("tab", "device (tab)"),
    "saas": Look("folder", "SaaS (folder)"),
    "network": Look("parallelogram", "network (parallelogram)"),
    "other": Look("box", "other system (box)"),
}
PARTY_LOOKS: dict[str, Look] = {
    "processor": Look("ellipse", "processor (ellipse)"),
    "sub_processor": Look("ellipse", "sub-processor (dashed ellipse)", "filled,dashed"),
    "independent_controller": Look("octagon", "independent controller (octagon)"),
    "joint_controller": Look("doubleoctagon", "joint controller (double octagon)"),
    "authority": Look("house", "public authority (house)"),
    "": Look("diamond", "party, role not recorded (diamond)"),
}
GROUP_LOOK = Look("box", "collapsed group, counts inside (double rounded box)", "filled,rounded")
MISSING_LOOK = Look("box", "referenced but not in the registry (dashed box)", "dashed")

SYSTEM_KIND_WORDS = {"saas": "SaaS"}
ROLE_WORDS = {
    "processor": "processor",
    "sub_processor": "sub-processor",
    "independent_controller": "independent controller",
    "joint_controller": "joint controller",
    "authority": "public authority",
}

PROBLEM_RULES: dict[str, str] = {
    "TRANSFER-MISSING-MECHANISM": "no transfer mechanism",
    "TRANSFER-INVALID-MECHANISM": "invalid transfer mechanism",
    "ART30-1E-TRANSFER-UNDECLARED": "undeclared transfer",
}
"""Findings on a flow that draw it red, with the words its label gets."""

TOOLTIP_KEYS = 12
LARGE = 300
"""Above this many edges: straight edges and bounded layout passes (see `_graph_attrs`)."""
HUGE = 1_500
"""Above this many edges the layout engine is osage instead of dot (see `_graph_attrs`)."""
