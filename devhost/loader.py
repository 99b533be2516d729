"""Import the function app and turn ``app.get_functions()`` into what the dev host serves.

Everything that can be wrong with the app (a binding the dev host cannot fill, a parameter it
cannot pass, a bad route or schedule) is found here, at start-up, and reported as a
:class:`StartupError` naming the function, instead of surfacing later as a 500 on one request.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import azure.functions as func
from azure.functions.decorators.http import HttpOutput, HttpTrigger
from azure.functions.decorators.timer import TimerTrigger

from devhost import ncrontab

__all__ = ["FunctionSpec", "HttpSpec", "StartupError", "TimerSpec", "collect", "load_app", "route_prefix"]

_APP_SETTING = re.compile(r"^%([^%]+)%$")


class StartupError(Exception):
    """The app cannot be served as it is; the message says which function and why."""


@dataclass(frozen=True)
class FunctionSpec:
    """What it takes to call one user function: the trigger argument's name, and whether it
    also wants the invocation ``context`` (the Python worker passes one to that parameter)."""

    name: str
    call: Callable[..., Any]
    trigger_arg: str
    wants_context: bool
    directory: str


@dataclass(frozen=True)
class HttpSpec:
    function: FunctionSpec
    route: str  # the route as declared, without the prefix
    methods: tuple[str, ...] | None
    auth_level: str


@dataclass(frozen=True)
class TimerSpec:
    function: FunctionSpec
    schedule: ncrontab.Schedule
    run_on_startup: bool


def load_app(target: str) -> tuple[func.FunctionRegister, Path]:
    """Import ``module`` or ``module:attribute``; return the app and the module's directory.

    Without an attribute, ``app`` is used, else the one ``FunctionApp`` in the module (the
    Python worker also finds the app by type, not by name)."""
    module_name, _, attribute = target.partition(":")
    if importlib.util.find_spec(module_name) is None:
        raise StartupError(
            f"cannot find module {module_name!r} (run from the repository root, or check --app)"
        )
    module = importlib.import_module(module_name)
    if attribute:
        app = getattr(module, attribute, None)
    else:
        apps = [v for v in vars(module).values() if isinstance(v, func.FunctionRegister)]
        app = getattr(module, "app", None)
        if not isinstance(app, func.FunctionRegister) and len(apps) == 1:
            app = apps[0]
    if not isinstance(app, func.FunctionRegister):
        raise StartupError(f"{target!r} does not name a FunctionApp (expected `app = func.FunctionApp()`)")
    return app, Path(module.__file__ or ".").resolve().parent


def route_prefix(directory: Path) -> str:
    """``extensions.http.routePrefix`` from ``host.json`` in ``directory``; "api" like the host."""
    path = directory / "host.json"
    if not path.exists():
        return "api"
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise StartupError(f"{path} is not valid JSON: {error}") from None
    prefix = config.get("extensions", {}).get("http", {}).get("routePrefix", "api")
    if not isinstance(prefix, str):
        raise StartupError(f"{path}: extensions.http.routePrefix must be a string")
    return prefix.strip("/")


def collect(app: func.FunctionRegister) -> tuple[list[HttpSpec], list[TimerSpec]]:
    """Every function of the app, checked; raises :class:`StartupError` on the first problem."""
    # get_functions() remembers the names it has seen and raises "does not have a unique function
    # name" when called a second time on the same app; start from a clean slate.
    app.functions_bindings = None
    https: list[HttpSpec] = []
    timers: list[TimerSpec] = []
    for fn in app.get_functions():
        name = fn.get_function_name() or fn.get_user_function().__name__
        trigger = fn.get_trigger()
        if isinstance(trigger, HttpTrigger):
            extra = [b for b in fn.get_bindings() if b is not trigger and not _is_return(b)]
        else:
            extra = [b for b in fn.get_bindings() if b is not trigger]
        if extra:
            listed = ", ".join(f"{b.type} {b.name!r}" for b in extra)
            raise StartupError(
                f"function {name!r} declares bindings the dev host cannot provide: {listed}. "
                "Use the ports in shared/ instead of input/output bindings, or run it under `func start`."
            )
        spec = _function_spec(name, fn.get_user_function(), trigger)
        if isinstance(trigger, HttpTrigger):
            methods = tuple(str(getattr(m, "value", m)).upper() for m in trigger.methods or ()) or None
            level = str(getattr(trigger.auth_level, "value", trigger.auth_level) or "function")
            https.append(HttpSpec(spec, str(trigger.route or name), methods, level))
        elif isinstance(trigger, TimerTrigger):
            try:
                schedule = ncrontab.parse(_resolve_setting(trigger.schedule))
            except ValueError as error:
                raise StartupError(f"function {name!r}: {error}") from None
            timers.append(TimerSpec(spec, schedule, bool(trigger.run_on_startup)))
        else:
            kind = getattr(trigger, "type", type(trigger).__name__)
            raise StartupError(
                f"function {name!r}: the dev host runs HTTP and timer triggers only, not {kind}"
            )
    return https, timers


def _is_return(binding: Any) -> bool:
    return isinstance(binding, HttpOutput) and binding.name == "$return"


def _resolve_setting(schedule: str) -> str:
    """A schedule written as ``%NAME%`` is read from the app setting NAME, as on Azure."""
    found = _APP_SETTING.match(schedule.strip())
    if not found:
        return schedule
    value = os.environ.get(found[1])
    if value is None:
        raise ValueError(f"schedule {schedule!r} names the app setting {found[1]}, which is not set")
    return value


def _function_spec(name: str, call: Callable[..., Any], trigger: Any) -> FunctionSpec:
    """Check that every required parameter is one the dev host passes: the trigger, ``context``."""
    parameters = inspect.signature(call).parameters
    trigger_arg = str(trigger.name)
    if trigger_arg not in parameters:
        raise StartupError(f"function {name!r}: has no parameter {trigger_arg!r} for its trigger")
    for parameter in parameters.values():
        required = parameter.default is inspect.Parameter.empty and parameter.kind not in (
            inspect.Parameter.VAR_POSITIONAL,
            inspect.Parameter.VAR_KEYWORD,
        )
        if required and parameter.name not in (trigger_arg, "context"):
            raise StartupError(f"function {name!r}: the dev host cannot provide parameter {parameter.name!r}")
    directory = str(Path(inspect.getfile(call)).resolve().parent)
    return FunctionSpec(name, call, trigger_arg, "context" in parameters, directory)
