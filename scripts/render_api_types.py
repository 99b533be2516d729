"""Render ``web/src/lib/api-types.ts`` from the OpenAPI document (functions/openapi.py).

The web app's view of the API's shapes is generated, not written by hand: every schema of the
document becomes a TypeScript type, and ``Paths`` maps each path and method to its body, query
and answers, so a route whose shape changes breaks ``tsc`` (the web build), not the user.

Why our own renderer and not ``openapi-typescript``: that tool needs TypeScript 5's compiler API,
and the web app is on TypeScript 7 (the native compiler, without that API) — see
docs/decisions/035. The document uses a small part of JSON Schema (what pydantic emits), so
the mapping below is short and covers all of it; a keyword it does not know fails the run.

Run by ``make docs``; ``--check`` exits 1 if the checked-in file is not what it would write
(tests/unit/test_api_types.py runs the same comparison)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "web" / "src" / "lib" / "api-types.ts"

_IDENTIFIER = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")
#: Keywords that only constrain values (lengths, ranges, formats): TypeScript cannot say them.
_CONSTRAINTS = frozenset(
    {
        "title",
        "description",
        "default",
        "format",
        "maxLength",
        "minLength",
        "maximum",
        "minimum",
        "exclusiveMaximum",
        "exclusiveMinimum",
        "maxItems",
        "minItems",
        "pattern",
        "examples",
        "uniqueItems",
        "multipleOf",
        "minProperties",
        "maxProperties",
        "readOnly",
        "writeOnly",
        "deprecated",
    }
)
_SHAPES = frozenset(
    {"$ref", "anyOf", "oneOf", "allOf", "enum", "const", "type", "items", "properties", "required"}
    | {"additionalProperties", "prefixItems"}
)


def _name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _key(name: str) -> str:
    return name if _IDENTIFIER.match(name) else json.dumps(name)


def _literal(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _doc(text: str | None, indent: str) -> list[str]:
    if not text:
        return []
    lines = text.strip().replace("*/", "* /").splitlines()
    if len(lines) == 1:
        return [f"{indent}/** {lines[0].strip()} */"]
    return [f"{indent}/**", *(f"{indent} * {line.strip()}".rstrip() for line in lines), f"{indent} */"]


def _union(parts: list[str]) -> str:
    unique = list(dict.fromkeys(parts))
    return " | ".join(unique) if unique else "never"


def _array_of(item: str) -> str:
    return f"({item})[]" if " " in item and not item.startswith("{") else f"{item}[]"


def ts_type(schema: Any, indent: str = "") -> str:  # noqa: PLR0911, PLR0912 - one branch per keyword
    """The TypeScript type of one JSON schema (as pydantic writes them)."""
    if schema is True or schema == {}:
        return "unknown"
    unknown = set(schema) - _CONSTRAINTS - _SHAPES
    if unknown:
        raise ValueError(f"keyword(s) the renderer does not know: {sorted(unknown)} in {schema}")
    if "$ref" in schema:
        return _name(schema["$ref"])
    for combinator in ("anyOf", "oneOf"):
        if combinator in schema:
            return _union([ts_type(option, indent) for option in schema[combinator]])
    if "allOf" in schema:
        return " & ".join(ts_type(part, indent) for part in schema["allOf"])
    if "const" in schema:
        return _literal(schema["const"])
    if "enum" in schema:
        return _union([_literal(value) for value in schema["enum"]])
    kind = schema.get("type")
    if isinstance(kind, list):
        return _union([ts_type({**schema, "type": one}, indent) for one in kind])
    if kind == "string":
        return "string"
    if kind in ("integer", "number"):
        return "number"
    if kind == "boolean":
        return "boolean"
    if kind == "null":
        return "null"
    if kind == "array":
        if "prefixItems" in schema:
            return "[" + ", ".join(ts_type(item, indent) for item in schema["prefixItems"]) + "]"
        return _array_of(ts_type(schema.get("items", {}), indent))
    if kind == "object" or "properties" in schema:
        return _object(schema, indent)
    return "unknown"


def _object(schema: dict[str, Any], indent: str) -> str:
    properties: dict[str, Any] = schema.get("properties", {})
    extra = schema.get("additionalProperties")
    if not properties:
        if isinstance(extra, dict):
            return f"Record<string, {ts_type(extra, indent)}>"
        return "Record<string, unknown>"
    required = set(schema.get("required", []))
    inner = indent + "  "
    lines = ["{"]
    for name, prop in properties.items():
        lines += _doc(prop.get("description") if isinstance(prop, dict) else None, inner)
        optional = "" if name in required else "?"
        lines.append(f"{inner}{_key(name)}{optional}: {ts_type(prop, inner)};")
    if isinstance(extra, dict):
        lines.append(f"{inner}[key: string]: {ts_type(extra, inner)};")
    lines.append(indent + "}")
    return "\n".join(lines)


def _content_type(content: dict[str, Any] | None) -> str:
    if not content:
        return "null"
    media, spec = next(iter(content.items()))
    if media == "application/json" or media.endswith("+json"):
        return ts_type(spec["schema"], "      ")
    if media == "multipart/form-data":
        return "FormData"
    if media.startswith("text/"):
        return "string"
    return "Blob"


def _paths(document: dict[str, Any]) -> list[str]:
    lines = [
        "/** Every path and method of the API: its body, query and answers by status (errors: Problem). */",
        "export interface Paths {",
    ]
    for path, methods in document["paths"].items():
        lines.append(f"  {json.dumps(path)}: {{")
        for method, operation in methods.items():
            lines.append(f"    {method}: {{")
            body = operation.get("requestBody")
            if body is not None:
                lines.append(f"      body: {_content_type(body['content'])};")
            query = [p for p in operation.get("parameters", []) if p["in"] == "query"]
            if query:
                fields = [
                    f"{_key(p['name'])}{'' if p.get('required') else '?'}: {ts_type(p['schema'])}"
                    for p in query
                ]
                lines.append(f"      query: {{ {'; '.join(fields)} }};")
            answers = []
            for status, answer in operation["responses"].items():
                if status == "default" or "$ref" in answer:
                    continue
                answers.append(f"{status}: {_content_type(answer.get('content'))}")
            lines.append(f"      responses: {{ {'; '.join(answers)} }};")
            lines.append("    };")
        lines.append("  };")
    lines.append("}")
    return lines


def render(document: dict[str, Any]) -> str:
    """The whole file for ``document``."""
    out = [
        "// GENERATED by scripts/render_api_types.py from the OpenAPI document (GET /api/openapi.json).",
        "// Do not edit: change the route's models, then run `make docs`. tests/unit/test_api_types.py",
        "// fails while this file is stale.",
        "/* eslint-disable */",
        "",
    ]
    for name, schema in sorted(document["components"]["schemas"].items()):
        out += _doc(schema.get("description"), "")
        rendered = ts_type(schema)
        if rendered.startswith("{"):
            out.append(f"export interface {name} {rendered}")
        else:
            out.append(f"export type {name} = {rendered};")
        out.append("")
    out += _paths(document)
    out += [
        "",
        "/** The answer of ``method`` on ``path`` with ``status`` (200 unless said). */",
        "export type AnswerOf<",
        "  P extends keyof Paths,",
        "  M extends keyof Paths[P],",
        "  S extends number = 200,",
        "> = Paths[P][M] extends { responses: infer R } ? (S extends keyof R ? R[S] : never) : never;",
        "",
        "/** The request body of ``method`` on ``path``. */",
        "export type BodyOf<P extends keyof Paths, M extends keyof Paths[P]> = Paths[P][M] extends {",
        "  body: infer B;",
        "}",
        "  ? B",
        "  : never;",
        "",
    ]
    return "\n".join(out)


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(ROOT))
    from functions.openapi import document  # noqa: PLC0415 - after sys.path

    text = render(document())
    if "--check" in argv:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != text:
            print(f"{TARGET.relative_to(ROOT)} is stale: run `make docs`", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
