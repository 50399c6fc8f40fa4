"""Examples in the OpenAPI document, taken from the example registry.

Every "Try it out" in /schema works as shown against the demo registry (`scripts/demo.sh` loads
``examples/softphone-provider.yaml``), in the order a keeper would use them: a create adds a new
entry that refers to the demo's own entries; get, replace and patch name demo entries (or the
new one, for kinds the demo has only one of); delete removes the new entry again. Schemas carry
a demo entity as their example, and each property the value it has there, so no page shows a
random string where a key, a country or a status code belongs.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import json
from pathlib import Path
from typing import Any, cast

import yaml
from litestar import Request
from litestar.openapi.plugins import JsonRenderPlugin

from ropa.domain.kinds import KINDS

EXAMPLE_REGISTRY = Path(__file__).resolve().parents[2] / "examples" / "softphone-provider.yaml"
ORGANISATION = "sprechwerk"

EXISTING = {
    "organisation": "sprechwerk",
    "term": "vat_id",
    "party": "trunk-us",
    "system": "push-relay",
    "activity": "sip-calling",
    "flow": "call-trunk-us",
}
"""The demo entry each kind's get and replace examples name."""
PATCHED = {"party": "analytics-vendor", "system": "cdr-db", "activity": "app-analytics"}
"""The demo entry each kind's patch example names; other kinds patch their new entry."""
PATCHES: dict[str, dict[str, Any]] = {
    "organisation": {"registration_number": "FN 512345x"},
    "term": {"description": "Identifier of a customer's SIP trunk at the carrier."},
    "party": {"contract": {"reference": "DPA-2026-014", "signed_on": "2026-03-02"}},
    "system": {"hosting_country": "DE"},
    "activity": {"last_reviewed": "2026-11-30"},
    "processor_record": {"security_measures": ["TLS 1.3 on every SIP trunk"]},
    "flow": {"purpose": "Route outgoing calls to Canadian numbers"},
    "waiver": {"reason": "Review with the analytics vendor booked for January."},
}
WAIVED = "RECORD-STALE@activity:app-analytics"
PROBLEM: dict[str, Any] = {
    "title": "Invalid input",
    "status": 422,
    "detail": "2 problems found",
    "errors": [
        {
            "path": "$.transfer.mechanism",
            "message": "unknown transfer mechanism `SCC`; did you mean `scc_2021` or "
            "`scc_2010_87` or `scc_2001_497`?",
        },
        {"path": "$.transfer.since", "message": "not a date: write it as YYYY-MM-DD"},
    ],
}
FIELD_HELP = {
    "key": "The entry's key, chosen by its keeper: letters, digits, `.`, `_` or `-`.",
    "organisation": "Key of the organisation the entry belongs to, e.g. `sprechwerk`.",
    "activity": "Key of the processing activity, e.g. `sip-calling`.",
    "mechanism": "The Chapter V transfer tool, a key of the transfer_mechanisms vocabulary, "
    "e.g. `scc_2021` (SCC 2021/914) or `eu_us_dpf`.",
    "basis": "The Art 6(1) basis, a key of the lawful_bases vocabulary, e.g. `contract`.",
    "art9_condition": "The Art 9(2) condition, e.g. `explicit_consent`.",
    "operator": "Key of the party that operates the system, e.g. `google-fcm`.",
    "sub_processor_of": "Key of the processor this party works for, e.g. `helpdesk`.",
    "data_category": "Key of a data category, e.g. `call_recordings`.",
    "finding": "A finding id as the findings list shows it, e.g. `RECORD-STALE@activity:push`.",
}


@functools.lru_cache(maxsize=1)
def registry() -> dict[str, Any] | None:
    """The example registry as plain data; None where it is not installed."""
    if not EXAMPLE_REGISTRY.exists():
        return None
    data: dict[str, Any] = yaml.safe_load(EXAMPLE_REGISTRY.read_text(encoding="utf-8"))
    # Dates as ISO text, as JSON has them.
    return cast(dict[str, Any], json.loads(json.dumps(data, default=str)))


def _entity(data: dict[str, Any], kind: str, key: str) -> dict[str, Any]:
    collection = KINDS[kind].collection
    return copy.deepcopy(next(e for e in data.get(collection, []) if e["key"] == key))


