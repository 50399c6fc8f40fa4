"""Checks that make an entity acceptable to the store.

Acceptable is not compliant: an activity with no lawful basis is stored, and the rules report
it. What is rejected here is what cannot be meant: a reference to nothing, a retention rule
that says nothing, an SCC module on a mechanism that has none.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import msgspec

from ropa.domain import model as m
from ropa.domain.kinds import KINDS, ORGANISATION_SCOPED
from ropa.domain.model import PATTERN_HELP
from ropa.domain.suggest import hint
from ropa.domain.vocabulary import EXTENSIBLE, VOCABULARY_TARGETS, Vocabularies

_LABELS = {
    "data_category": "data category",
    "data_subject_category": "data-subject category",
    "lawful_basis": "lawful basis",
    "art9_condition": "Art 9 condition",
    "transfer_mechanism": "transfer mechanism",
    "dpia_criterion": "DPIA criterion",
    "processor_record": "processor record",
}


class Problem(msgspec.Struct, frozen=True):
    """One thing wrong with the input, at a JSON path such as ``$.flows[3].target``."""

    path: str
    message: str


class InvalidInput(Exception):
    """Input rejected with every problem found; nothing was written."""

    def __init__(self, problems: list[Problem], status: int = 422) -> None:
        super().__init__("; ".join(f"{p.path}: {p.message}" for p in problems[:5]))
        self.problems = problems
        self.status = status


def humanise(message: str) -> str:
    """A validation message with any regular expression replaced by what it means."""
    for pattern, meaning in PATTERN_HELP.items():
        message = message.replace(f"`str` matching regex {pattern!r}", meaning)
    return message


def label(target: str) -> str:
    return _LABELS.get(target, target)


def a_label(target: str) -> str:
    """The label with its indefinite article: "an organisation", "a system"."""
    text = label(target)
    return f"an {text}" if text[0] in "aeiouAEIOU" else f"a {text}"


def _prefixed(prefix: str, path: str) -> str:
    return prefix + path[1:] if prefix else path


def intrinsic_problems(entity: m.Entity, vocab: Vocabularies, prefix: str = "") -> list[Problem]:
    """Problems visible from the entity alone (and the built-in vocabularies)."""
    found = [Problem(_prefixed(prefix, path), msg) for path, msg in _intrinsic(entity, vocab)]
    if b"\\u0000" in msgspec.json.encode(entity):  # rare: only then find where
        found += [
            Problem(_prefixed(prefix, path), "text may not contain the NUL character (U+0000)")
            for path in _nul_paths(msgspec.to_builtins(entity), "$")
        ]
    return found


def _nul_paths(value: object, path: str) -> Iterator[str]:
    if isinstance(value, str):
        if "\x00" in value:
            yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _nul_paths(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nul_paths(item, f"{path}[{index}]")


def _intrinsic(entity: m.Entity, vocab: Vocabularies) -> Iterator[tuple[str, str]]:
    if isinstance(entity, m.Activity):
        declared = set(entity.data_categories)
        for i, rule in enumerate(entity.retention):
            yield from _retention(f"$.retention[{i}]", rule, declared)
        seen: set[str] = set()
        for i, basis in enumerate(entity.lawful_bases):
            if basis.basis in seen:
                yield f"$.lawful_bases[{i}].basis", f"lawful basis `{basis.basis}` is listed twice"
            seen.add(basis.basis)
    elif isinstance(entity, m.ProcessorRecord):
        for i, transfer in enumerate(entity.transfers):
            yield from _transfer(f"$.transfers[{i}]", transfer, vocab)
    elif isinstance(entity, m.Flow):
        if entity.source == entity.target:
            yield "$.target", "a flow cannot end where it starts"
        if entity.transfer is not None:
            yield from _transfer("$.transfer", entity.transfer, vocab)
    elif isinstance(entity, m.Party):
        if entity.sub_processor_of is not None and entity.role is not m.PartyRole.SUB_PROCESSOR:
            yield "$.sub_processor_of", "only a party with role `sub_processor` has this field"
        if entity.sub_processor_of == entity.key:
            yield "$.sub_processor_of", "a party cannot be its own sub-processor"
    elif isinstance(entity, m.Waiver) and entity.expires_on < entity.accepted_on:
        yield "$.expires_on", "the waiver expires before it was accepted"
    elif isinstance(entity, m.Term) and entity.key in vocab.entries(str(entity.vocabulary)):
        yield "$.key", f"`{entity.key}` is already a built-in {label(str(entity.vocabulary))}"
    for name in ("data_categories", "data_subjects", "systems", "recipients", "purposes"):
        values = getattr(entity, name, None) or []
        if len(set(values)) != len(values):
            yield f"$.{name}", "a value is listed more than once"


def _retention(path: str, rule: m.Retention, declared: set[str]) -> Iterator[tuple[str, str]]:
    if not (rule.period or rule.criteria or rule.indefinite or rule.statement):
        yield path, "give a period, deletion criteria, `indefinite: true` or the policy's statement"
    if rule.period and rule.indefinite:
        yield f"{path}.indefinite", "a retention rule cannot have a period and be indefinite"
    if rule.data_category is not None and rule.data_category not in declared:
        yield (
            f"{path}.data_category",
            f"`{rule.data_category}` is not among this activity's data_categories",
        )


def _transfer(path: str, transfer: m.Transfer, vocab: Vocabularies) -> Iterator[tuple[str, str]]:
    if transfer.scc_module is not None:
        mechanism = vocab.transfer_mechanisms.get(transfer.mechanism or "")
        if mechanism is None or not mechanism.has_scc_modules:
            yield f"{path}.scc_module", "an SCC module needs an SCC mechanism with modules"


def reference_problems(
    entity: m.Entity,
    vocab: Vocabularies,
    known: Mapping[tuple[str, str], str],
    prefix: str = "",
) -> list[Problem]:
    """Problems with what the entity refers to.

    ``known`` maps (kind, key) of every entity the entity may refer to onto its scope: the
    organisation it belongs to or, for a term, its vocabulary.
    """
    problems: list[Problem] = []
    organisation = _organisation(entity, known)
    for ref in KINDS[entity.kind].references(entity):
        message = _reference_problem(ref.target, ref.key, vocab, known, organisation)
        if message:
            problems.append(Problem(_prefixed(prefix, ref.path), message))
    return problems


def _organisation(entity: m.Entity, known: Mapping[tuple[str, str], str]) -> str | None:
    if isinstance(entity, m.Flow):
        return known.get(("activity", entity.activity))
    return getattr(entity, "organisation", None)


def _reference_problem(
    target: str,
    key: str,
    vocab: Vocabularies,
    known: Mapping[tuple[str, str], str],
    organisation: str | None,
) -> str | None:
    if target in VOCABULARY_TARGETS:
        if key in vocab.entries(target):
            return None
        if target in EXTENSIBLE and known.get(("term", key)) == target:
            return None
        extend = " (add it as a term first)" if target in EXTENSIBLE else ""
        helps = hint(key, vocab.entries(target))
        return f"unknown {label(target)} `{key}`{extend}" + (f"; {helps}" if helps else "")
    scope = known.get((target, key))
    if scope is None:
        return f"unknown {label(target)} `{key}`"
    if target in ORGANISATION_SCOPED and organisation is not None and scope != organisation:
        return f"{label(target)} `{key}` belongs to organisation `{scope}`, not `{organisation}`"
    return None


def needed_keys(entity: m.Entity) -> dict[str, set[str]]:
    """Keys per entity kind that ``reference_problems`` will look up for this entity."""
    needed: dict[str, set[str]] = {}
    for ref in KINDS[entity.kind].references(entity):
        kind = "term" if ref.target in EXTENSIBLE else ref.target
        if kind in VOCABULARY_TARGETS:
            continue
        needed.setdefault(kind, set()).add(ref.key)
    return needed
