"""Registering every function without importing its module (cold start, issue 13).

On Azure, every cold start imports ``function_app``; importing all the route modules (their
services, models, dataclasses — about 100 modules compiled from source) cost 2.5–4.8× a bare
``import azure.functions``. So ``function_app`` registers each function from a generated table
(``functions/lazy_table.py``: name, trigger, signature, permission) with a stand-in that imports
the function's module on its first call and hands every call to the real function. The
Functions host, the dev host and the tests see the same functions, bindings, signatures and
permissions as before (``tests/unit/test_lazy_registration.py`` compares them one by one).

The table is generated from the real registrations — ``python -m functions.lazy`` rewrites it —
and carries a digest of the sources that declare routes. If they changed since (a route added
and the table not regenerated), ``register`` registers everything the eager way instead: slower,
never wrong; the test then fails and says what to run.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import pprint
import sys
import threading
import typing
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import azure.functions as func

__all__ = ["TABLE", "digest", "eager", "load_all", "register", "table_of"]

ROOT = Path(__file__).resolve().parents[1]
TABLE = Path(__file__).with_name("lazy_table.py")
#: Sources whose change may change what is registered: every route module, the plumbing that
#: registers routes, the permissions they name and the item types that generate routes.
_DECLARING = ("functions/**/*.py", "shared/access/permissions.py", "shared/item_types.py")
_GENERATED = "functions/lazy_table.py"
#: Modules registered only in development (as ``function_app`` did by hand).
DEVELOPMENT_ONLY = frozenset({"dev"})
#: Types a function's parameters and result may have, by their name in ``azure.functions``.
_TYPES: dict[str, Any] = {
    "HttpRequest": func.HttpRequest,
    "HttpResponse": func.HttpResponse,
    "TimerRequest": func.TimerRequest,
    "QueueMessage": func.QueueMessage,
    "Context": func.Context,
    "None": None,
}

_resolved: dict[tuple[str, str], Callable[..., Any]] = {}
_resolving = threading.Lock()


def digest(blueprints: Sequence[str]) -> str:
    """A hash of the blueprint list and of every source that declares what is registered."""
    files = sorted({p for pattern in _DECLARING for p in ROOT.glob(pattern)} - {ROOT / _GENERATED})
    h = hashlib.sha256(",".join(blueprints).encode())
    for path in files:
        h.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def register(app: func.FunctionApp, blueprints: Sequence[str], *, development: bool) -> None:
    """Register every function of ``blueprints`` (``functions.<name>`` modules, in order) on
    ``app``: from the table if it is current, else by importing them (:func:`eager`)."""
    try:
        from functions import lazy_table  # noqa: PLC0415 - generated; may be missing
    except ImportError:  # not generated yet
        eager(app, blueprints, development=development)
        return
    if tuple(lazy_table.BLUEPRINTS) != tuple(blueprints) or digest(blueprints) != lazy_table.DIGEST:
        eager(app, blueprints, development=development)
        return
    for record in lazy_table.FUNCTIONS:
        if record["module"] in DEVELOPMENT_ONLY and not development:
            continue
        _register_one(app, record)


def eager(app: func.FunctionApp, blueprints: Sequence[str], *, development: bool) -> None:
    """Import every blueprint module and register its ``bp`` (what ``function_app`` did)."""
    for name in blueprints:
        if name in DEVELOPMENT_ONLY and not development:
            importlib.import_module(f"functions.{name}")  # its routes stay declared, not served
            continue
        app.register_functions(importlib.import_module(f"functions.{name}").bp)


def load_all(blueprints: Sequence[str] | None = None) -> None:
    """Import every blueprint module, so that every route is declared (``functions.http.ROUTES``:
    the OpenAPI document describes them all, whichever functions have run)."""
    if blueprints is None:
        import function_app  # noqa: PLC0415 - it imports this module

        blueprints = function_app.BLUEPRINTS
    for name in blueprints:
        importlib.import_module(f"functions.{name}")


def _register_one(app: func.FunctionApp, record: dict[str, Any]) -> None:
    stand_in = _stand_in(record)
    trigger = record["trigger"]
    if record["kind"] == "http":
        level = func.AuthLevel(trigger["auth_level"])
        builder = app.route(route=trigger["route"], methods=trigger["methods"], auth_level=level)(stand_in)
        app.function_name(name=record["name"])(builder)
    elif record["kind"] == "timer":
        app.timer_trigger(**trigger)(stand_in)
    elif record["kind"] == "queue":
        app.queue_trigger(**trigger)(stand_in)
    else:  # pragma: no cover - table_of only writes these three
        raise ValueError(f"unknown function kind {record['kind']!r}")


def _stand_in(record: dict[str, Any]) -> Callable[..., Any]:
    """A function with the real one's name, signature, annotations and permission that imports
    the real one's module on the first call and then calls it."""
    key = (record["module"], record["name"])
    annotations = {name: _TYPES[kind] for name, kind in record["params"]}
    annotations["return"] = _TYPES[record["returns"]]

    async def call_async(*args: Any, **kwargs: Any) -> Any:
        return await _target(key)(*args, **kwargs)

    def call(*args: Any, **kwargs: Any) -> Any:
        return _target(key)(*args, **kwargs)

    stand_in: Callable[..., Any] = call_async if record["async"] else call
    stand_in.__name__ = stand_in.__qualname__ = record["name"]
    stand_in.__annotations__ = annotations
    parameters = [
        inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=annotations[name])
        for name in annotations
        if name != "return"
    ]
    stand_in.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        parameters, return_annotation=annotations["return"]
    )
    if record["permission"] is not None:
        stand_in.casedesk_permission = _permission(record["permission"])  # type: ignore[attr-defined]
    return stand_in


