"""Route templates and the route table, with the Functions host's (ASP.NET's) rules.

Why not a router library: the point of the dev host is to pick the *same* function that Azure
would, so the rules are spelled out here. A template is ``/``-separated segments; each is a
literal (case-insensitive), a parameter ``{name}`` (optionally ``{name:int}``, ``{name?}``,
``{name=default}``) or, last, a catch-all ``{*name}``. Routes are tried in precedence order,
segment by segment: literal, then constrained parameter, then parameter, then catch-all. A route
only matches when the method matches too, so a literal GET route does not shadow a POST on a
parameter route; 405 is reported only when some route matches the path but none the method.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, TypeVar

__all__ = ["Route", "RouteTable", "Segment", "parse_template"]

log = logging.getLogger("devhost.routing")
T = TypeVar("T")

_INT32, _INT64 = 2**31, 2**63
_INTEGER = re.compile(r"[+-]?\d+")
_ALPHA = re.compile(r"[A-Za-z]+")


def _in(low: int, high: int) -> Callable[[str], bool]:
    return lambda v: bool(_INTEGER.fullmatch(v)) and low <= int(v) < high


def _is_float(value: str) -> bool:
    try:
        return float(value) not in (float("inf"), float("-inf")) and value.lower() != "nan"
    except ValueError:
        return False


def _is_guid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _is_datetime(value: str) -> bool:
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


# Constraints without arguments, and the ones with (their arguments come as strings).
_SIMPLE: dict[str, Callable[[str], bool]] = {
    "int": _in(-_INT32, _INT32),
    "long": _in(-_INT64, _INT64),
    "alpha": lambda v: bool(_ALPHA.fullmatch(v)),
    "bool": lambda v: v.lower() in {"true", "false"},
    "guid": _is_guid,
    "double": _is_float,
    "float": _is_float,
    "decimal": _is_float,
    "datetime": _is_datetime,
}
_WITH_ARGS: dict[str, Callable[[str, list[str]], bool]] = {
    "min": lambda v, a: _in(int(a[0]), _INT64)(v),
    "max": lambda v, a: _in(-_INT64, int(a[0]) + 1)(v),
    "range": lambda v, a: _in(int(a[0]), int(a[1]) + 1)(v),
    "minlength": lambda v, a: len(v) >= int(a[0]),
    "maxlength": lambda v, a: len(v) <= int(a[0]),
    "length": lambda v, a: len(v) == int(a[0]) if len(a) == 1 else int(a[0]) <= len(v) <= int(a[1]),
    "regex": lambda v, a: re.search(a[0], v, re.IGNORECASE) is not None,  # unanchored, as in ASP.NET
}
_CONSTRAINT = re.compile(r"(?P<name>\w+)(?:\((?P<args>.*)\))?$", re.DOTALL)

LITERAL, CONSTRAINED, PARAMETER, CATCH_ALL = 1, 3, 4, 5  # ASP.NET's inbound precedence digits


@dataclass(frozen=True)
class Segment:
    """One template segment. ``checks`` are the parameter's constraints, all of which must pass."""

    kind: int
    text: str  # the literal, or the parameter's name
    optional: bool = False
    default: str | None = None
    checks: tuple[Callable[[str], bool], ...] = ()

    def accepts(self, value: str) -> bool:
        if self.kind == LITERAL:
            return value.lower() == self.text.lower()
        return bool(value) and all(check(value) for check in self.checks)


def _split_top(text: str, sep: str) -> list[str]:
    """Split on ``sep`` outside parentheses, so ``regex(a:b)`` stays one constraint."""
    parts, depth, current = [], 0, ""
    for char in text:
        depth += (char == "(") - (char == ")")
        if char == sep and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current]


def _bind(check: Callable[[str, list[str]], bool], args: list[str]) -> Callable[[str], bool]:
    return lambda value: check(value, args)