def new_entities(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per kind, a body to create: a new entry that refers to the demo's own entries."""
    activity = _entity(data, "activity", "sip-calling") | {
        "key": "voicemail",
        "name": "Voicemail",
        "purposes": ["Record and deliver voicemail messages left for a subscriber"],
    }
    activity.pop("retention", None)
    flow = _entity(data, "flow", "call-trunk-us") | {
        "key": "call-trunk-ca",
        "purpose": "Route outgoing calls to Canadian numbers",
    }
    return {
        "organisation": {
            "key": "sprechwerk-at",
            "name": "Sprechwerk Austria GmbH",
            "role": "controller",
            "contact": {
                "address": "Mariahilfer Strasse 1, 1060 Wien",
                "email": "privacy@sprechwerk.at",
            },
            "establishment_country": "AT",
        },
        "term": {
            "key": "sip_trunk_id",
            "vocabulary": "data_category",
            "label": "SIP trunk identifier",
        },
        "party": {
            "key": "carrier-ca",
            "organisation": ORGANISATION,
            "name": "Maple Voice Networks Inc.",
            "role": "processor",
            "country": "CA",
            "contract": {"reference": "DPA-2026-021", "signed_on": "2026-11-02"},
        },
        "system": {
            "key": "voicemail-store",
            "organisation": ORGANISATION,
            "name": "Voicemail store",
            "type": "database",
            "hosting_country": "DE",
        },
        "activity": activity,
        "processor_record": {
            "key": "wholesale-voice",
            "organisation": ORGANISATION,
            "controller": {"name": "Reseller Telecom GmbH", "email": "privacy@reseller.example"},
            "processing_categories": ["Call routing for the reseller's subscribers"],
            "security_measures": ["TLS on SIP signalling"],
        },
        "flow": flow,
        "waiver": {
            "finding": WAIVED,
            "reason": "Review of the analytics record is planned with the next app release.",
        },
    }


def _new_key(kind: str, body: dict[str, Any]) -> str:
    return "record-stale-activity-app-analytics" if kind == "waiver" else body["key"]


def add_examples(spec: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI document with examples in its schemas and operations (once)."""
    data = registry()
    if data is None or spec.get("x-examples-from"):
        return spec
    spec["x-examples-from"] = "examples/softphone-provider.yaml"
    schemas = spec.get("components", {}).get("schemas", {})
    new = new_entities(data)
    for kind, spec_ in KINDS.items():
        name = spec_.type.__name__
        example = _entity(data, kind, EXISTING[kind]) if kind in EXISTING else new[kind]
        if kind == "waiver":
            example = _waiver(new["waiver"])
        _schema_example(schemas, name, example)
        _schema_example(
            schemas, f"{name}Page", {"items": [example], "total": 1, "next_after": None}
        )
    _schema_example(schemas, "WaiverDraft", new["waiver"])
    _schema_example(schemas, "ProblemDetails", PROBLEM)
    _schema_example(schemas, "Problem", PROBLEM["errors"][0])
    for schema in schemas.values():
        for field, prop in (schema.get("properties") or {}).items():
            if field in FIELD_HELP and "$ref" not in prop:
                prop["description"] = FIELD_HELP[field]
    _operations(spec, data, new)
    return spec


def _schema_example(schemas: dict[str, Any], name: str, example: Any) -> None:
    schema = schemas.get(name)
    if schema is None:
        return
    schema["examples"] = [example]
    if isinstance(example, dict):
        for field, value in example.items():
            prop = (schema.get("properties") or {}).get(field)
            if prop is not None and "$ref" not in prop and not isinstance(value, dict | list):
                prop["examples"] = [value]


def _set_parameter(operation: dict[str, Any], name: str, value: Any) -> None:
    for parameter in operation.get("parameters", []):
        if parameter.get("name") == name:
            parameter["example"] = value


def _set_body(operation: dict[str, Any], body: Any) -> None:
    for media in (operation.get("requestBody") or {}).get("content", {}).values():
        media["example"] = body


def _operations(spec: dict[str, Any], data: dict[str, Any], new: dict[str, Any]) -> None:
    by_id = {
        op["operationId"]: op
        for item in spec.get("paths", {}).values()
        for op in item.values()
        if isinstance(op, dict) and "operationId" in op
    }

    def op(operation_id: str) -> dict[str, Any]:
        return by_id.get(operation_id, {})

    for kind, spec_ in KINDS.items():
        fresh = new[kind]
        existing = EXISTING.get(kind, _new_key(kind, fresh))
        _set_parameter(op(f"list_{spec_.collection}"), "organisation", ORGANISATION)
        _set_body(op(f"create_{kind}"), fresh)
        _set_parameter(op(f"get_{kind}"), "key", existing)
        replace = op(f"replace_{kind}")
        _set_parameter(replace, "key", existing)
        _set_parameter(replace, "If-Match", '"v1"')
        if kind == "waiver":
            body = _waiver(fresh)
        elif kind in EXISTING:
            body = _entity(data, kind, existing)
        else:
            body = copy.deepcopy(fresh)
        body = _changed(kind, body)
        _set_body(replace, body)
        patch = op(f"patch_{kind}")
        patched = PATCHED.get(kind, _new_key(kind, fresh))
        _set_parameter(patch, "key", patched)
        _set_parameter(patch, "If-Match", '"v1"' if patched != existing else '"v2"')
        _set_body(patch, PATCHES[kind])
        delete = op(f"delete_{kind}")
        _set_parameter(delete, "key", _new_key(kind, fresh))
        _set_parameter(delete, "If-Match", "*")
    _set_parameter(op("list_findings"), "organisation", ORGANISATION)
    _set_parameter(op("data_category_lineage"), "category", "push_token")
    _set_parameter(op("party_impact"), "key", "google-fcm")
    _set_parameter(op("party_breach_impact"), "key", "google-fcm")
    _set_parameter(op("erasure_parties"), "category", "app_users")
    _set_parameter(op("export_registry"), "organisation", ORGANISATION)
    _set_parameter(op("diff_registry"), "from", "1")
    _set_parameter(op("export_article30_workbook"), "organisation", ORGANISATION)
    _set_parameter(op("export_article30_pdf"), "organisation", ORGANISATION)
    _set_parameter(op("data_map"), "organisation", ORGANISATION)
    diagram = op("render_diagram")
    _set_parameter(diagram, "name", "organisation.dot")
    _set_parameter(diagram, "organisation", ORGANISATION)
    _set_body(op("create_token"), {"name": "dpo-laptop", "role": "dpo"})
    _set_parameter(op("revoke_token"), "name", "dpo-laptop")
    _set_parameter(op("render_notice"), "key", ORGANISATION)
    _set_parameter(op("check_notice"), "key", ORGANISATION)
    _set_body(
        op("check_notice"),
        "Sprechwerk Telefonie GmbH runs your account and bills you under our contract with you "
        "(Art 6(1)(b) GDPR). Our data protection officer: dpo@sprechwerk.example.",
    )
    _set_parameter(op("import_sheet"), "organisation", ORGANISATION)
    _set_parameter(op("import_sheet"), "dry_run", True)
    importer = op("import_registry")
    _set_body(importer, data)
    _set_parameter(importer, "dry_run", True)


def _waiver(draft: dict[str, Any]) -> dict[str, Any]:
    return {
        "key": "record-stale-activity-app-analytics",
        "organisation": ORGANISATION,
        **draft,
        "accepted_by": "Dana Weber",
        "accepted_on": dt.date.today().isoformat(),
        "expires_on": (dt.date.today() + dt.timedelta(days=180)).isoformat(),
    }


def _changed(kind: str, body: dict[str, Any]) -> dict[str, Any]:
    """A replace example: the whole entry with one thing changed."""
    field = {
        "organisation": "notes",
        "term": "description",
        "party": "description",
        "system": "description",
        "activity": "notes",
        "processor_record": "notes",
        "flow": "purpose",
        "waiver": "reason",
    }[kind]
    return body | {field: "Checked with the DPO on 2026-12-01."}


class ExampleJsonRenderPlugin(JsonRenderPlugin):
    """Serves /schema/openapi.json with the examples added."""

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        return super().render(request, add_examples(openapi_schema))
