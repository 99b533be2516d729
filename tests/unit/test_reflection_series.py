"""The one module that computes the dashboard's numbers (shared/reflections/series.py): daily
points, ISO-week and month means, the least-squares trend with polarity, the stable band and
"not enough data" — checked against values worked out by hand."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from shared.reflections.series import (
    MIN_POINTS,
    MIN_SPAN_DAYS,
    POLARITY,
    SCALES,
    Point,
    monthly,
    points,
    scale_series,
    trend,
    weekly,
)


def line(start: date, values: list[int], *, every: int = 1) -> list[Point]:
    return [Point(start + timedelta(days=every * i), v) for i, v in enumerate(values)]


def test_points_are_the_days_with_a_value_on_the_scale_oldest_first() -> None:
    values: dict[date, dict[str, int | None]] = {
        date(2026, 11, 3): {"pain": 4, "energy": None},
        date(2026, 11, 1): {"pain": 7},
        date(2026, 11, 2): {"energy": 5},
    }
    assert points(values, "pain") == [Point(date(2026, 11, 1), 7), Point(date(2026, 11, 3), 4)]
    assert points(values, "energy") == [Point(date(2026, 11, 2), 5)]
    assert points(values, "sleep") == []


def test_weekly_means_follow_iso_weeks_across_a_year_end() -> None:
    # 2026-12-28 is the Monday of 2026-W53; 2027-01-04 starts 2027-W01; 2027-01-03 is a Sunday.
    series = [
        Point(date(2026, 12, 27), 2),  # Sunday of 2026-W52
        Point(date(2026, 12, 28), 4),
        Point(date(2027, 1, 3), 7),
        Point(date(2027, 1, 4), 9),
    ]
    weeks = weekly(series)
    assert [(w.week, w.start, w.mean, w.days) for w in weeks] == [
        ("2026-W52", date(2026, 12, 21), 2.0, 1),
        ("2026-W53", date(2026, 12, 28), 5.5, 2),
        ("2027-W01", date(2027, 1, 4), 9.0, 1),
    ]


def test_monthly_means_are_rounded_to_two_places() -> None:
    series = [Point(date(2026, 10, 31), 1), Point(date(2026, 11, 1), 1), Point(date(2026, 11, 2), 2)]
    series.append(Point(date(2026, 11, 30), 2))
    assert [(m.month, m.mean, m.days) for m in monthly(series)] == [
        ("2026-10", 1.0, 1),
        ("2026-11", 1.67, 3),
    ]


def test_below_the_minimum_number_of_points_there_is_no_trend() -> None:
    few = line(date(2026, 11, 1), [0, 10, 0, 10][: MIN_POINTS - 1])
    assert trend(few, "higher_is_better").status == "not_enough_data"
    assert trend(few, "higher_is_better").slope_per_30_days is None
    assert trend(few, "higher_is_better").points == MIN_POINTS - 1
    assert trend([], "higher_is_worse").points == 0


def test_the_slope_is_least_squares_per_30_days() -> None:
    # One point up per 10 days = 3 points per 30 days, exactly.
    rising = line(date(2026, 1, 1), [1, 2, 3, 4, 5], every=10)
    assert trend(rising, "higher_is_better").slope_per_30_days == pytest.approx(3.0)
    # Noisy, every 3 days: x = 0..15, y = 1,3,2,5,4,6 → Σ(x-x̄)(y-ȳ) = 46.5, Σ(x-x̄)² = 157.5.
    noisy = line(date(2026, 1, 1), [1, 3, 2, 5, 4, 6], every=3)
    assert trend(noisy, "higher_is_better").slope_per_30_days == pytest.approx(46.5 / 157.5 * 30, abs=1e-3)


def test_points_closer_together_than_two_weeks_give_no_trend() -> None:
    """A week of daily entries is no development: no slope "per 30 days" is drawn from it."""
    week = line(date(2026, 1, 1), [1, 3, 5, 7, 9, 10, 10])  # 7 points, 6 days apart end to end
    assert trend(week, "higher_is_better").status == "not_enough_data"
    assert trend(week, "higher_is_better").slope_per_30_days is None
    just = line(date(2026, 1, 1), [1, 3, 5, 7, 9], every=3)  # 12 days: still not enough
    assert trend(just, "higher_is_better").status == "not_enough_data"
    enough = [*just, Point(date(2026, 1, 1) + timedelta(days=MIN_SPAN_DAYS), 10)]
    assert trend(enough, "higher_is_better").status == "improving"


@pytest.mark.parametrize(
    ("values", "polarity", "status"),
    [
        ([2, 4, 6, 8, 10], "higher_is_better", "improving"),
        ([2, 4, 6, 8, 10], "higher_is_worse", "worsening"),
        ([10, 8, 6, 4, 2], "higher_is_better", "worsening"),
        ([10, 8, 6, 4, 2], "higher_is_worse", "improving"),
    ],
)
def test_the_polarity_says_whether_up_is_better(values: list[int], polarity: str, status: str) -> None:
    assert trend(line(date(2026, 3, 1), values, every=4), polarity).status == status  # type: ignore[arg-type]


def test_the_stable_band_is_under_half_a_point_per_30_days() -> None:
    # One point up over 70 days: 30/70 ≈ 0.43 per 30 days → stable; over 50 days: 0.6 → a trend.
    inside = line(date(2026, 1, 1), [5, 5, 5, 5, 6], every=14)  # x = 0..56
    slope_inside = trend(inside, "higher_is_better").slope_per_30_days
    assert slope_inside is not None and abs(slope_inside) < 0.5
    assert trend(inside, "higher_is_better").status == "stable"
    outside = line(date(2026, 1, 1), [5, 5, 5, 5, 6], every=7)  # x = 0..28: 0.86 per 30 days
    assert trend(outside, "higher_is_better").status == "improving"
    assert trend(outside, "higher_is_worse").status == "worsening"
    flat = line(date(2026, 1, 1), [7] * 20)
    assert (trend(flat, "higher_is_worse").status, trend(flat, "higher_is_worse").slope_per_30_days) == (
        "stable",
        0.0,
    )


def test_every_scale_has_its_series_in_order_with_its_polarity() -> None:
    start = date(2026, 11, 2)  # a Monday
    values: dict[date, dict[str, int | None]] = {
        start + timedelta(days=i): {"pain": 8 - i, "wellbeing": 3 + i} for i in range(6)
    }
    values[start + timedelta(days=20)] = {"pain": 2, "wellbeing": 9}  # a third week later: a trend
    result = {s.scale: s for s in scale_series(values)}
    assert [s.scale for s in scale_series(values)] == list(SCALES)
    assert POLARITY["pain"] == POLARITY["stress"] == "higher_is_worse"
    assert {POLARITY[s] for s in SCALES if s not in ("pain", "stress")} == {"higher_is_better"}
    assert result["pain"].trend.status == "improving" and result["wellbeing"].trend.status == "improving"
    assert result["sleep"].points == [] and result["sleep"].trend.status == "not_enough_data"
    as_json = result["pain"].to_json()
    assert (as_json["dates"][0], as_json["values"][0]) == ("2026-11-02", 8)
    assert as_json["weekly"] == [
        {"week": "2026-W45", "start": "2026-11-02", "mean": 5.5, "count": 6},
        {"week": "2026-W47", "start": "2026-11-16", "mean": 2.0, "count": 1},
    ]
    assert as_json["monthly"] == [{"month": "2026-11", "mean": 5.0, "count": 7}]
    assert as_json["trend"]["status"] == "improving" and as_json["trend"]["points"] == 7
    assert as_json["trend"]["slopePer30Days"] < 0


@pytest.mark.parametrize("gaps", [True, False], ids=["gaps", "every-day-every-scale"])
@pytest.mark.parametrize("seed", range(6))
def test_the_column_wise_series_equals_the_functions_it_stands_for(seed: int, gaps: bool) -> None:
    """``scale_series`` computes column by column: it must give exactly what ``points``,
    ``weekly``, ``monthly`` and ``trend`` give (random days, gaps and empty scales — or a value
    on every day, the shared-lists path; fixed seeds), and answer the same JSON."""
    rng = random.Random(seed)
    start = date(2025, 12, 20) + timedelta(days=rng.randint(0, 30))
    options = [None] if gaps else []
    values = {
        start + timedelta(days=d): {s: rng.choice([*options, rng.randint(0, 10)]) for s in SCALES}
        for d in rng.sample(range(400), rng.randint(0, 120))
    }
    for result in scale_series(values):
        found = points(values, result.scale)
        assert result.points == found
        assert result.weekly == weekly(found)
        assert result.monthly == monthly(found)
        assert result.trend == trend(found, POLARITY[result.scale])
        as_json = result.to_json()
        assert as_json["dates"] == [p.day.isoformat() for p in found]
        assert as_json["values"] == [p.value for p in found]
        assert [w["mean"] for w in as_json["weekly"]] == [w.mean for w in weekly(found)]
