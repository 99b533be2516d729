"""Timer functions: on their NCRONTAB schedule, on start-up if asked, and on demand.

One daemon thread per timer sleeps until the next occurrence and runs the function there, so a
slow timer never delays another, and a timer never overlaps itself (the real host holds a
singleton lock per timer; here a per-function lock does the same, shared with on-demand runs).
A run that starts more than a second after its time (because the previous run overran) is
``past_due``, and the occurrences missed meanwhile are skipped, not replayed, like the host does.
An exception in a timer is logged with its traceback and the schedule carries on.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from datetime import UTC, datetime

import azure.functions as func
from azure.functions.timer import TimerRequest

from devhost.invoke import Invoker
from devhost.loader import TimerSpec

__all__ = ["TimerService"]

log = logging.getLogger("devhost.timers")
_LATE = 1.0  # seconds after its time that a run counts as past due


def _utc_now() -> datetime:
    return datetime.now(UTC)


class TimerService:
    def __init__(self, timers: list[TimerSpec], invoker: Invoker, now: Callable[[], datetime] = _utc_now):
        self._timers = {t.function.name.lower(): t for t in timers}
        self._locks = {name: threading.Lock() for name in self._timers}
        self._invoker = invoker
        self._now = now
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def __contains__(self, name: str) -> bool:
        return name.lower() in self._timers

    def start(self) -> None:
        """Start the schedule (and the run-on-start-up runs) in daemon threads."""
        if os.environ.get("WEBSITE_TIME_ZONE"):
            log.warning("WEBSITE_TIME_ZONE is set but ignored: the dev host runs schedules in UTC")
        for timer in self._timers.values():
            thread = threading.Thread(
                target=self._loop, args=(timer,), name=f"devhost-timer-{timer.function.name}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)

    def run_now(self, name: str) -> bool:
        """Run a timer once in the background, as ``POST /admin/functions/<name>`` does on Azure.
        False if there is no such timer."""
        timer = self._timers.get(name.lower())
        if timer is None:
            return False
        threading.Thread(
            target=self._run,
            args=(timer, False, None),
            name=f"devhost-run-{timer.function.name}",
            daemon=True,
        ).start()
        return True

    def run_and_wait(self, name: str) -> bool | None:
        """Run a timer once on the calling thread (under its lock, so never beside a scheduled
        run) — the dev host's ``POST /admin/timers/<name>/run`` for tests that need the run to
        be over. ``None`` if there is no such timer, else whether the run succeeded."""
        timer = self._timers.get(name.lower())
        if timer is None:
            return None
        return self._run(timer, False, None)

    def _loop(self, timer: TimerSpec) -> None:
        if timer.run_on_startup:
            self._run(timer, False, None)
        last = self._now()
        while not self._stop.is_set():
            due = timer.schedule.next_after(last)
            delay = (due - self._now()).total_seconds()
            if delay > 0 and self._stop.wait(delay):
                return
            past_due = delay < -_LATE  # the previous run overran this occurrence
            self._run(timer, past_due, due)
            last = self._now() if past_due else due

    def _run(self, timer: TimerSpec, past_due: bool, due: datetime | None) -> bool:
        name = timer.function.name
        with self._locks[name.lower()]:
            started = self._now()
            last = (due or started).isoformat()
            status = {
                "Last": last,
                "Next": timer.schedule.next_after(started).isoformat(),
                "LastUpdated": started.isoformat(),
            }
            request: func.TimerRequest = TimerRequest(past_due=past_due, schedule_status=status)
            log.info("timer %s: running%s", name, " (past due)" if past_due else "")
            try:
                self._invoker.call(timer.function, request)
            except Exception:
                log.exception("timer %s failed; the schedule continues", name)
                return False
            elapsed = (self._now() - started).total_seconds() * 1000
            log.info("timer %s: done in %.0f ms", name, elapsed)
            return True
