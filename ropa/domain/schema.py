"""The JSON Schema of the registry document, generated from the model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec

from ropa.domain.model import RegistryDocument
from ropa.domain.vocabulary import schema_dir

SCHEMA_ID = "https://ropa.invalid/schema/registry.schema.json"


def registry_schema() -> dict[str, Any]:
    schema = msgspec.json.schema(RegistryDocument)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "ropa registry document",
        "description": "A registry of processing activities (GDPR Art 30), or one organisation's "
        "part of it. Generated from ropa.domain.model; do not edit by hand.",
        **schema,
    }


def registry_schema_text() -> str:
    return json.dumps(registry_schema(), indent=2, ensure_ascii=False) + "\n"


def registry_schema_path() -> Path:
    return schema_dir() / "registry.schema.json"
