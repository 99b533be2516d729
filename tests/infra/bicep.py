"""A read-only model of the parsed Bicep files (pycep JSON), enough to answer the questions the
tests ask: which resources exist, what a property is set to, and which literal values a parameter
or variable can take once module calls are followed back to infra/main.bicep.

pycep writes identifiers and string literals alike as plain strings; a string is read as an
identifier when it names a parameter or variable of its file, else as a literal.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

ENTRY = "main.bicep"


class Unresolved(str):
    """A value the model cannot reduce to literals (a runtime property, a function call...)."""


@dataclass(frozen=True)
class Resource:
    file: str
    symbol: str
    type: str
    existing: bool
    config: dict[str, Any]  # the resource body, with loops and conditions unwrapped
    looped: bool
    conditional: bool
    api_version: str = ""

    def get(self, dotted: str) -> Any:
        """Property by dotted path (``properties.siteConfig.ftpsState``); KeyError if absent."""
        node: Any = self.config
        for key in dotted.split("."):
            node = node[key]
        return node


def unwrap(config: dict[str, Any]) -> tuple[dict[str, Any], bool, bool]:
    """Strip pycep's ``for`` / ``if`` wrappers: (body, looped, conditional)."""
    looped = conditional = False
    while isinstance(config.get("config"), dict) and ("loop_type" in config or "condition" in config):
        looped = looped or "loop_type" in config
        conditional = conditional or config.get("condition") is not None
        config = config["config"]
    return config, looped, conditional


