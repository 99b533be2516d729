"""NCRONTAB schedules, as the Azure Functions timer trigger reads them.

Six fields, seconds first: ``second minute hour day month day-of-week``. Each field takes
``*``, numbers, names (``Jan``, ``Monday``), ranges ``a-b``, lists ``a,b``, steps ``*/n``,
``a-b/n`` and ``a/n`` (from ``a`` to the field's maximum). Like the NCrontab library that the
Functions host uses, a day must match *both* the day-of-month and the day-of-week field (not
either, as in Vixie cron), Sunday is 0 and times are UTC.

Written here rather than taken from a package because it is small, and because the rules above
(AND of the day fields, six fields) differ from the popular cron libraries in ways that would
let a schedule behave differently locally than on Azure.
"""

from __future__ import annotations

import calendar
from bisect import bisect_left
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple

__all__ = ["Schedule", "parse"]

_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_DAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")


class _Field(NamedTuple):
    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()  # names of the values from ``low`` on


_FIELDS = (
    _Field("second", 0, 59),
    _Field("minute", 0, 59),
    _Field("hour", 0, 23),
    _Field("day", 1, 31),
    _Field("month", 1, 12, _MONTHS),
    _Field("day-of-week", 0, 6, _DAYS),
)
# Searching 400 years covers the whole Gregorian cycle, so any satisfiable schedule is found.
_SEARCH_YEARS = 400


@dataclass(frozen=True)
class Schedule:
    """A parsed schedule: the sorted allowed values of each field."""

    expression: str
    seconds: tuple[int, ...]
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]

    def next_after(self, moment: datetime) -> datetime:
        """The first occurrence strictly after ``moment`` (aware datetime; naive means UTC)."""
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        start = moment.astimezone(UTC).replace(microsecond=0) + timedelta(seconds=1)
        day, earliest = start.date(), start.time()
        limit = date(min(start.year + _SEARCH_YEARS, 9999), 12, 31)
        while day <= limit:
            if day.month not in self.months:
                day = _first_of_next_month(day)
                earliest = time(0)
                continue
            if day.day in self.days and (day.isoweekday() % 7) in self.weekdays:
                found = self._first_time_from(earliest)
                if found is not None:
                    return datetime.combine(day, found, UTC)
            day += timedelta(days=1)
            earliest = time(0)
        raise ValueError(f"schedule {self.expression!r} has no occurrence after {moment.isoformat()}")

    def _first_time_from(self, earliest: time) -> time | None:
        """The first allowed time of day at or after ``earliest``, or None if none is left."""
        for hour in self.hours[bisect_left(self.hours, earliest.hour) :]:
            same_hour = hour == earliest.hour
            min_minute = earliest.minute if same_hour else 0
            for minute in self.minutes[bisect_left(self.minutes, min_minute) :]:
                same_minute = same_hour and minute == earliest.minute
                index = bisect_left(self.seconds, earliest.second if same_minute else 0)
                if index < len(self.seconds):
                    return time(hour, minute, self.seconds[index])
        return None


def parse(expression: str) -> Schedule:
    """Parse a six-field NCRONTAB expression; ``ValueError`` says which field is wrong and why."""
    text = expression.strip()
    if ":" in text and len(text.split()) == 1:
        raise ValueError(
            f"schedule {expression!r} is a TimeSpan (hh:mm:ss), which Azure only accepts on App Service "
            "plans; the dev host needs NCRONTAB, e.g. '0 */5 * * * *' for every five minutes"
        )
    parts = text.split()
    if len(parts) != len(_FIELDS):
        raise ValueError(
            f"schedule {expression!r} has {len(parts)} fields; NCRONTAB needs 6: "
            "second minute hour day month day-of-week (e.g. '0 30 2 * * *' for 02:30:00 UTC daily)"
        )
    values = [_parse_field(part, field, expression) for part, field in zip(parts, _FIELDS, strict=True)]
    seconds, minutes, hours, days, months, weekdays = values
    if not any(min(days) <= _max_day(month) for month in months):
        raise ValueError(f"schedule {expression!r} never fires: no chosen month has any of the chosen days")
    return Schedule(
        expression=expression,
        seconds=tuple(sorted(seconds)),
        minutes=tuple(sorted(minutes)),
        hours=tuple(sorted(hours)),
        days=frozenset(days),
        months=frozenset(months),
        weekdays=frozenset(weekdays),
    )


def _parse_field(text: str, field: _Field, expression: str) -> set[int]:
    name, low, high = field.name, field.low, field.high
    result: set[int] = set()
    for item in text.split(","):
        where = f"schedule {expression!r}, {name} field {text!r}"
        if not item:
            raise ValueError(f"{where}: empty list item")
        base, slash, step_text = item.partition("/")
        step = 1
        if slash:
            if not step_text.isdigit() or int(step_text) == 0:
                raise ValueError(f"{where}: step {step_text!r} must be a positive whole number")
            step = int(step_text)
        if base == "*":
            first, last = low, high
        elif "-" in base:
            first_text, _, last_text = base.partition("-")
            first, last = _value(first_text, field, where), _value(last_text, field, where)
            if first > last:
                raise ValueError(f"{where}: range {base!r} runs backwards")
        else:
            first = _value(base, field, where)
            last = high if slash else first
        result.update(range(first, last + 1, step))
    return result


def _value(text: str, field: _Field, where: str) -> int:
    low, high, names = field.low, field.high, field.names
    if text.isdigit():
        number = int(text)
    else:
        lowered = text.lower()
        # Like NCrontab, a name may be any prefix of the full name; three letters at least here.
        matches = [i for i, n in enumerate(names) if len(lowered) >= 3 and n.lower().startswith(lowered)]
        if not matches:
            hint = f" (names: {', '.join(n[:3].title() for n in names)})" if names else ""
            raise ValueError(f"{where}: {text!r} is not a number{hint}")
        number = low + matches[0]
    if not low <= number <= high:
        raise ValueError(f"{where}: {number} is outside {low}-{high}")
    return number


def _max_day(month: int) -> int:
    """The longest the month can be (February: 29, in leap years)."""
    return 29 if month == 2 else calendar.monthrange(2001, month)[1]


def _first_of_next_month(day: date) -> date:
    return date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)
