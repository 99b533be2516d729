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
from dataclasses import dataclass
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


@dataclass(frozen=True)
class WeekMean:
    week: str  # ISO week, "2026-W48"
    start: date  # its Monday
    mean: float
    count: int


@dataclass(frozen=True)
class MonthMean:
    month: str  # "2026-11"
    mean: float
    count: int


@dataclass(frozen=True)
class Trend:
    status: TrendStatus
    slope_per_30_days: float | None
    points: int


@dataclass(frozen=True)
class ScaleSeries:
    scale: str
    polarity: Polarity
    points: list[Point]
    weekly: list[WeekMean]
    monthly: list[MonthMean]
    trend: Trend

    def to_json(self) -> dict[str, Any]:
        """The dashboard's ``Scale`` object (camelCase, ISO dates)."""
        return {
            "scale": self.scale,
            "polarity": self.polarity,
            "points": [{"date": _iso(day), "value": value} for day, value in self.points],
            "weekly": [
                {"week": w.week, "start": _iso(w.start), "mean": w.mean, "count": w.count}
                for w in self.weekly
            ],
            "monthly": [{"month": m.month, "mean": m.mean, "count": m.count} for m in self.monthly],
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
    """The closed form over exact integer sums (x = days since the first point)."""
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
    column by column with each day's keys worked out once (a three-year dashboard has ~6,600
    values; the unit tests hold the two ways equal)."""
    ordered = sorted(values.items())
    days = [day for day, _ in ordered]
    ordinals = [day.toordinal() for day in days]
    mondays = [ordinal - day.weekday() for ordinal, day in zip(ordinals, days, strict=True)]
    months = [day.year * 12 + day.month - 1 for day in days]
    out = []
    for scale in scales:
        column = [day_values.get(scale) for _, day_values in ordered]
        present = [i for i, value in enumerate(column) if value is not None]
        ys: list[int] = [column[i] for i in present]  # type: ignore[misc]  # None filtered out
        origin = ordinals[present[0]] if present else 0
        polarity = polarity_of[scale]
        out.append(
            ScaleSeries(
                scale,
                polarity,
                # Points made in C (tuple.__new__), not through the NamedTuple's Python __new__.
                list(map(tuple.__new__, repeat(Point), zip([days[i] for i in present], ys, strict=True))),
                [_week(monday, total, count) for monday, (total, count) in _sums(mondays, present, ys)],
                [
                    MonthMean(f"{key // 12}-{key % 12 + 1:02d}", round(total / count, 2), count)
                    for key, (total, count) in _sums(months, present, ys)
                ],
                _trend([ordinals[i] - origin for i in present], ys, polarity),
            )
        )
    return out


def _sums(keys: list[int], present: list[int], ys: list[int]) -> Iterable[tuple[int, list[int]]]:
    """[sum, count] of the values per key, in order (the days are sorted, so are their keys)."""
    groups: dict[int, list[int]] = {}
    for i, value in zip(present, ys, strict=True):
        group = groups.get(keys[i])
        if group is None:
            groups[keys[i]] = [value, 1]
        else:
            group[0] += value
            group[1] += 1
    return groups.items()


def _week(monday_ordinal: int, total: int, count: int) -> WeekMean:
    monday = date.fromordinal(monday_ordinal)
    year, week, _ = monday.isocalendar()
    return WeekMean(f"{year}-W{week:02d}", monday, round(total / count, 2), count)


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
