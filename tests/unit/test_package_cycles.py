"""No import cycle between the packages under ``shared/`` (``shared/identity``, ``shared/cases``, …).

A cycle means no package can be understood, tested or moved without the others. Only module-level
imports count (they run at import time); imports under ``if TYPE_CHECKING:`` and inside functions
do not. A lower package that needs a step of a higher one takes it as a parameter instead
(e.g. ``onboarding.confirm_totp(..., join_case=participants.activate)``).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared"
PACKAGES = frozenset(p.name for p in SHARED.iterdir() if (p / "__init__.py").is_file())

Edges = dict[tuple[str, str], set[str]]


def _module_level_imports(tree: ast.Module) -> Iterator[ast.Import | ast.ImportFrom]:
    pending: list[ast.stmt] = list(tree.body)
    while pending:
        node = pending.pop(0)
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If):
            if not (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"):
                pending.extend(node.body + node.orelse)
        elif isinstance(node, ast.Try):
            pending.extend(node.body + node.orelse + node.finalbody)
            for handler in node.handlers:
                pending.extend(handler.body)


def _package(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "shared" and parts[1] in PACKAGES else None


def _imported_modules(node: ast.Import | ast.ImportFrom, here: list[str]) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:  # relative: resolve against this module's package
        base = ".".join(here[: len(here) - node.level] + ([node.module] if node.module else []))
    else:
        base = node.module or ""
    # ``from shared import cases`` imports the package ``shared.cases``.
    return [base, *(f"{base}.{alias.name}" for alias in node.names)]


def package_edges() -> Edges:
    edges: Edges = {}
    for path in sorted(SHARED.glob("*/**/*.py")):
        source = path.relative_to(SHARED).parts[0]
        if source not in PACKAGES:
            continue
        here = ["shared", *path.relative_to(SHARED).with_suffix("").parts]
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in _module_level_imports(tree):
            for module in _imported_modules(node, here):
                target = _package(module)
                if target is not None and target != source:
                    edges.setdefault((source, target), set()).add(str(path.relative_to(SHARED.parent)))
    return edges


def cycles(edges: Edges) -> list[list[str]]:
    """The strongly connected components with more than one package (Tarjan)."""
    graph: dict[str, set[str]] = {}
    for source, target in edges:
        graph.setdefault(source, set()).add(target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component: list[str] = []
            while not component or component[-1] != node:
                component.append(stack.pop())
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def shortest_cycle(edges: Edges, component: list[str]) -> list[str]:
    """One shortest cycle inside ``component`` (breadth first from each of its packages)."""
    best: list[str] = []
    for start in component:
        paths = {start: [start]}
        queue = [start]
        while queue:
            node = queue.pop(0)
            for source, target in sorted(edges):
                if source != node or target not in component:
                    continue
                if target == start:
                    if not best or len(paths[node]) < len(best):
                        best = paths[node]
                    queue = []
                    break
                if target not in paths:
                    paths[target] = [*paths[node], target]
                    queue.append(target)
    return best


def test_the_packages_under_shared_import_each_other_without_cycles() -> None:
    edges = package_edges()
    described = []
    for component in cycles(edges):
        loop = shortest_cycle(edges, component)
        steps = zip(loop, [*loop[1:], loop[0]], strict=True)
        described.append(
            f"{' -> '.join([*loop, loop[0]])} (all of {', '.join(component)} are tied):\n"
            + "\n".join(f"  {a} -> {b}: {', '.join(sorted(edges[a, b]))}" for a, b in steps)
        )
    assert not described, "packages that import each other in a cycle:\n" + "\n".join(described)


def test_the_check_sees_a_cycle() -> None:
    edges: Edges = {("cases", "identity"): {"a"}, ("identity", "cases"): {"b"}, ("cases", "audit"): {"c"}}
    assert cycles(edges) == [["cases", "identity"]]
    assert shortest_cycle(edges, ["cases", "identity"]) == ["cases", "identity"]
    assert ("cases", "identity") in package_edges(), "the walk finds the imports it should"
