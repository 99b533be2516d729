"""Fakes of our own ports for tests (never ``mock.patch`` of our code paths)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class ManualClock:
    """A clock that only moves when a test says so. Starts at the real time so that servers
    which stamp their own times (the Cosmos emulator) stay comparable."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime.now(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, **delta: float) -> None:
        self._now += timedelta(**delta)
