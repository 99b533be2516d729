"""The function app registers every function from a generated table without importing the route
modules (functions/lazy.py): the table must be current, and what it registers must be what the
modules themselves register — names, bindings, signatures, permissions — and a stand-in must
run the real function."""

from __future__ import annotations

import json
import subprocess
import sys
import typing
from typing import Any

import azure.functions as func

import function_app
from functions import lazy, lazy_table
from tests.unit.conftest import http_request


def _functions(app: func.FunctionApp) -> list[Any]:
    app.functions_bindings = None  # a second get_functions() on one app is refused
    try:
        return list(app.get_functions())
    finally:
        app.functions_bindings = None


def _described(fn: Any) -> dict[str, Any]:
    user = fn.get_user_function()
    return {
        "name": fn.get_function_name(),
        "json": json.loads(fn.get_function_json()),
        "hints": typing.get_type_hints(user),
        "permission": getattr(user, "casedesk_permission", None),
    }


def test_the_table_is_current() -> None:
    assert lazy_table.BLUEPRINTS == function_app.BLUEPRINTS
    assert lazy.digest(function_app.BLUEPRINTS) == lazy_table.DIGEST, (
        "a function was added or changed: run `python -m functions.lazy` and commit functions/lazy_table.py"
    )
    assert lazy.table_of(function_app.BLUEPRINTS) == lazy_table.FUNCTIONS


def test_the_lazy_app_registers_what_the_modules_register() -> None:
    for development in (True, False):
        eager = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
        lazy.eager(eager, function_app.BLUEPRINTS, development=development)
        stand_ins = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
        for record in lazy_table.FUNCTIONS:
            if development or record["module"] not in lazy.DEVELOPMENT_ONLY:
                lazy._register_one(stand_ins, record)
        expected = [_described(fn) for fn in _functions(eager)]
        assert [_described(fn) for fn in _functions(stand_ins)] == expected
        assert len(expected) > 50


def test_a_stand_in_runs_the_real_function() -> None:
    record = next(r for r in lazy_table.FUNCTIONS if r["name"] == "health_live")
    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
    lazy._register_one(app, record)
    (fn,) = _functions(app)
    answer = fn.get_user_function()(req=http_request("GET", "/api/health/live"))
    assert answer.status_code == 200 and json.loads(answer.get_body())["status"] == "ok"


def test_a_cold_import_loads_no_route_module_and_no_pydantic() -> None:
    probe = (
        "import sys, function_app; "
        "print(sorted(m for m in sys.modules if m.startswith(('functions.', 'pydantic', 'segno', 'shared.'))))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == repr(
        [
            "functions.lazy",
            "functions.lazy_table",
            "shared.access",
            "shared.access.permissions",
            "shared.config",
            "shared.errors",
        ]
    )
