"""The JSON Schema of standards (standards/schema.json): editors validate YAML as it is typed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from autopass.settings import Settings
from autopass.standards.specs import DocumentSpec, Standard

SCHEMA_FILE = "schema.json"


def json_schema() -> dict[str, Any]:
    """JSON Schema of standards and document specs, for editors (standards/schema.json)."""
    standard = Standard.model_json_schema()
    document = DocumentSpec.model_json_schema()
    definitions = {**standard.pop("$defs", {}), **document.pop("$defs", {})}
    definitions["Standard"] = standard
    definitions["DocumentSpec"] = document
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Autopass standards",
        "description": "A product standard (standards/<product>.yaml) or a document spec "
        "(standards/documents/<type>.yaml).",
        "anyOf": [{"$ref": "#/$defs/Standard"}, {"$ref": "#/$defs/DocumentSpec"}],
        "$defs": definitions,
    }


def schema_text() -> str:
    """schema.json exactly as written to disk (a test compares it)."""
    return json.dumps(json_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write_schema(settings: Settings) -> Path:
    path = settings.standards_dir / SCHEMA_FILE
    path.write_text(schema_text(), encoding="utf-8")
    return path
