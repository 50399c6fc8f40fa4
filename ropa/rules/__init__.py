"""The rule themes; importing this package registers every rule with the engine."""

from ropa.rules import (  # noqa: F401 - imported to register their rules
    article30,
    dpia,
    eprivacy,
    integrity,
    lawful_basis,
    parties,
    processors,
    retention,
    statements,
    transfers,
    vagueness,
    waivers,
)
from ropa.rules.engine import RULES, Check, Finding, Hit, Severity, catalogue, evaluate

__all__ = ["RULES", "Check", "Finding", "Hit", "Severity", "catalogue", "evaluate"]
