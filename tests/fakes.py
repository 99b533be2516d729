"""Fakes of our own ports for tests (never ``mock.patch`` of our code paths)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any


class ManualClock:
    """A clock that only moves when a test says so. Starts at the real time so that servers
    which stamp their own times (the Cosmos emulator) stay comparable."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime.now(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, **delta: float) -> None:
        self._now += timedelta(**delta)


class CountingStore:
    """A Store that passes every call to ``inner`` and counts it by method — how tests price a
    request in store calls (ARCHITECTURE §12) without patching anything."""

    WRITES = frozenset({"create", "upsert", "replace", "delete", "patch", "batch", "delete_partition"})

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls: list[tuple[str, str]] = []

    def reset(self) -> None:
        self.calls.clear()

    @property
    def writes(self) -> list[tuple[str, str]]:
        return [c for c in self.calls if c[0] in self.WRITES]

    def __getattr__(self, name: str) -> Any:
        target = getattr(self.inner, name)
        if name not in {
            "read",
            "read_many",
            "read_points",
            "query",
            "count",
            "scan",
            "scan_page",
            *self.WRITES,
        }:
            return target

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls.append((name, str(args[0]) if args else ""))
            return target(*args, **kwargs)

        return counted


class FailingPorts:
    """Fault injection for crash tests: wraps a Store and a BlobStore (of any adapter) and raises
    ``BackendUnavailable`` from the call after ``fail_after`` calls across both, and from every
    call after that — as a process that dies at that point would leave things. ``calls`` counts
    what went through (a healthy run with ``fail_after=None`` measures a job's length)."""

    STORE = frozenset({"read", "read_many", "read_points", "create", "upsert", "replace", "delete",
                       "patch", "query", "count", "batch", "scan", "delete_partition",
                       "scan_page"})  # fmt: skip
    BLOBS = frozenset({"put", "get", "delete", "exists", "list", "delete_prefix"})

    def __init__(self, store: Any, blobs: Any, fail_after: int | None) -> None:
        self.fail_after = fail_after
        self.calls = 0
        self.tripped = False
        self.store = _Failing(self, store, self.STORE)
        self.blobs = _Failing(self, blobs, self.BLOBS)

    def tick(self) -> None:
        from shared.errors import BackendUnavailable

        if self.fail_after is not None and self.calls >= self.fail_after:
            self.tripped = True
            raise BackendUnavailable(f"injected failure after {self.fail_after} calls")
        self.calls += 1


class _Failing:
    def __init__(self, owner: FailingPorts, inner: Any, methods: frozenset[str]) -> None:
        self._owner, self._inner, self._methods = owner, inner, methods

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._inner, name)
        if name not in self._methods:
            return target

        def failing(*args: Any, **kwargs: Any) -> Any:
            self._owner.tick()
            result = target(*args, **kwargs)
            if name in ("scan", "list"):  # a generator fails where it is consumed, like a real one
                return _failing_iter(self._owner, result)
            return result

        return failing


def _failing_iter(owner: FailingPorts, inner: Any) -> Any:
    for item in inner:
        yield item
        owner.tick()
