"""Facts derived from the registry graph for one day, computed once and only read after.

Rules, lineage queries, diagrams, the workbook and the viewer read these; none of them works a
fact out again. ``derive(graph, on)`` builds them; the judgement service caches them with the
graph by registry revision and day.
"""

from ropa.facts.derive import derive
from ropa.facts.model import (
    ActivityFacts,
    Facts,
    FlowFacts,
    PartyFacts,
    Reach,
    Regime,
    Role,
    TransferFacts,
    TransferKind,
)
from ropa.facts.screening import Screening
from ropa.facts.zones import Zone

__all__ = [
    "ActivityFacts",
    "Facts",
    "FlowFacts",
    "PartyFacts",
    "Reach",
    "Regime",
    "Role",
    "Screening",
    "TransferFacts",
    "TransferKind",
    "Zone",
    "derive",
]
