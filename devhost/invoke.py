"""Calling user functions the way the Python worker does: sync or async, with a context.

Async functions all run on one long-lived event loop in a background thread, as in the worker,
so that anything a function caches across calls (an async SDK client, a lock) stays bound to
the same loop. Sync functions run on the calling thread: a server worker for HTTP, a timer
thread for timers.
"""

from __future__ import annotations

import asyncio
import inspect
import threading
import uuid
from typing import Any

import azure.functions as func
from azure.functions import _abc

from devhost.loader import FunctionSpec

__all__ = ["Invoker"]


class _TraceContext(_abc.TraceContext):
    trace_parent = ""
    trace_state = ""
    attributes: dict[str, str] = {}  # noqa: RUF012 - read-only by contract


class _RetryContext(_abc.RetryContext):
    retry_count = 0
    max_retry_count = 0
    # azure-functions types this RpcException, but the host passes None when nothing failed.
    exception = None  # type: ignore[assignment]


class DevContext(func.Context):
    """The ``context`` argument: a fresh invocation id per call, the function's name and folder."""

    _local = threading.local()

    def __init__(self, spec: FunctionSpec) -> None:
        self._invocation_id = str(uuid.uuid4())
        self._spec = spec

    @property
    def invocation_id(self) -> str:
        return self._invocation_id

    @property
    def thread_local_storage(self) -> Any:
        return self._local

    @property
    def function_name(self) -> str:
        return self._spec.name

    @property
    def function_directory(self) -> str:
        return self._spec.directory

    @property
    def trace_context(self) -> _abc.TraceContext:
        return _TraceContext()

    @property
    def retry_context(self) -> _abc.RetryContext:
        return _RetryContext()


class Invoker:
    """Runs user functions; owns the event loop for the async ones."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="devhost-asyncio", daemon=True)
        self._thread.start()

    def call(self, spec: FunctionSpec, trigger_value: Any) -> Any:
        """Call ``spec`` with its trigger value (and context); exceptions propagate to the caller."""
        kwargs: dict[str, Any] = {spec.trigger_arg: trigger_value}
        if spec.wants_context:
            kwargs["context"] = DevContext(spec)
        result = spec.call(**kwargs)
        if inspect.isawaitable(result):
            return asyncio.run_coroutine_threadsafe(_await(result), self._loop).result()
        return result

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        if not self._thread.is_alive():
            self._loop.close()


async def _await(awaitable: Any) -> Any:
    return await awaitable