def _parameter(body: str, template: str) -> Segment:
    kind = CATCH_ALL if body.startswith("*") else PARAMETER
    body = body.lstrip("*")
    optional = body.endswith("?")
    body = body.removesuffix("?")
    body, *defaults = _split_top(body, "=")
    default = "=".join(defaults) if defaults else None
    name, *constraints = _split_top(body, ":")
    if not re.fullmatch(r"[A-Za-z_][\w.-]*", name):
        raise ValueError(f"route {template!r}: {name!r} is not a valid parameter name")
    checks: list[Callable[[str], bool]] = []
    for text in constraints:
        found = _CONSTRAINT.match(text)
        key = found["name"].lower() if found else text
        if found and found["args"] is None and key in _SIMPLE:
            checks.append(_SIMPLE[key])
        elif found and found["args"] is not None and key in _WITH_ARGS:
            raw = found["args"]
            check = _bind(_WITH_ARGS[key], [raw] if key == "regex" else [a.strip() for a in raw.split(",")])
            try:
                check("0")  # malformed arguments fail here, at start-up, not on a request
            except (ValueError, IndexError, re.error) as error:
                raise ValueError(f"route {template!r}: constraint {text!r} is malformed: {error}") from None
            checks.append(check)
        else:
            log.warning("route %r: constraint %r is not known to the dev host; ignored", template, text)
    if checks and kind == PARAMETER:
        kind = CONSTRAINED
    return Segment(kind, name, optional or default is not None, default, tuple(checks))


def parse_template(template: str) -> tuple[Segment, ...]:
    """Parse a route template (leading and trailing ``/`` ignored); ``ValueError`` if malformed."""
    segments: list[Segment] = []
    raw = template.strip("/").split("/") if template.strip("/") else []
    for index, text in enumerate(raw):
        body = text[1:-1] if text.startswith("{") and text.endswith("}") else None
        if body is not None and not re.search(r"[{}]", body.replace("{{", "").replace("}}", "")):
            # a regex constraint writes its braces doubled, as in ASP.NET: regex(^\\d{{4}}$)
            segment = _parameter(body.replace("{{", "{").replace("}}", "}"), template)
        elif "{" in text or "}" in text:
            raise ValueError(f"route {template!r}: segment {text!r} mixes text and parameters (unsupported)")
        elif not text:
            raise ValueError(f"route {template!r}: empty segment")
        else:
            segment = Segment(LITERAL, text)
        if segment.kind == CATCH_ALL and index != len(raw) - 1:
            raise ValueError(f"route {template!r}: a catch-all parameter must be the last segment")
        if segments and segments[-1].optional and not (segment.optional or segment.kind == CATCH_ALL):
            raise ValueError(f"route {template!r}: only the last segments may be optional")
        segments.append(segment)
    names = [s.text for s in segments if s.kind != LITERAL]
    if len(set(n.lower() for n in names)) != len(names):
        raise ValueError(f"route {template!r}: a parameter name is used twice")
    return tuple(segments)


def _match(segments: tuple[Segment, ...], parts: list[str]) -> dict[str, str] | None:
    values: dict[str, str] = {}
    for index, segment in enumerate(segments):
        if segment.kind == CATCH_ALL:
            rest = "/".join(parts[index:])
            if rest or segment.default is not None:
                values[segment.text] = rest or str(segment.default)
            return values
        if index >= len(parts):
            if not segment.optional:
                return None
            if segment.default is not None:
                values[segment.text] = segment.default
            continue
        if not segment.accepts(parts[index]):
            return None
        if segment.kind != LITERAL:
            values[segment.text] = parts[index]
    return values if len(parts) <= len(segments) else None


@dataclass(frozen=True)
class Route(Generic[T]):
    template: str
    methods: frozenset[str] | None  # None: every method
    target: T
    segments: tuple[Segment, ...] = field(default=())

    @property
    def precedence(self) -> tuple[int, ...]:
        return tuple(s.kind for s in self.segments)


@dataclass
class RouteTable(Generic[T]):
    """Routes kept in precedence order (ties: registration order)."""

    routes: list[Route[T]] = field(default_factory=list)

    def add(self, template: str, methods: Iterable[str] | None, target: T) -> Route[T]:
        allowed = frozenset(m.upper() for m in methods) if methods else None
        route = Route(template.strip("/"), allowed, target, parse_template(template))
        self.routes.append(route)
        self.routes.sort(key=lambda r: r.precedence)  # stable: equal precedence keeps order
        return route

    def match(self, method: str, path: str) -> tuple[Route[T], dict[str, str]] | set[str] | None:
        """The winning route and its values; else the methods the path allows (405); else None."""
        parts = path.strip("/").split("/") if path.strip("/") else []
        allowed: set[str] = set()
        for route in self.routes:
            values = _match(route.segments, parts)
            if values is None:
                continue
            if route.methods is None or method.upper() in route.methods:
                return route, values
            allowed |= route.methods
        return allowed or None
