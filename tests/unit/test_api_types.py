"""The web app's API types (web/src/lib/api-types.ts) are generated from the OpenAPI document by
scripts/render_api_types.py and checked in: this fails while they are stale, and pins how the
renderer maps the JSON Schema that pydantic writes to TypeScript."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from functions.openapi import document

ROOT = Path(__file__).resolve().parents[2]


def _renderer() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "render_api_types", ROOT / "scripts" / "render_api_types.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("render_api_types", module)
    spec.loader.exec_module(module)
    return module


def test_the_checked_in_types_are_current() -> None:
    renderer = _renderer()
    current = renderer.TARGET.read_text(encoding="utf-8")
    assert current == renderer.render(document()), (
        "web/src/lib/api-types.ts is stale: run `make docs` (scripts/render_api_types.py)"
    )


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        ({"type": "string", "maxLength": 3}, "string"),
        ({"type": "integer", "minimum": 0}, "number"),
        ({"anyOf": [{"type": "string", "format": "date"}, {"type": "null"}]}, "string | null"),
        ({"enum": ["open", "closed"], "type": "string"}, '"open" | "closed"'),
        ({"const": "second_factor", "type": "string"}, '"second_factor"'),
        ({"type": "array", "items": {"$ref": "#/components/schemas/Grant"}}, "Grant[]"),
        ({"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "null"}]}}, "(string | null)[]"),
        ({"type": "object", "additionalProperties": {"type": "integer"}}, "Record<string, number>"),
        ({"type": "object", "additionalProperties": True}, "Record<string, unknown>"),
        ({}, "unknown"),
    ],
)
def test_json_schema_maps_to_typescript(schema: dict[str, object], expected: str) -> None:
    assert _renderer().ts_type(schema) == expected


def test_an_object_lists_required_and_optional_fields_with_their_descriptions() -> None:
    rendered = _renderer().ts_type(
        {
            "type": "object",
            "properties": {
                "caseId": {"type": "string", "description": "The case"},
                "reflection-Series": {"type": "boolean"},
            },
            "required": ["caseId"],
        }
    )
    assert rendered == '{\n  /** The case */\n  caseId: string;\n  "reflection-Series"?: boolean;\n}'


def test_a_keyword_the_renderer_does_not_know_fails_the_run() -> None:
    with pytest.raises(ValueError, match="patternProperties"):
        _renderer().ts_type({"type": "object", "patternProperties": {"^x": {"type": "string"}}})


def _reference() -> ModuleType:
    _renderer()  # the reference imports the type notation from it
    spec = importlib.util.spec_from_file_location(
        "render_api_reference", ROOT / "scripts" / "render_api_reference.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_api_reference_is_current_and_links_every_error_to_its_problem_pages() -> None:
    reference = _reference()
    text = reference.render(document())
    assert reference.TARGET.read_text(encoding="utf-8") == text, (
        "docs/api.md is stale: run `make docs` (scripts/render_api_reference.py)"
    )
    operations = sum(len(methods) for methods in document()["paths"].values())
    assert text.count("\n### `") == operations
    assert text.count("see [the problem codes](problems/README.md)") == operations
    assert (ROOT / "docs" / "problems" / "README.md").is_file()
