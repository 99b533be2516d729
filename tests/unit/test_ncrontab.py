"""NCRONTAB parsing and next occurrences, as the Functions timer trigger reads schedules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from devhost.ncrontab import parse


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[arg-type, misc]


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        # every day at midnight, across a month end
        ("0 0 0 * * *", at(2024, 1, 31, 12), at(2024, 2, 1)),
        # steps of seconds, across a year end
        ("*/15 * * * * *", at(2024, 12, 31, 23, 59, 50), at(2025, 1, 1)),
        ("*/5 * * * * *", at(2024, 5, 1, 10, 0, 3), at(2024, 5, 1, 10, 0, 5)),
        # strictly after: a moment that is itself an occurrence gives the next one
        ("*/5 * * * * *", at(2024, 5, 1, 10, 0, 5), at(2024, 5, 1, 10, 0, 10)),
        # a stepped range, and the "a/n" form (from a to the maximum)
        ("1-10/2 * * * * *", at(2024, 5, 1, 10, 0, 9), at(2024, 5, 1, 10, 1, 1)),
        ("5/20 * * * * *", at(2024, 5, 1, 10, 0, 45), at(2024, 5, 1, 10, 1, 5)),
        # lists and stepped ranges combined: minutes 0,30 of hours 9, 13 and 17
        ("0 0,30 9-17/4 * * *", at(2024, 5, 1, 9, 30), at(2024, 5, 1, 13)),
        ("0 0,30 9-17/4 * * *", at(2024, 5, 1, 17, 30), at(2024, 5, 2, 9)),
        # hour ranges roll over to the next day
        ("0 0 8-10 * * *", at(2024, 5, 1, 10), at(2024, 5, 2, 8)),
        # the 31st skips months that are shorter
        ("0 0 0 31 * *", at(2024, 4, 15), at(2024, 5, 31)),
        ("0 0 0 31 * *", at(2024, 5, 31), at(2024, 7, 31)),
        # last day of the year, in a leap year (day 366) and after
        ("0 0 0 31 12 *", at(2024, 12, 31), at(2025, 12, 31)),
        # February 29 only happens in leap years; 2100 is not one
        ("0 0 0 29 2 *", at(2023, 3, 1), at(2024, 2, 29)),
        ("0 0 0 29 2 *", at(2024, 3, 1), at(2028, 2, 29)),
        ("0 0 0 29 Feb *", at(2096, 3, 1), at(2104, 2, 29)),
        # day AND weekday (NCrontab), not OR (Vixie cron): a Monday February 29, a Friday the 13th
        ("0 0 0 29 Feb Mon", at(2024, 3, 1), at(2044, 2, 29)),
        ("0 0 0 13 * Fri", at(2024, 1, 1), at(2024, 9, 13)),
        # weekdays: names, ranges of names, Sunday is 0
        ("0 30 9 * * Mon-Fri", at(2024, 3, 8, 10), at(2024, 3, 11, 9, 30)),
        ("0 0 12 * * Sun", at(2024, 3, 9), at(2024, 3, 10, 12)),
        ("0 0 12 * * 0", at(2024, 3, 9), at(2024, 3, 10, 12)),
        ("0 0 12 * * sat,SUN", at(2024, 3, 8), at(2024, 3, 9, 12)),
        ("0 0 12 * * Monday", at(2024, 3, 9), at(2024, 3, 11, 12)),
        # month names, full or short, any case
        ("0 0 0 1 Jan,Jul *", at(2024, 2, 1), at(2024, 7, 1)),
        ("0 0 0 1 january *", at(2024, 2, 1), at(2025, 1, 1)),
        ("0 0 6 * Nov-Dec *", at(2024, 3, 1), at(2024, 11, 1, 6)),
        # extra whitespace between fields is fine
        ("  0  0  0  *  *  *  ", at(2024, 1, 1, 1), at(2024, 1, 2)),
    ],
)
def test_next_occurrence(expression: str, after: datetime, expected: datetime) -> None:
    assert parse(expression).next_after(after) == expected


def test_sub_second_moments_round_to_the_next_whole_second() -> None:
    schedule = parse("*/5 * * * * *")
    assert schedule.next_after(at(2024, 5, 1, 10, 0, 4) + timedelta(microseconds=999_999)) == at(
        2024, 5, 1, 10, 0, 5
    )


def test_times_are_utc_whatever_the_input_zone() -> None:
    schedule = parse("0 0 0 * * *")
    plus_one = timezone(timedelta(hours=1))
    # 00:30 at +01:00 is 23:30 UTC on the day before: the next UTC midnight is an hour later
    assert schedule.next_after(datetime(2024, 1, 1, 0, 30, tzinfo=plus_one)) == at(2024, 1, 1)
    # a naive moment is taken as UTC
    assert schedule.next_after(datetime(2024, 1, 1, 12)) == at(2024, 1, 2)
    assert schedule.next_after(at(2024, 1, 1)).tzinfo is UTC


def test_consecutive_occurrences_of_every_second() -> None:
    schedule = parse("*/1 * * * * *")
    moment = at(2024, 2, 28, 23, 59, 58)
    seen = []
    for _ in range(4):
        moment = schedule.next_after(moment)
        seen.append(moment)
    assert seen == [
        at(2024, 2, 28, 23, 59, 59),
        at(2024, 2, 29),
        at(2024, 2, 29, 0, 0, 1),
        at(2024, 2, 29, 0, 0, 2),
    ]


def test_parsed_fields_are_sorted_values() -> None:
    schedule = parse("*/20 5,1 0-2 * * Mon-Wed")
    assert schedule.seconds == (0, 20, 40)
    assert schedule.minutes == (1, 5)
    assert schedule.hours == (0, 1, 2)
    assert schedule.weekdays == frozenset({1, 2, 3})
    assert schedule.months == frozenset(range(1, 13))


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("* * * * *", "has 5 fields; NCRONTAB needs 6"),
        ("0 * * * * * *", "has 7 fields"),
        ("", "has 0 fields"),
        ("00:05:00", "TimeSpan"),
        ("1.00:00:00", "TimeSpan"),
        ("60 * * * * *", "second field '60': 60 is outside 0-59"),
        ("0 60 * * * *", "minute field"),
        ("0 0 24 * * *", "hour field '24': 24 is outside 0-23"),
        ("0 0 0 0 * *", "day field '0': 0 is outside 1-31"),
        ("0 0 0 32 * *", "day field"),
        ("0 0 0 * 13 *", "month field '13': 13 is outside 1-12"),
        ("0 0 0 * 0 *", "month field"),
        ("0 0 0 * * 7", "day-of-week field '7': 7 is outside 0-6"),
        ("*/0 * * * * *", "step '0' must be a positive whole number"),
        ("*/x * * * * *", "step 'x'"),
        ("5-1 * * * * *", "range '5-1' runs backwards"),
        ("0 0 0 * Nov-Feb *", "range 'Nov-Feb' runs backwards"),
        ("1,,2 * * * * *", "empty list item"),
        ("1- * * * * *", "'' is not a number"),
        ("Mon * * * * *", "second field 'Mon': 'Mon' is not a number"),
        ("0 0 0 * Foo *", "month field 'Foo': 'Foo' is not a number (names: Jan, Feb"),
        ("0 0 0 * * Mo", "'Mo' is not a number (names: Sun, Mon"),
        ("0 0 0 * * Funday", "day-of-week field"),
        ("a b c d e f", "second field 'a'"),
        ("-1 * * * * *", "second field '-1'"),
        ("0 0 0 30 2 *", "never fires"),
        ("0 0 0 31 2,4,6 *", "never fires"),
        ("0 0 0 30-31 Feb *", "never fires"),
    ],
)
def test_invalid_expressions_say_what_is_wrong(expression: str, message: str) -> None:
    with pytest.raises(ValueError, match="schedule") as caught:
        parse(expression)
    assert message in str(caught.value)


def test_a_day_that_exists_in_one_listed_month_is_fine() -> None:
    assert parse("0 0 0 31 2,3 *").next_after(at(2024, 1, 1)) == at(2024, 3, 31)