def _permission(value: tuple[str, str]) -> Any:
    from shared.access import permissions  # noqa: PLC0415 - only when a permission is named

    kind, member = value
    return getattr(permissions, kind)[member]


def _target(key: tuple[str, str]) -> Callable[..., Any]:
    found = _resolved.get(key)
    if found is not None:
        return found
    with _resolving:
        if key not in _resolved:
            module = key[0]
            for fn in _functions_of(module):
                _resolved[(module, fn.get_function_name())] = fn.get_user_function()
        return _resolved[key]


# ------------------------------------------------------------------------------ the table


def table_of(blueprints: Sequence[str]) -> list[dict[str, Any]]:
    """What :func:`register` needs of every function, read from the real registrations."""
    records: list[dict[str, Any]] = []
    for module in blueprints:
        records.extend(_record(module, fn) for fn in _functions_of(module))
    return records


def _functions_of(module: str) -> list[Any]:
    """The functions of ``functions.<module>``'s blueprint, built as the app builds them."""
    blueprint: func.Blueprint = importlib.import_module(f"functions.{module}").bp
    return [builder.build(func.AuthLevel.ANONYMOUS) for builder in blueprint._function_builders]


def _record(module: str, fn: Any) -> dict[str, Any]:
    trigger, user = fn.get_trigger(), fn.get_user_function()
    kind = type(trigger).__name__
    described: dict[str, Any]
    if kind == "HttpTrigger":
        methods = [str(getattr(m, "value", m)) for m in trigger.methods or ()]
        level = str(getattr(trigger.auth_level, "value", trigger.auth_level))
        described = {
            "kind": "http",
            "trigger": {"route": trigger.route, "methods": methods, "auth_level": level},
        }
    elif kind == "TimerTrigger":
        options = {"run_on_startup": trigger.run_on_startup, "use_monitor": trigger.use_monitor}
        timer = {"arg_name": trigger.name, "schedule": trigger.schedule}
        described = {"kind": "timer", "trigger": timer | {k: v for k, v in options.items() if v is not None}}
    elif kind == "QueueTrigger":
        queue = {"arg_name": trigger.name, "queue_name": trigger.queue_name, "connection": trigger.connection}
        described = {"kind": "queue", "trigger": queue}
    else:
        raise ValueError(f"{fn.get_function_name()}: no stand-in for a {kind}; register it eagerly")
    hints = typing.get_type_hints(user)
    names = {v: k for k, v in _TYPES.items() if k != "None"} | {type(None): "None"}
    params = [(name, names[hints[name]]) for name in inspect.signature(user).parameters]
    permission = getattr(user, "casedesk_permission", None)
    return {
        "module": module,
        "name": fn.get_function_name(),
        **described,
        "params": params,
        "returns": names[hints.get("return", type(None))],
        "async": inspect.iscoroutinefunction(user),
        "permission": None if permission is None else (type(permission).__name__, permission.name),
    }


def write_table(blueprints: Sequence[str]) -> None:
    body = pprint.pformat(table_of(blueprints), width=110, sort_dicts=False)
    TABLE.write_text(
        '"""Generated by ``python -m functions.lazy`` from the real registrations: do not edit.\n\n'
        "Regenerate it after adding, removing or changing a function (tests/unit/\n"
        'test_lazy_registration.py fails until then; function_app registers eagerly meanwhile)."""\n\n'
        "from typing import Any\n\n"
        "# fmt: off\n"
        "# ruff: noqa: E501\n"
        f"BLUEPRINTS = {tuple(blueprints)!r}\n"
        f'DIGEST = "{digest(blueprints)}"\n'
        f"FUNCTIONS: list[dict[str, Any]] = {body}\n"
        "# fmt: on\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    import function_app

    write_table(function_app.BLUEPRINTS)
    print(f"wrote {TABLE.relative_to(ROOT)}", file=sys.stderr)
