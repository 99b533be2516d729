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
from typing import Any, NamedTuple

import azure.functions as func
from azure.functions.decorators.http import HttpOutput, HttpTrigger
from azure.functions.decorators.queue import QueueTrigger
from azure.functions.decorators.timer import TimerTrigger

from devhost import ncrontab
from shared.adapters.queue_names import MAX_BATCH, poison_queue
from shared.errors import InvalidInput

__all__ = [
    "FunctionSpec",
    "Functions",
    "HttpSpec",
    "QueueSettings",
    "QueueSpec",
    "StartupError",
    "TimerSpec",
    "collect",
    "load_app",
    "queue_settings",
    "route_prefix",
]

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


@dataclass(frozen=True)
class QueueSpec:
    """A queue-triggered function. ``connection`` names the host's connection setting (in Azure:
    ``<connection>__queueServiceUri``); the dev host reads the queue through the TaskQueue port."""

    function: FunctionSpec
    queue_name: str
    connection: str


class Functions(NamedTuple):
    """What :func:`collect` finds, by trigger."""

    https: list[HttpSpec]
    timers: list[TimerSpec]
    queues: list[QueueSpec]


@dataclass(frozen=True)
class QueueSettings:
    """host.json ``extensions.queues``, as the dev host applies it. Defaults are Azure's, except
    ``visibility_timeout`` (Azure: 0, retry at once; here 10 s, and at least 1 s)."""

    max_dequeue_count: int = 5
    visibility_timeout: int = 10  # seconds a failed message stays hidden before its next try
    batch_size: int = 16
    max_polling_interval: float = 1.0  # the dev host polls at most this long apart (cap 1 s)


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


def _host_json(directory: Path) -> dict[str, Any]:
    path = directory / "host.json"
    if not path.exists():
        return {}
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise StartupError(f"{path} is not valid JSON: {error}") from None
    if not isinstance(config, dict):
        raise StartupError(f"{path} must hold a JSON object")
    return config


def _timespan(value: Any, where: str) -> float:
    """A .NET TimeSpan as host.json writes it: ``[d.]hh:mm:ss[.fffffff]``, in seconds."""
    found = re.fullmatch(r"(?:(\d+)\.)?(\d{1,2}):(\d{1,2}):(\d{1,2})(\.\d{1,7})?", str(value).strip())
    if not isinstance(value, str) or not found:
        raise StartupError(f'host.json: {where} must be a time span like "00:00:30", not {value!r}')
    days, hours, minutes, seconds, fraction = found.groups()
    return (
        int(days or 0) * 86400 + int(hours) * 3600 + int(minutes) * 60 + int(seconds) + float(fraction or 0)
    )


def queue_settings(directory: Path) -> QueueSettings:
    """``extensions.queues`` from ``host.json`` in ``directory`` (Azure's defaults where unset)."""
    queues = _host_json(directory).get("extensions", {}).get("queues", {})
    if not isinstance(queues, dict):
        raise StartupError("host.json: extensions.queues must be an object")
    defaults = QueueSettings()
    encoding = queues.get("messageEncoding", "base64")
    if str(encoding).lower() != "base64":
        raise StartupError(
            "host.json: extensions.queues.messageEncoding must be base64: the TaskQueue adapter for "
            f"Azure (shared/adapters/azure_queue.py) sends base64, not {encoding!r}"
        )
    count = queues.get("maxDequeueCount", defaults.max_dequeue_count)
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise StartupError("host.json: extensions.queues.maxDequeueCount must be a whole number >= 1")
    batch = queues.get("batchSize", defaults.batch_size)
    if isinstance(batch, bool) or not isinstance(batch, int) or not 1 <= batch <= MAX_BATCH:
        raise StartupError(f"host.json: extensions.queues.batchSize must be 1-{MAX_BATCH}")
    visibility = defaults.visibility_timeout
    if "visibilityTimeout" in queues:
        visibility = max(
            1, round(_timespan(queues["visibilityTimeout"], "extensions.queues.visibilityTimeout"))
        )
    polling = defaults.max_polling_interval
    if "maxPollingInterval" in queues:
        polling = min(
            polling, _timespan(queues["maxPollingInterval"], "extensions.queues.maxPollingInterval")
        )
    return QueueSettings(count, visibility, batch, max(polling, 0.1))


def collect(app: func.FunctionRegister) -> Functions:
    """Every function of the app, checked; raises :class:`StartupError` on the first problem."""
    # get_functions() remembers the names it has seen and raises "does not have a unique function
    # name" when called a second time on the same app; start from a clean slate.
    app.functions_bindings = None
    https: list[HttpSpec] = []
    timers: list[TimerSpec] = []
    queues: list[QueueSpec] = []
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
        elif isinstance(trigger, QueueTrigger):
            queues.append(
                QueueSpec(spec, _queue_name(name, trigger.queue_name), str(trigger.connection or ""))
            )
        else:
            kind = getattr(trigger, "type", type(trigger).__name__)
            raise StartupError(
                f"function {name!r}: the dev host runs HTTP, timer and queue triggers only, not {kind}"
            )
    return Functions(https, timers, queues)


def _queue_name(function: str, declared: str) -> str:
    """The queue a trigger listens to (``%NAME%`` read from the app setting NAME), checked against
    Azure's rules, including room for its ``-poison`` queue."""
    try:
        name = _resolve_setting(str(declared or ""), "queue name")
        poison_queue(name)
    except ValueError as error:
        raise StartupError(f"function {function!r}: {error}") from None
    except InvalidInput:
        raise StartupError(
            f"function {function!r}: queue name {declared!r} is not a valid Azure queue name that leaves "
            "room for its -poison queue (3-56 lowercase letters, digits and single dashes)"
        ) from None
    return name


def _is_return(binding: Any) -> bool:
    return isinstance(binding, HttpOutput) and binding.name == "$return"


def _resolve_setting(schedule: str, what: str = "schedule") -> str:
    """A schedule (or queue name) written as ``%NAME%`` is read from the app setting NAME, as on Azure."""
    found = _APP_SETTING.match(schedule.strip())
    if not found:
        return schedule
    value = os.environ.get(found[1])
    if value is None:
        raise ValueError(f"{what} {schedule!r} names the app setting {found[1]}, which is not set")
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
