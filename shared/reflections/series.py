"""Series and trends of the reflection scales: pure functions over dated values, no I/O.

The dashboard (``shared.reflections.reflections.dashboard``) and, later, the PDF report compute
every number they show here, from exactly the entries the viewer may see::

    values = {date(2026, 11, 2): {"wellbeing": 6, "pain": 3, ...}, ...}
    [s.to_json() for s in scale_series(values)]   # one per scale, in SCALES order

Per scale: the daily points, the ISO-week and calendar-month means, and a least-squares trend
(value over days) said in words with the scale's polarity: ``improving`` / ``worsening`` /
``stable`` (|slope| < :data:`STABLE_PER_30_DAYS` points per 30 days) / ``not_enough_data``
(fewer than :data:`MIN_POINTS` points, or points spanning fewer than :data:`MIN_SPAN_DAYS` days:
a slope "per 30 days" drawn from one week would claim a development nobody has seen yet).
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import repeat
from typing import Any, Literal, NamedTuple

__all__ = [
    "FEEDBACK_POLARITY",
    "FEEDBACK_SCALES",
    "MIN_POINTS",
    "MIN_SPAN_DAYS",
    "POLARITY",
    "SCALES",
    "STABLE_PER_30_DAYS",
    "CapacityStep",
    "Evaluated",
    "MonthMean",
    "Point",
    "ScaleSeries",
    "Trend",
    "WeekMean",
    "capacity_steps",
    "monthly",
    "points",
    "scale_series",
    "trend",
    "trend_line",
    "weekly",
]

#: The six scales, in the order every answer lists them (workload = "coping with workload").
SCALES = ("wellbeing", "energy", "pain", "stress", "sleep", "workload")
Polarity = Literal["higher_is_better", "higher_is_worse"]
#: Pain and stress going up is worse; the other scales going up is better.
POLARITY: Mapping[str, Polarity] = {
    scale: "higher_is_worse" if scale in ("pain", "stress") else "higher_is_better" for scale in SCALES
}
#: Below this many points a trend says "not enough data".
MIN_POINTS = 5
#: ... and the first and last of them at least this many days apart.
MIN_SPAN_DAYS = 14
#: A trend whose slope stays within ± this many points per 30 days is "stable".
STABLE_PER_30_DAYS = 0.5
TrendStatus = Literal["improving", "worsening", "stable", "not_enough_data"]
#: A day's ISO text, each day formatted once (a three-year dashboard shows ~6,600 points).
_iso = functools.lru_cache(maxsize=4096)(date.isoformat)


class Point(NamedTuple):
    day: date
    value: int


class WeekMean(NamedTuple):  # a tuple, not a frozen dataclass: three years have ~950 of them
    week: str  # ISO week, "2026-W48"
    start: date  # its Monday
    mean: float
    days: int  # the days of the week that have a value


class MonthMean(NamedTuple):
    month: str  # "2026-11"
    mean: float
    days: int  # the days of the month that have a value


@dataclass(frozen=True)
class Trend:
    status: TrendStatus
    slope_per_30_days: float | None
    points: int


@dataclass(frozen=True)
class ScaleSeries:
    """One scale over a period. The days that have a value and the values are two parallel
    lists (a three-year dashboard has ~6,600 values: no object per value until one is asked
    for, see :attr:`points`)."""

    scale: str
    polarity: Polarity
    days: list[date]
    values: list[int]
    weekly: list[WeekMean]
    monthly: list[MonthMean]
    trend: Trend
    #: ``days`` as ISO text (shared by the scales of one :func:`scale_series` call).
    day_names: list[str] = field(default_factory=list, repr=False, compare=False)

    @property
    def points(self) -> list[Point]:
        """The days that have a value on the scale, oldest first."""
        return list(map(tuple.__new__, repeat(Point), zip(self.days, self.values, strict=True)))

    def to_json(self) -> dict[str, Any]:
        """The dashboard's ``Scale`` object (camelCase, ISO dates): the days that have a value
        and the values as two parallel arrays (``dates[i]`` has ``values[i]``)."""
        names = self.day_names or [_iso(day) for day in self.days]
        return {
            "scale": self.scale,
            "polarity": self.polarity,
            # Columns, not a {date, value} object per point: a three-year dashboard has ~6,600
            # values, and encoding an object each cost more than reading and decrypting them.
            "dates": names,
            "values": self.values,
            "weekly": [
                {"week": w.week, "start": _iso(w.start), "mean": w.mean, "count": w.days} for w in self.weekly
            ],
            "monthly": [{"month": m.month, "mean": m.mean, "count": m.days} for m in self.monthly],
            "trend": {
                "status": self.trend.status,
                "slopePer30Days": self.trend.slope_per_30_days,
                "points": self.trend.points,
            },
        }


def points(values: Mapping[date, Mapping[str, int | None]], scale: str) -> list[Point]:
    """The days that have a value on ``scale``, oldest first."""
    return _points(sorted(values.items()), scale)


def _points(ordered: list[tuple[date, Mapping[str, int | None]]], scale: str) -> list[Point]:
    return [Point(day, value) for day, scales in ordered if (value := scales.get(scale)) is not None]


def _mean(values: list[int]) -> float:
    return round(sum(values) / len(values), 2)


def weekly(series: Iterable[Point]) -> list[WeekMean]:
    """The mean of each ISO week that has points (Monday to Sunday), oldest first."""
    groups: dict[int, list[int]] = {}  # by the ordinal of the week's Monday
    for point in series:
        groups.setdefault(point.day.toordinal() - point.day.weekday(), []).append(point.value)
    return [_week(monday, sum(vals), len(vals)) for monday, vals in sorted(groups.items())]


def monthly(series: Iterable[Point]) -> list[MonthMean]:
    """The mean of each calendar month that has points, oldest first."""
    groups: dict[tuple[int, int], list[int]] = {}
    for point in series:
        groups.setdefault((point.day.year, point.day.month), []).append(point.value)
    return [
        MonthMean(f"{year}-{month:02d}", _mean(vals), len(vals))
        for (year, month), vals in sorted(groups.items())
    ]


def trend(series: list[Point], polarity: Polarity) -> Trend:
    """The least-squares slope of value over days, in points per 30 days, said in words."""
    origin = series[0].day.toordinal() if series else 0
    return _trend([p.day.toordinal() - origin for p in series], [p.value for p in series], polarity)


def _trend(xs: list[int], ys: list[int], polarity: Polarity) -> Trend:
    """The closed form over exact integer sums, x in days: any origin gives the same result
    (the slope's numerator and denominator do not change when every x moves by a constant), so
    callers may pass day ordinals as they are."""
    n, sx, sy = len(xs), sum(xs), sum(ys)
    spread = n * sum(map(operator.mul, xs, xs)) - sx * sx
    if n < MIN_POINTS or spread == 0 or max(xs) - min(xs) < MIN_SPAN_DAYS:
        return Trend("not_enough_data", None, n)
    slope = (n * sum(map(operator.mul, xs, ys)) - sx * sy) * 30 / spread
    if abs(slope) < STABLE_PER_30_DAYS:
        status: TrendStatus = "stable"
    elif (slope > 0) == (polarity == "higher_is_better"):
        status = "improving"
    else:
        status = "worsening"
    return Trend(status, round(slope, 3), n)


def scale_series(
    values: Mapping[date, Mapping[str, int | None]],
    scales: Sequence[str] = SCALES,
    polarity_of: Mapping[str, Polarity] = POLARITY,
) -> list[ScaleSeries]:
    """Every scale's points, weekly and monthly means and trend, in ``scales`` order (default:
    the reflection :data:`SCALES`; the employer's feedback passes :data:`FEEDBACK_SCALES`) —
    exactly what :func:`points`, :func:`weekly`, :func:`monthly` and :func:`trend` give, computed
    column by column: the days, their weeks and months are worked out once for all scales, a
    week's or month's mean is a ``sum`` over a slice of the column, and a scale with a value on
    every day shares the day lists (a three-year dashboard has ~6,600 values; the unit tests hold
    the two ways equal)."""
    ordered = sorted(values.items())
    days = [day for day, _ in ordered]
    ordinals = [day.toordinal() for day in days]
    names = [_iso(day) for day in days]
    weeks = [
        (_week_name(key), date.fromordinal(key), a, b)
        for key, a, b in _runs([o - d.weekday() for o, d in zip(ordinals, days, strict=True)])
    ]
    months = [
        (f"{key // 12}-{key % 12 + 1:02d}", a, b)
        for key, a, b in _runs([d.year * 12 + d.month - 1 for d in days])
    ]
    out = []
    for scale in scales:
        column = [day_values.get(scale) for _, day_values in ordered]
        polarity = polarity_of[scale]
        if None not in column:
            ys: list[int] = column  # type: ignore[assignment]  # no None in it
            series = ScaleSeries(scale, polarity, days, ys, [], [], _trend(ordinals, ys, polarity), names)
        else:
            present = [i for i, value in enumerate(column) if value is not None]
            ys = [column[i] for i in present]  # type: ignore[misc]  # None filtered out
            xs = [ordinals[i] for i in present]
            series = ScaleSeries(
                scale,
                polarity,
                [days[i] for i in present],
                ys,
                [],
                [],
                _trend(xs, ys, polarity),
                [names[i] for i in present],
            )
        if None not in column:  # every day has a value: a week's count is its number of days
            series.weekly.extend(
                [
                    WeekMean(name, monday, round(sum(ys[a:b]) / (b - a), 2), b - a)
                    for name, monday, a, b in weeks
                ]
            )
            series.monthly.extend(
                [MonthMean(name, round(sum(ys[a:b]) / (b - a), 2), b - a) for name, a, b in months]
            )
        else:
            for name, monday, a, b in weeks:
                if (total := _total(column, a, b)) is not None:
                    series.weekly.append(WeekMean(name, monday, round(total[0] / total[1], 2), total[1]))
            for name, a, b in months:
                if (total := _total(column, a, b)) is not None:
                    series.monthly.append(MonthMean(name, round(total[0] / total[1], 2), total[1]))
        out.append(series)
    return out


def _runs(keys: list[int]) -> list[tuple[int, int, int]]:
    """(key, start, end) of each run of equal keys (the days are sorted, so are their keys)."""
    runs = []
    start = 0
    for index in range(1, len(keys) + 1):
        if index == len(keys) or keys[index] != keys[start]:
            runs.append((keys[start], start, index))
            start = index
    return runs


def _total(column: list[int | None], start: int, end: int) -> tuple[int, int] | None:
    """(sum, count) of the values in ``column[start:end]``, ``None`` if it has none."""
    part = column[start:end]
    if None in part:
        part = [value for value in part if value is not None]
        if not part:
            return None
    return sum(part), len(part)  # type: ignore[arg-type]  # None filtered out


def _week_name(monday_ordinal: int) -> str:
    year, week, _ = date.fromordinal(monday_ordinal).isocalendar()
    return f"{year}-W{week:02d}"


def _week(monday_ordinal: int, total: int, count: int) -> WeekMean:
    return WeekMean(
        _week_name(monday_ordinal), date.fromordinal(monday_ordinal), round(total / count, 2), count
    )


def trend_line(series: ScaleSeries) -> tuple[tuple[date, float], tuple[date, float]] | None:
    """The trend's straight line over the series' days, for a chart: its value on the first and
    on the last day (the least-squares line passes through the mean day and the mean value);
    ``None`` when the trend has not enough data."""
    slope = series.trend.slope_per_30_days
    if slope is None or not series.points:
        return None
    origin = series.points[0].day.toordinal()
    xs = [p.day.toordinal() - origin for p in series.points]
    mean_x = sum(xs) / len(xs)
    mean_y = sum(p.value for p in series.points) / len(xs)
    per_day = slope / 30
    first, last = series.points[0].day, series.points[-1].day
    return (
        (first, mean_y - per_day * mean_x),
        (last, mean_y + per_day * (xs[-1] - mean_x)),
    )


# -- evaluations and feedback (issue 16) -----------------------------------------------------------

#: The employer contact's feedback scales on the work trial (0–10); up is better on each.
FEEDBACK_SCALES = ("attendance", "workloadFit", "collaboration")
FEEDBACK_POLARITY: Mapping[str, Polarity] = dict.fromkeys(FEEDBACK_SCALES, "higher_is_better")


class Evaluated(NamedTuple):
    """What the capacity line needs of one evaluation (its current version)."""

    valid_from: date
    valid_to: date | None  # inclusive; None: until further notice
    percent: int
    evaluation_id: str  # creation-time ordered: of two from the same day, the later one counts
    version: int


@dataclass(frozen=True)
class CapacityStep:
    start: date
    end: date | None  # exclusive; None: open
    percent: int
    evaluation_id: str
    version: int

    def to_json(self) -> dict[str, Any]:
        return {
            "from": _iso(self.start),
            "to": _iso(self.end) if self.end else None,
            "capacityPercent": self.percent,
            "evaluationId": self.evaluation_id,
            "version": self.version,
            "corrected": self.version > 1,
        }


def capacity_steps(evaluations: Iterable[Evaluated], first: date, last: date) -> list[CapacityStep]:
    """Work capacity over time as a step line: each evaluation holds from its ``valid_from``
    until the day after its ``valid_to`` or the next evaluation's ``valid_from``, whichever comes
    first (a newer assessment replaces an older one from its first day; days no evaluation covers
    stay a gap). The steps that overlap ``first`` … ``last``, oldest first, unclipped."""
    ordered = sorted(evaluations, key=lambda e: (e.valid_from, e.evaluation_id))
    steps = []
    for index, current in enumerate(ordered):
        end = current.valid_to + timedelta(days=1) if current.valid_to else None
        if index + 1 < len(ordered):
            following = ordered[index + 1].valid_from
            end = following if end is None else min(end, following)
        if end is not None and end <= current.valid_from:
            continue  # replaced on its first day
        if current.valid_from <= last and (end is None or end > first):
            steps.append(
                CapacityStep(current.valid_from, end, current.percent, current.evaluation_id, current.version)
            )
    return steps
