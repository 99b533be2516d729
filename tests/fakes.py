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

    WRITES = frozenset({"create", "upsert", "replace", "delete", "patch", "batch"})

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
        if name not in {"read", "read_many", "query", "count", "scan", *self.WRITES}:
            return target

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls.append((name, str(args[0]) if args else ""))
            return target(*args, **kwargs)

        return counted