class BicepProject:
    def __init__(self, files: dict[str, dict[str, Any]]) -> None:
        self.files = files

    # -- resources ------------------------------------------------------------------------------

    def resources(self, type_: str | None = None, *, include_existing: bool = False) -> list[Resource]:
        found = []
        for file, doc in sorted(self.files.items()):
            for symbol, raw in doc.get("resources", {}).items():
                if raw.get("existing") and not include_existing:
                    continue
                if type_ is not None and raw["type"].lower() != type_.lower():
                    continue
                body, looped, conditional = unwrap(raw["config"])
                found.append(
                    Resource(
                        file,
                        symbol,
                        raw["type"],
                        bool(raw.get("existing")),
                        body,
                        looped,
                        conditional,
                        str(raw.get("api_version", "")),
                    )
                )
        return found

    def only(self, type_: str, file: str | None = None) -> Resource:
        matches = [r for r in self.resources(type_) if file is None or r.file == file]
        assert len(matches) == 1, f"expected one {type_}{' in ' + file if file else ''}, found {matches}"
        return matches[0]

    def symbol(self, file: str, symbol: str) -> Resource:
        matches = [r for r in self.resources(include_existing=True) if r.file == file and r.symbol == symbol]
        assert matches, f"no resource {symbol} in {file}"
        return matches[0]

    # -- values ---------------------------------------------------------------------------------

    def variable(self, file: str, name: str) -> Any:
        return self.files[file]["variables"][name]["value"]

    def parameter(self, file: str, name: str) -> dict[str, Any]:
        return dict(self.files[file]["parameters"][name])

    def decorator(self, file: str, param: str, kind: str) -> Any:
        for decorator in self.parameter(file, param)["decorators"]:
            if decorator["type"] == kind:
                return decorator["argument"]
        return None

    def resolve(self, file: str, expr: Any) -> set[Any]:
        """Every literal ``expr`` can take: parameters are followed to the module calls that set
        them (or to their @allowed list / default in main.bicep), variables to their value."""
        if expr is None or isinstance(expr, bool | int | float):
            return {expr}
        if isinstance(expr, str):
            doc = self.files[file]
            if expr in doc.get("parameters", {}):
                return self._resolve_parameter(file, expr)
            if expr in doc.get("variables", {}):
                return self.resolve(file, doc["variables"][expr]["value"])
            return {expr}
        return {Unresolved(repr(expr))}

    def follow(self, file: str, expr: Any) -> Any:
        """The one value ``expr`` stands for (lists and objects included), following identifiers
        through variables and single module calls; fails where several values are possible."""
        values = self.resolve(file, expr)
        if len(values) == 1 and not isinstance(next(iter(values)), Unresolved):
            return next(iter(values))
        if isinstance(expr, str):
            doc = self.files[file]
            if expr in doc.get("variables", {}):
                return self.follow(file, doc["variables"][expr]["value"])
            if expr in doc.get("parameters", {}):
                calls = [
                    (caller, params[expr]) for caller, params in self.module_calls(file) if expr in params
                ]
                assert len(calls) == 1, f"{file}:{expr} is set by {len(calls)} module calls"
                return self.follow(*calls[0])
        assert not isinstance(expr, str), f"{file}: {expr!r} has several values: {values}"
        return expr

    def _resolve_parameter(self, file: str, name: str) -> set[Any]:
        param = self.parameter(file, name)
        callers = list(self.module_calls(file))
        if not callers:  # an entry point: what the deployer may pass
            allowed = self.decorator(file, name, "allowed")
            if allowed:
                return set(allowed)
            if param.get("default") is not None:
                return self.resolve(file, param["default"])
            return {Unresolved(f"{file}:{name} has neither @allowed nor a default")}
        values: set[Any] = set()
        for caller_file, params in callers:
            if name in params:
                values |= self.resolve(caller_file, params[name])
            elif param.get("default") is not None:
                values |= self.resolve(file, param["default"])
            else:
                values.add(Unresolved(f"{caller_file} calls {file} without {name}"))
        return values

    def module_calls(self, target: str) -> Iterator[tuple[str, dict[str, Any]]]:
        """(calling file, params) for every ``module`` statement that deploys ``target``."""
        for file, doc in self.files.items():
            for module in doc.get("modules", {}).values():
                path = posixpath.normpath(posixpath.join(posixpath.dirname(file), module["detail"]["path"]))
                if path == target:
                    body, _, _ = unwrap(module["config"])
                    yield file, body.get("params", {})

    def walk(self) -> Iterator[tuple[str, str, Any]]:
        """(file, dotted path, node) for every node of every file."""

        def visit(file: str, path: str, node: Any) -> Iterator[tuple[str, str, Any]]:
            yield file, path, node
            if isinstance(node, dict):
                for key, child in node.items():
                    yield from visit(file, f"{path}.{key}" if path else str(key), child)
            elif isinstance(node, list):
                for index, child in enumerate(node):
                    yield from visit(file, f"{path}[{index}]", child)

        for file, doc in sorted(self.files.items()):
            yield from visit(file, "", doc)


def dotted(expr: Any) -> str:
    """A property access as text: pycep's nested accessors → 'vault.identity.principalId'."""
    parts = []
    while isinstance(expr, dict) and expr.get("operator", {}).get("type") == "property_accessor":
        operands = expr["operator"]["operands"]
        parts.append(str(operands["operand_1"]))
        expr = operands["operand_2"]
    return ".".join([*parts, str(expr)])


def role_definition_guid(project: BicepProject, assignment: Resource) -> str:
    """The role a roleAssignments resource grants: the built-in role id
    (``subscriptionResourceId(..., <var>)``), or ``custom:<symbol>`` for a custom role defined in
    the same file (``subscriptionResourceId(..., <roleDefinition>.name)``)."""
    call = assignment.get("properties.roleDefinitionId")["function"]
    assert call["type"] == "subscription_resource_id", call
    assert call["parameters"]["resource_type"] == "Microsoft.Authorization/roleDefinitions", call
    name = call["parameters"]["resource_name_1"]
    if isinstance(name, dict):
        symbol, _, attribute = dotted(name).partition(".")
        definition = project.symbol(assignment.file, symbol)
        assert attribute == "name" and definition.type == "Microsoft.Authorization/roleDefinitions", name
        return f"custom:{symbol}"
    (guid,) = project.resolve(assignment.file, name)
    return str(guid)
